// Zendesk wire types, validated at the boundary: only the fields the connector reads are required.
import { z } from 'zod';

const id = z.number().int();

export const zendeskUserSchema = z.object({
  id,
  name: z.string().nullish(),
  email: z.string().nullish(),
  role: z.string(),
  role_type: z.number().int().nullish(),
  custom_role_id: id.nullish(),
  active: z.boolean().default(true),
  suspended: z.boolean().nullish(),
  last_login_at: z.string().nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  chat_only: z.boolean().nullish(),
  restricted_agent: z.boolean().nullish(),
});
export type ZendeskUser = z.infer<typeof zendeskUserSchema>;

/** users/me.json's user (node-zendesk unwraps `{user}`): anonymous callers get 200 with `id: null`. */
export const meUserSchema = zendeskUserSchema.extend({ id: id.nullable() });
export type ZendeskMe = z.infer<typeof meUserSchema>;

/** One page of users.json under cursor paging (page[size] sent). */
export const usersPageSchema = z.object({
  users: z.array(zendeskUserSchema),
  meta: z.object({
    has_more: z.boolean(),
    after_cursor: z.string().nullish(),
    before_cursor: z.string().nullish(),
  }),
  links: z.object({ next: z.string().nullish(), prev: z.string().nullish() }).partial().optional(),
});
export type UsersPage = z.infer<typeof usersPageSchema>;

export const customRoleSchema = z.object({
  id,
  name: z.string(),
  role_type: z.number().int().nullish(),
});
export type ZendeskCustomRole = z.infer<typeof customRoleSchema>;

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  refresh_token: z.string().nullish(),
  expires_in: z.number().nullish(),
  scope: z.string().optional(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/** Error bodies: 404/422 `{error, description, details}`, OAuth 401 `{error:'invalid_token', error_description}`. */
export const errorBodySchema = z
  .object({
    error: z.union([z.string(), z.object({ title: z.string().optional(), message: z.string().optional() })]).optional(),
    description: z.string().optional(),
    error_description: z.string().optional(),
    details: z.record(z.string(), z.array(z.object({ description: z.string().optional(), error: z.string().optional() }))).optional(),
  })
  .loose();
