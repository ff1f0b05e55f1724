// Zod schemas of the Slack Web API and SCIM wire types we read; vendor responses are checked here.
import { z } from 'zod';

const responseMetadata = z
  .object({ next_cursor: z.string().optional(), retryAfter: z.number().optional() })
  .passthrough()
  .optional();

export const authTestSchema = z.object({
  ok: z.literal(true),
  url: z.string().optional(),
  team: z.string().optional(),
  user: z.string().optional(),
  team_id: z.string().optional(),
  user_id: z.string(),
  enterprise_id: z.string().optional(),
  is_enterprise_install: z.boolean().optional(),
  bot_id: z.string().optional(),
});
export type AuthTest = z.infer<typeof authTestSchema>;

export const adminUserSchema = z.object({
  id: z.string(),
  email: z.string().nullish(),
  username: z.string().nullish(),
  full_name: z.string().nullish(),
  is_admin: z.boolean().optional(),
  is_owner: z.boolean().optional(),
  is_primary_owner: z.boolean().optional(),
  is_restricted: z.boolean().optional(),
  is_ultra_restricted: z.boolean().optional(),
  is_bot: z.boolean().optional(),
  is_app_user: z.boolean().optional(),
  is_active: z.boolean().optional(),
  deactivated_ts: z.number().nullish(),
  workspaces: z.array(z.string()).optional(),
});
export type AdminUser = z.infer<typeof adminUserSchema>;

export const adminUsersListSchema = z.object({
  ok: z.literal(true),
  users: z.array(adminUserSchema),
  response_metadata: responseMetadata,
});

export const adminTeamsListSchema = z.object({
  ok: z.literal(true),
  teams: z.array(z.object({ id: z.string(), name: z.string().optional() })),
  response_metadata: responseMetadata,
});

export const accessLogsSchema = z.object({
  ok: z.literal(true),
  logins: z.array(z.object({ user_id: z.string(), date_last: z.number(), date_first: z.number().optional() })),
  paging: z.object({ page: z.number().optional(), pages: z.number().optional() }).passthrough().optional(),
  response_metadata: responseMetadata,
});

// admin.analytics.getFile member files are streamed and checked line by line in client.ts (memberFile).

export const oauthRefreshSchema = z.object({
  ok: z.literal(true),
  access_token: z.string().optional(),
  refresh_token: z.string().optional(),
  expires_in: z.number().optional(),
  authed_user: z
    .object({ access_token: z.string().optional(), refresh_token: z.string().optional(), expires_in: z.number().optional() })
    .optional(),
});

export const scimUserSchema = z.object({
  id: z.string(),
  userName: z.string().optional(),
  active: z.boolean(),
});
export type ScimUser = z.infer<typeof scimUserSchema>;

export const scimListSchema = z.object({
  totalResults: z.number(),
  Resources: z.array(scimUserSchema),
});

export const SCIM_PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
