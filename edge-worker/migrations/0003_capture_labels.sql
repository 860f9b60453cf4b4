CREATE TABLE `feedback_audit` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`prediction_id` text NOT NULL,
	`previous_delayed` integer,
	`previous_delay` integer,
	`delayed` integer NOT NULL,
	`delay` integer,
	`reason` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `feedback` ADD `key_hash` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `predictions` ADD `key_hash` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `predictions` ADD `capture` text;--> statement-breakpoint
CREATE INDEX `predictions_capture_idx` ON `predictions` (`capture`);