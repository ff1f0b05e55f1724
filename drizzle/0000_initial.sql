CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text,
	"profile_id" uuid,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"profile_id" uuid NOT NULL,
	"base_url" text NOT NULL,
	"auth_kind" text NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secrets_encrypted" text,
	"key_id" text,
	"token_expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connections_profile_id_unique" UNIQUE("profile_id")
);
--> statement-breakpoint
CREATE TABLE "consumption_snapshots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"profile_id" uuid NOT NULL,
	"license_type" text NOT NULL,
	"license_name" text NOT NULL,
	"kind" text NOT NULL,
	"used" integer NOT NULL,
	"total" integer NOT NULL,
	"status" text,
	"taken_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "entitlements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"model_id" uuid NOT NULL,
	"quantity" integer NOT NULL,
	"unit_cost" numeric(12, 2) NOT NULL,
	"currency" text DEFAULT 'USD' NOT NULL,
	"period" text NOT NULL,
	"start_date" date,
	"renewal_date" date,
	"notes" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "entitlements_period_check" CHECK ("period" IN ('monthly', 'annual')),
	CONSTRAINT "entitlements_quantity_check" CHECK (quantity >= 0)
);
--> statement-breakpoint
CREATE TABLE "exclusion_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"profile_id" uuid,
	"kind" text NOT NULL,
	"vendor_user_id" text,
	"email_pattern" text,
	"license_type" text,
	"reason" text NOT NULL,
	"expires_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "exclusion_rules_kind_check" CHECK ("kind" IN ('user', 'identifier'))
);
--> statement-breakpoint
CREATE TABLE "integration_profiles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"vendor" text NOT NULL,
	"display_name" text NOT NULL,
	"display_name_key" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"validated_at" timestamp with time zone,
	"validation_report" jsonb,
	"published_at" timestamp with time zone,
	"download_activity" boolean DEFAULT true NOT NULL,
	"analyze_from" timestamp with time zone,
	"reclaim" boolean DEFAULT true NOT NULL,
	"download_consumption" boolean DEFAULT false NOT NULL,
	"default_inactivity_days" integer DEFAULT 60 NOT NULL,
	"max_reclaim_share" real DEFAULT 0.2 NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"integration_user_id" text,
	"last_sync_at" timestamp with time zone,
	"last_sync_status" text,
	"created_by" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "integration_profiles_display_name_key_unique" UNIQUE("display_name_key"),
	CONSTRAINT "integration_profiles_vendor_check" CHECK ("vendor" IN ('slack_grid', 'salesforce', 'zendesk', 'custom')),
	CONSTRAINT "integration_profiles_status_check" CHECK ("status" IN ('draft', 'published')),
	CONSTRAINT "integration_profiles_max_reclaim_share_check" CHECK (max_reclaim_share >= 0 AND max_reclaim_share <= 1)
);
--> statement-breakpoint
CREATE TABLE "job_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"profile_id" uuid,
	"job_name" text NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" text,
	"triggered_by" text,
	CONSTRAINT "job_runs_status_check" CHECK ("status" IN ('running', 'succeeded', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "reclamation_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"profile_id" uuid NOT NULL,
	"model_id" uuid,
	"name" text NOT NULL,
	"inactivity_days" integer NOT NULL,
	"notify_user" boolean DEFAULT false NOT NULL,
	"grace_days" integer DEFAULT 7 NOT NULL,
	"auto_approve" boolean DEFAULT false NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reclamation_rules_days_check" CHECK (inactivity_days > 0 AND grace_days >= 0)
);
--> statement-breakpoint
CREATE TABLE "removal_candidates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"profile_id" uuid NOT NULL,
	"subscription_id" uuid NOT NULL,
	"model_id" uuid,
	"rule_id" uuid,
	"state" text NOT NULL,
	"reason" text NOT NULL,
	"last_activity_at" timestamp with time zone,
	"inactive_days" integer,
	"notified_at" timestamp with time zone,
	"grace_until" timestamp with time zone,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"reclaim_attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"last_error" text,
	"reclaimed_at" timestamp with time zone,
	"restored_at" timestamp with time zone,
	"restore_data" jsonb,
	"slack_channel" text,
	"slack_ts" text,
	"dm_channel" text,
	"dm_ts" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "removal_candidates_state_check" CHECK ("state" IN ('pending', 'awaiting_user', 'kept', 'released', 'approved', 'excluded', 'reclaiming', 'reclaimed', 'failed', 'restored'))
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "software_models" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"profile_id" uuid NOT NULL,
	"license_type" text NOT NULL,
	"name" text NOT NULL,
	"is_free" boolean DEFAULT false NOT NULL,
	"unit_cost" numeric(12, 2),
	"currency" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "software_models_profile_license_unique" UNIQUE("profile_id","license_type")
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"profile_id" uuid NOT NULL,
	"model_id" uuid,
	"vendor_user_id" text NOT NULL,
	"email" text,
	"name" text,
	"license_type" text NOT NULL,
	"active" boolean NOT NULL,
	"flags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"restore_data" jsonb,
	"status" text DEFAULT 'active' NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_activity_at" timestamp with time zone,
	"removed_at" timestamp with time zone,
	CONSTRAINT "subscriptions_profile_vendor_user_unique" UNIQUE("profile_id","vendor_user_id"),
	CONSTRAINT "subscriptions_status_check" CHECK ("status" IN ('active', 'removed', 'reclaimed'))
);
--> statement-breakpoint
CREATE TABLE "unrecognized_identifiers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"profile_id" uuid NOT NULL,
	"identifier" text NOT NULL,
	"seat_count" integer DEFAULT 0 NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "unrecognized_identifiers_profile_identifier_unique" UNIQUE("profile_id","identifier")
);
--> statement-breakpoint
ALTER TABLE "connections" ADD CONSTRAINT "connections_profile_id_integration_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "integration_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consumption_snapshots" ADD CONSTRAINT "consumption_snapshots_profile_id_integration_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "integration_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "entitlements" ADD CONSTRAINT "entitlements_model_id_software_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "software_models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exclusion_rules" ADD CONSTRAINT "exclusion_rules_profile_id_integration_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "integration_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_runs" ADD CONSTRAINT "job_runs_profile_id_integration_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "integration_profiles"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reclamation_rules" ADD CONSTRAINT "reclamation_rules_profile_id_integration_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "integration_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reclamation_rules" ADD CONSTRAINT "reclamation_rules_model_id_software_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "software_models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "removal_candidates" ADD CONSTRAINT "removal_candidates_profile_id_integration_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "integration_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "removal_candidates" ADD CONSTRAINT "removal_candidates_subscription_id_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "subscriptions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "removal_candidates" ADD CONSTRAINT "removal_candidates_model_id_software_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "software_models"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "removal_candidates" ADD CONSTRAINT "removal_candidates_rule_id_reclamation_rules_id_fk" FOREIGN KEY ("rule_id") REFERENCES "reclamation_rules"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "software_models" ADD CONSTRAINT "software_models_profile_id_integration_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "integration_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_profile_id_integration_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "integration_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_model_id_software_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "software_models"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unrecognized_identifiers" ADD CONSTRAINT "unrecognized_identifiers_profile_id_integration_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "integration_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_profile_at_idx" ON "audit_log" USING btree ("profile_id","at");--> statement-breakpoint
CREATE INDEX "consumption_snapshots_profile_type_taken_idx" ON "consumption_snapshots" USING btree ("profile_id","kind","license_type","taken_at");--> statement-breakpoint
CREATE INDEX "entitlements_model_idx" ON "entitlements" USING btree ("model_id");--> statement-breakpoint
CREATE INDEX "exclusion_rules_profile_idx" ON "exclusion_rules" USING btree ("profile_id");--> statement-breakpoint
CREATE INDEX "job_runs_profile_started_idx" ON "job_runs" USING btree ("profile_id","started_at");--> statement-breakpoint
CREATE INDEX "reclamation_rules_profile_idx" ON "reclamation_rules" USING btree ("profile_id");--> statement-breakpoint
CREATE UNIQUE INDEX "removal_candidates_one_open_per_seat" ON "removal_candidates" USING btree ("subscription_id") WHERE state IN ('pending', 'awaiting_user', 'released', 'approved', 'reclaiming', 'failed');--> statement-breakpoint
CREATE INDEX "removal_candidates_profile_state_idx" ON "removal_candidates" USING btree ("profile_id","state");--> statement-breakpoint
CREATE INDEX "removal_candidates_state_next_attempt_idx" ON "removal_candidates" USING btree ("state","next_attempt_at");--> statement-breakpoint
CREATE INDEX "subscriptions_profile_status_idx" ON "subscriptions" USING btree ("profile_id","status");