CREATE TABLE `stream_events` (
	`stream` text NOT NULL,
	`event_id` text NOT NULL,
	`result` text NOT NULL,
	`created_at` integer NOT NULL,
	`delivered_at` integer,
	PRIMARY KEY(`stream`, `event_id`)
);
