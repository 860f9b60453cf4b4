variable "account_id" {
  type        = string
  description = "Cloudflare account id (CLOUDFLARE_ACCOUNT_ID / TF_VAR_account_id)"
}

variable "environment" {
  type        = string
  description = "Deployed environment; must match an [env.<name>] section of wrangler.toml"
  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment must be staging or production."
  }
}

variable "capture_retention_days" {
  type        = number
  description = "Days an inference capture object (capture/ prefix of the models bucket) is kept before R2 deletes it"
  default     = 90
}

variable "retired_blob_days" {
  type        = number
  description = "Days a retired model blob (moved under retired/ once no manifest references it) is kept before R2 deletes it"
  default     = 30
}

variable "r2_location" {
  type        = string
  description = "R2 location hint for the model bucket"
  default     = "enam"
}
