# One state per environment (terraform workspace = environment, see docs/deploy.md). Names follow wrangler.toml's
# [env.<environment>] section; infra/check.ts fails CI when the two disagree.

resource "cloudflare_r2_bucket" "models" {
  account_id = var.account_id
  name       = "tarmac-models-${var.environment}"
  location   = var.r2_location
}

# blobs/<sha256> is content-addressed and pinned by immutable manifests, so no age-based rule may touch it: a champion
# can legitimately be months old. Garbage collection moves unreferenced blobs to retired/<sha256>; only that prefix
# expires, which leaves retired_blob_days to restore a blob by copying it back.
resource "cloudflare_r2_bucket_lifecycle" "models" {
  account_id  = var.account_id
  bucket_name = cloudflare_r2_bucket.models.name
  rules = [
    {
      id         = "expire-retired-blobs"
      enabled    = true
      conditions = { prefix = "retired/" }
      delete_objects_transition = {
        condition = { type = "Age", max_age = var.retired_blob_days * 86400 }
      }
    },
    {
      # inference capture (capture/<model>/<date>/<hour>/): training data, kept capture_retention_days
      # (keep it equal to the Worker's CAPTURE_RETENTION_DAYS, which purges the D1 rows joining labels to it)
      id         = "expire-capture"
      enabled    = true
      conditions = { prefix = "capture/" }
      delete_objects_transition = {
        condition = { type = "Age", max_age = var.capture_retention_days * 86400 }
      }
    },
    {
      id         = "abort-stale-multipart-uploads"
      enabled    = true
      conditions = { prefix = "" }
      abort_multipart_uploads_transition = {
        condition = { type = "Age", max_age = 86400 }
      }
    },
  ]
}

# Title follows wrangler's own convention for namespaces it creates: <worker name>-<binding>.
resource "cloudflare_workers_kv_namespace" "aliases" {
  account_id = var.account_id
  title      = "tarmac-edge-${var.environment}-ALIASES"
}

resource "cloudflare_d1_database" "edge" {
  account_id = var.account_id
  name       = "tarmac-edge-${var.environment}"
}

resource "cloudflare_queue" "telemetry" {
  account_id = var.account_id
  queue_name = "tarmac-telemetry-${var.environment}"
}

# Telemetry batches that fail max_retries times land here instead of being dropped.
resource "cloudflare_queue" "telemetry_dlq" {
  account_id = var.account_id
  queue_name = "tarmac-telemetry-dlq-${var.environment}"
}

# Workers Analytics Engine datasets and rate-limit namespaces have no provider resource: a dataset appears on its
# first write and a rate-limit namespace_id is chosen in wrangler.toml. infra/check.ts keeps them per environment.

# Streaming: departure events in, their dead letters (invalid events with the reason, or max_retries spent), results out.
resource "cloudflare_queue" "departures" {
  account_id = var.account_id
  queue_name = "tarmac-departures-${var.environment}"
}

resource "cloudflare_queue" "departures_dlq" {
  account_id = var.account_id
  queue_name = "tarmac-departures-dlq-${var.environment}"
}

resource "cloudflare_queue" "stream_results" {
  account_id = var.account_id
  queue_name = "tarmac-stream-results-${var.environment}"
}
