import { z } from 'zod'

/** The one error shape of Tarmac's own routes (/v1, /admin); /v2 answers the protocol's `{"error":"<message>"}`. */
export const apiErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional(), requestId: z.string().optional() }),
})

export type ApiErrorBody = z.infer<typeof apiErrorSchema>
