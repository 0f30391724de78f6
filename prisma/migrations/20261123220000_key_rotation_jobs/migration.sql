-- Key rotation (see src/crypto/README.md, "Rotation invariants").

-- AlterTable
-- A data-key version becomes current for writes at activates_at, a few seconds after it is stored, so every
-- running instance has loaded it (and can read what it encrypts) before any instance writes with it.
-- Existing keys are active at once.
ALTER TABLE "wrapped_keys" ADD COLUMN "activates_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateTable
-- Background jobs (re-encryption). State lives here, so a job survives the instance that started it: any
-- instance continues every running job. done/total count rows; a finished job has done = total.
-- error holds a code naming what went wrong, never data.
CREATE TABLE "jobs" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "target_version" INTEGER,
    "done" BIGINT NOT NULL DEFAULT 0,
    "total" BIGINT NOT NULL DEFAULT 0,
    "error" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(6),

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "jobs_state_check" CHECK ("state" IN ('running', 'done', 'failed')),
    CONSTRAINT "jobs_progress_check" CHECK ("done" >= 0 AND "total" >= 0)
);

-- CreateIndex
CREATE INDEX "jobs_state_idx" ON "jobs"("state");

-- CreateIndex
-- At most one running job of a kind per target version, whichever instance was asked to start it.
CREATE UNIQUE INDEX "jobs_kind_target_version_running_key" ON "jobs"("kind", "target_version") WHERE "state" = 'running';

-- Two invariants of stored ciphertexts, checked once per statement:
-- 1. key_version is the version named in the ciphertext's header (bytes 1-4, big-endian): the re-encryption job
--    selects rows and retirement counts them by this column, so a row must never misstate its key.
-- 2. No ciphertext is under a retired data-key version: retired keys are no longer loaded, so such a row could
--    never be read again. The re-encryption job retires a version only after counting zero rows on it under a
--    SHARE lock on tokens (no write in flight); this refuses any later write that still uses it (an instance
--    that missed the rotation), so the invariant holds whatever a client does.
CREATE FUNCTION "tokens_check_key_version"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM "changed_rows" AS c
        WHERE length(c."ciphertext") >= 5
          AND (get_byte(c."ciphertext", 1)::bigint << 24) + (get_byte(c."ciphertext", 2) << 16)
              + (get_byte(c."ciphertext", 3) << 8) + get_byte(c."ciphertext", 4) <> c."key_version"
    ) THEN
        RAISE EXCEPTION 'a row''s key_version must be the version named in its ciphertext'
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (
        SELECT 1
        FROM "changed_rows" AS c
        JOIN "wrapped_keys" AS w ON w."purpose" = 'data' AND w."version" = c."key_version"
        WHERE c."ciphertext" IS NOT NULL AND w."retired_at" IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'a ciphertext under a retired data-key version is refused'
            USING ERRCODE = 'check_violation',
                  HINT = 'The writing instance has not loaded the current data key yet; it refreshes its keys every second.';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER "tokens_key_version_on_insert"
    AFTER INSERT ON "tokens"
    REFERENCING NEW TABLE AS "changed_rows"
    FOR EACH STATEMENT EXECUTE FUNCTION "tokens_check_key_version"();

CREATE TRIGGER "tokens_key_version_on_update"
    AFTER UPDATE ON "tokens"
    REFERENCING NEW TABLE AS "changed_rows"
    FOR EACH STATEMENT EXECUTE FUNCTION "tokens_check_key_version"();
