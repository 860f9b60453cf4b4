CREATE TABLE `alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`model` text NOT NULL,
	`version` integer NOT NULL,
	`rule` text NOT NULL,
	`status` text NOT NULL,
	`first_fired` integer NOT NULL,
	`last_seen` integer NOT NULL,
	`resolved_at` integer,
	`detail` text NOT NULL,
	`notified_at` integer,
	`notify_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_firing_idx` ON `alerts` (`model`,`version`,`rule`) WHERE "alerts"."status" = 'firing';--> statement-breakpoint
CREATE INDEX `alerts_status_idx` ON `alerts` (`status`,`last_seen`);--> statement-breakpoint
CREATE TABLE `drift_reports` (
	`model` text NOT NULL,
	`version` integer NOT NULL,
	`window_start` integer NOT NULL,
	`window_end` integer NOT NULL,
	`report` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`model`, `version`, `window_start`, `window_end`)
);
--> statement-breakpoint
CREATE TABLE `performance` (
	`model` text NOT NULL,
	`version` integer NOT NULL,
	`window_start` integer NOT NULL,
	`window_end` integer NOT NULL,
	`count` integer NOT NULL,
	`labels` integer NOT NULL,
	`realized_auc` real,
	`log_loss` real,
	`ece` real,
	`estimated_auc` real,
	`estimated_accuracy` real,
	`latency_p50` real,
	`latency_p99` real,
	`error_rate` real,
	`baseline_auc` real,
	`calibration` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`model`, `version`, `window_start`, `window_end`)
);
