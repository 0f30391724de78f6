-- Masking policies (issue 6): named, versioned de-identification policies. A PUT adds a version; versions are
-- never changed. DELETE marks every version of a name deleted (deleted_at) instead of removing it, so version
-- numbers are never reused and an audit event naming "policy v3" keeps meaning one document.

-- CreateTable
CREATE TABLE "masking_policies" (
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "document" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT NOT NULL,
    "deleted_at" TIMESTAMPTZ(6),

    CONSTRAINT "masking_policies_pkey" PRIMARY KEY ("name","version"),
    CONSTRAINT "masking_policies_version_check" CHECK ("version" > 0),
    CONSTRAINT "masking_policies_name_check" CHECK ("name" ~ '^[a-z0-9][a-z0-9._-]{0,47}$')
);
