// Wire shapes the custom connector reads itself (the rest of a custom app's answers are read through
// the definition's field paths).
import { z } from 'zod';

/** RFC 6749 §5.1 token response; expires_in arrives as a string from some servers. */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
});
export type TokenResponse = z.output<typeof tokenResponseSchema>;

/** RFC 6749 §5.2 error response. */
export const tokenErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });
