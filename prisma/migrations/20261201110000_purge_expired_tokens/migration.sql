-- Erasure and the purge of expired tokens (docs/erasure.md).

-- CreateIndex
-- The purge job's scan: live rows by expiry. Erased rows (the tombstones) and rows without a ttl never enter
-- it, so the index stays the size of what is waiting to expire, however many tombstones accumulate.
CREATE INDEX "tokens_expires_at_idx" ON "tokens"("expires_at") WHERE "expires_at" IS NOT NULL AND "erased_at" IS NULL;

-- An erased row is a tombstone: it keeps its token key (so the token is never issued again), type, token and
-- erased_at, and holds no ciphertext, no fingerprint, no patient reference and no tags.
-- Checked per row, so no code path can erase half a row or bring a value back to an erased one.
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_erased_is_empty_check"
    CHECK ("erased_at" IS NULL OR ("ciphertext" IS NULL AND "fingerprint" IS NULL AND "patient_ref" IS NULL
                                  AND COALESCE(cardinality("tags"), 0) = 0));
