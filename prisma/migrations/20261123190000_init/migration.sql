-- CreateTable
CREATE TABLE "wrapped_keys" (
    "purpose" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "wrapped" BYTEA NOT NULL,
    "kek_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" TIMESTAMPTZ(6),

    CONSTRAINT "wrapped_keys_pkey" PRIMARY KEY ("purpose","version"),
    CONSTRAINT "wrapped_keys_purpose_check" CHECK ("purpose" IN ('data', 'index')),
    CONSTRAINT "wrapped_keys_version_check" CHECK ("version" > 0)
);

-- CreateTable
CREATE TABLE "tokens" (
    "token_key" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "fingerprint" BYTEA,
    "ciphertext" BYTEA,
    "key_version" INTEGER NOT NULL,
    "patient_ref" TEXT,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(6),
    "erased_at" TIMESTAMPTZ(6),

    CONSTRAINT "tokens_pkey" PRIMARY KEY ("token_key")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "seq" BIGINT NOT NULL,
    "id" UUID NOT NULL,
    "at" TIMESTAMPTZ(6) NOT NULL,
    "actor_sub" TEXT NOT NULL,
    "actor_roles" TEXT[],
    "actor_client_id" TEXT,
    "action" TEXT NOT NULL,
    "purpose" TEXT,
    "justification" TEXT,
    "break_glass" BOOLEAN NOT NULL DEFAULT false,
    "tokens" TEXT[],
    "token_keys" TEXT[],
    "outcome" TEXT NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "prev_hash" BYTEA NOT NULL,
    "hash" BYTEA NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "tokens_fingerprint_key" ON "tokens"("fingerprint");

-- CreateIndex
CREATE INDEX "tokens_patient_ref_idx" ON "tokens"("patient_ref");

-- CreateIndex
CREATE INDEX "tokens_key_version_idx" ON "tokens"("key_version");

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_id_key" ON "audit_events"("id");

-- CreateIndex
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at");

-- CreateIndex
CREATE INDEX "audit_events_actor_sub_idx" ON "audit_events"("actor_sub");

-- CreateIndex
CREATE INDEX "audit_events_token_keys_idx" ON "audit_events" USING GIN ("token_keys");
