# Paste these into wrangler.toml [env.<environment>] after the first apply (docs/deploy.md).
output "kv_namespace_ids" {
  description = "wrangler.toml kv_namespaces id, by binding"
  value       = { ALIASES = cloudflare_workers_kv_namespace.aliases.id }
}

output "d1_database_ids" {
  description = "wrangler.toml d1_databases database_id, by binding"
  value       = { DB = cloudflare_d1_database.edge.id }
}
