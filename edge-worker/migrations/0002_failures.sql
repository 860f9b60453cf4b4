CREATE TABLE `failures` (
	`event_id` text PRIMARY KEY NOT NULL,
	`role` text NOT NULL,
	`model` text NOT NULL,
	`version` integer NOT NULL,
	`rows` integer NOT NULL,
	`code` text NOT NULL,
	`hour` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `failures_model_hour_idx` ON `failures` (`model`,`version`,`hour`);