CREATE TABLE `feedback` (
	`prediction_id` text PRIMARY KEY NOT NULL,
	`delayed` integer NOT NULL,
	`delay` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `heartbeats` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`cron` text NOT NULL,
	`scheduled_at` integer NOT NULL,
	`ran_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `predictions` (
	`event_id` text PRIMARY KEY NOT NULL,
	`prediction_id` text NOT NULL,
	`role` text NOT NULL,
	`source` text NOT NULL,
	`engine` text NOT NULL,
	`model` text NOT NULL,
	`version` integer NOT NULL,
	`probability` real NOT NULL,
	`hour` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `predictions_prediction_id_idx` ON `predictions` (`prediction_id`);--> statement-breakpoint
CREATE INDEX `predictions_model_hour_idx` ON `predictions` (`model`,`version`,`hour`);--> statement-breakpoint
CREATE TABLE `profile_counts` (
	`model` text NOT NULL,
	`version` integer NOT NULL,
	`hour` text NOT NULL,
	`feature` text NOT NULL,
	`bin` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`model`, `version`, `hour`, `feature`, `bin`)
);
