/** Sinks a stream's results go to (STREAM_SINKS, comma list): the results queue, the signed webhook, or both. */
export type StreamSink = 'queue' | 'webhook'

declare global {
  interface Env {
    /** HMAC key of the results webhook: `wrangler secret put STREAM_WEBHOOK_SECRET`, never a var */
    STREAM_WEBHOOK_SECRET?: string
  }
}

export interface StreamConfig {
  sinks: StreamSink[]
  webhookUrl: string
  webhookSecret: string
  /** in-process attempts per webhook delivery before the messages go back to the queue */
  webhookAttempts: number
}

export function streamConfigOf(env: Env): StreamConfig {
  const sinks = (env.STREAM_SINKS ?? 'queue')
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is StreamSink => s === 'queue' || s === 'webhook')
  return {
    sinks: sinks.length > 0 ? sinks : ['queue'],
    webhookUrl: env.STREAM_WEBHOOK_URL ?? '',
    webhookSecret: env.STREAM_WEBHOOK_SECRET ?? '',
    webhookAttempts: 3,
  }
}
