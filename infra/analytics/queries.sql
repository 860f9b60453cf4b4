-- Workers Analytics Engine SQL for the Worker's prediction data points (edge-worker/src/telemetry/analytics.ts).
-- One row per prediction, written when it is served (edge) or reported (browser telemetry):
--   index1  model (the sampling key)
--   blob1 model · blob2 version · blob3 role (served|shadow) · blob4 source (edge|browser) · blob5 engine
--   blob6 origin · blob7 destination
--   double1 probability · double2 latency_ms · double3 distance · double4 departure_hour
-- AE samples rows at high volume: counts are SUM(_sample_interval), means and quantiles are weighted by it.
-- `timestamp` is when the Worker wrote the row: a replay (X-Tarmac-Event-Time) lands at the time it was sent.
-- Run one with: curl -X POST https://api.cloudflare.com/client/v4/accounts/<account_id>/analytics_engine/sql \
--   -H "Authorization: Bearer <token>" --data-binary @query.sql
-- Datasets: tarmac_predictions_production, tarmac_predictions_staging (wrangler.toml). Grafana: grafana-dashboard.json.

-- name: volume_per_hour
-- Served predictions per hour and model version (shadow scores of a challenger are not served).
SELECT
    toStartOfInterval(timestamp, INTERVAL '1' HOUR) AS hour,
    blob2 AS version,
    SUM(_sample_interval) AS predictions
FROM tarmac_predictions_production
WHERE index1 = 'flight-delay'
    AND blob3 = 'served'
    AND timestamp > NOW() - INTERVAL '1' DAY
GROUP BY hour, version
ORDER BY hour, version;

-- name: latency_quantiles
-- Latency p50/p99 per hour and source: edge is request-to-response in the Worker, browser is on-device inference.
SELECT
    toStartOfInterval(timestamp, INTERVAL '1' HOUR) AS hour,
    blob4 AS source,
    quantileExactWeighted(0.5)(double2, _sample_interval) AS p50_ms,
    quantileExactWeighted(0.99)(double2, _sample_interval) AS p99_ms
FROM tarmac_predictions_production
WHERE index1 = 'flight-delay'
    AND blob3 = 'served'
    AND timestamp > NOW() - INTERVAL '1' DAY
GROUP BY hour, source
ORDER BY hour, source;

-- name: mean_probability
-- Mean predicted probability per hour and version: a quick prediction-drift signal between monitoring runs.
SELECT
    toStartOfInterval(timestamp, INTERVAL '1' HOUR) AS hour,
    blob2 AS version,
    SUM(_sample_interval * double1) / SUM(_sample_interval) AS mean_probability
FROM tarmac_predictions_production
WHERE index1 = 'flight-delay'
    AND blob3 = 'served'
    AND timestamp > NOW() - INTERVAL '1' DAY
GROUP BY hour, version
ORDER BY hour, version;

-- name: engine_share
-- Share of served predictions per engine (ts, ort-wasm, ort-webgpu, …) and source over the last day.
SELECT
    blob4 AS source,
    blob5 AS engine,
    SUM(_sample_interval) AS predictions
FROM tarmac_predictions_production
WHERE index1 = 'flight-delay'
    AND blob3 = 'served'
    AND timestamp > NOW() - INTERVAL '1' DAY
GROUP BY source, engine
ORDER BY predictions DESC;
