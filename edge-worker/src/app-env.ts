/** Hono context typing shared by every route and middleware. */
export interface AppEnv {
  Bindings: Env
  Variables: {
    /** the caller presented the admin key (Bearer): not rate limited, may use the admin-only headers */
    admin: boolean
    /** truncated sha256 of the api key or client address: rate limiting */
    callerKey: string
    /** truncated sha256 of X-Tarmac-Key, else of the caller: canary stickiness, telemetry */
    requestKey: string
  }
}
