-- The audit log is append-only: rows of audit_events are never updated or deleted, and the table is never
-- truncated. The trigger holds for every role, superusers included; only `ALTER TABLE ... DISABLE TRIGGER`
-- (table owner or superuser) lifts it, which is what the hash chain and an exported head defend against.
CREATE FUNCTION "audit_refuse_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit records are never changed or removed; a review decision is recorded once in audit_reviews.';
END;
$$;

CREATE TRIGGER "audit_events_append_only"
    BEFORE UPDATE OR DELETE ON "audit_events"
    FOR EACH ROW EXECUTE FUNCTION "audit_refuse_change"();

CREATE TRIGGER "audit_events_no_truncate"
    BEFORE TRUNCATE ON "audit_events"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_refuse_change"();

-- Chain extension in one statement (one round trip per batch). The vault computes each event's canonical
-- encoding (chain.ts) without its seq, as the text before and after it; under the chain lock this function
-- reads the head, assigns the next seqs, and links every event exactly as chain.ts's chainHash does:
--   hash = SHA-256(prev_hash || UTF-8 of (canonical_before_seq || seq || canonical_after_seq)).
-- pg_advisory_xact_lock serializes every writer of every vault process until the caller's transaction ends;
-- the head is read by a later statement than the lock, so (READ COMMITTED) it sees the previous holder's
-- commit. The lock key is 0x7068692d61756469, "phi-audi" in ASCII (see audit.repository.ts).
CREATE FUNCTION "audit_append"("batch" jsonb) RETURNS TABLE ("seq" bigint, "prev_hash" bytea, "hash" bytea)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head_seq bigint;
    head_hash bytea;
    seqs bigint[] := '{}';
    prevs bytea[] := '{}';
    hashes bytea[] := '{}';
    item jsonb;
BEGIN
    PERFORM pg_advisory_xact_lock(8099839573455365225);
    SELECT e.seq, e.hash INTO head_seq, head_hash FROM audit_events e ORDER BY e.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        head_seq := 0;
        head_hash := decode(repeat('00', 32), 'hex');
    END IF;
    FOR item IN SELECT value FROM jsonb_array_elements("batch") WITH ORDINALITY ORDER BY ordinality LOOP
        head_seq := head_seq + 1;
        prevs := array_append(prevs, head_hash);
        head_hash := sha256(head_hash || convert_to((item->>'canonical_before_seq') || head_seq::text || (item->>'canonical_after_seq'), 'UTF8'));
        seqs := array_append(seqs, head_seq);
        hashes := array_append(hashes, head_hash);
    END LOOP;
    RETURN QUERY
    INSERT INTO audit_events AS e (seq, id, at, actor_sub, actor_roles, actor_client_id, action, purpose, justification,
                                   break_glass, tokens, token_keys, outcome, details, prev_hash, hash)
    SELECT c.seq, r.id, r.at, r.actor_sub, r.actor_roles, r.actor_client_id, r.action, r.purpose, r.justification,
           r.break_glass, r.tokens, r.token_keys, r.outcome, r.details, c.prev_hash, c.hash
    FROM jsonb_to_recordset("batch") AS r(n bigint, id uuid, at timestamptz, actor_sub text, actor_roles text[],
        actor_client_id text, action text, purpose text, justification text, break_glass boolean, tokens text[],
        token_keys text[], outcome text, details jsonb)
    JOIN unnest(seqs, prevs, hashes) WITH ORDINALITY AS c(seq, prev_hash, hash, n) ON c.n = r.n
    RETURNING e.seq, e.prev_hash, e.hash;
END;
$$;

-- The GIN index on token_keys is updated by every append inside the chain lock: without fastupdate its cost
-- is paid evenly, never as a pending-list flush stalling one batch (and every request waiting on it).
ALTER INDEX "audit_events_token_keys_idx" SET (fastupdate = off);

-- CreateTable
-- A compliance officer's decision on one event, recorded once. Not part of the hash chain (an event's hash
-- never changes), so it lives here, equally append-only. A break-glass event without a row is pending.
CREATE TABLE "audit_reviews" (
    "event_id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "reviewer" TEXT NOT NULL,
    "note" TEXT NOT NULL,
    "at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_reviews_pkey" PRIMARY KEY ("event_id"),
    CONSTRAINT "audit_reviews_status_check" CHECK ("status" IN ('approved', 'violation'))
);

-- AddForeignKey
ALTER TABLE "audit_reviews" ADD CONSTRAINT "audit_reviews_event_id_fkey"
    FOREIGN KEY ("event_id") REFERENCES "audit_events"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

CREATE TRIGGER "audit_reviews_append_only"
    BEFORE UPDATE OR DELETE ON "audit_reviews"
    FOR EACH ROW EXECUTE FUNCTION "audit_refuse_change"();

CREATE TRIGGER "audit_reviews_no_truncate"
    BEFORE TRUNCATE ON "audit_reviews"
    FOR EACH STATEMENT EXECUTE FUNCTION "audit_refuse_change"();

-- CreateIndex
-- The listing is newest first (seq descending) under equality filters: one (filter, seq) index each.
CREATE INDEX "audit_events_action_seq_idx" ON "audit_events"("action", "seq");

-- CreateIndex
CREATE INDEX "audit_events_purpose_seq_idx" ON "audit_events"("purpose", "seq");

-- CreateIndex
CREATE INDEX "audit_events_actor_sub_seq_idx" ON "audit_events"("actor_sub", "seq");

-- DropIndex
-- Superseded by audit_events_actor_sub_seq_idx, which serves the same lookups.
DROP INDEX "audit_events_actor_sub_idx";

-- CreateIndex
-- Break-glass events are few and are what reviewers work through (pending = break-glass without a review).
CREATE INDEX "audit_events_break_glass_seq_idx" ON "audit_events"("seq") WHERE "break_glass";

-- CreateIndex
CREATE INDEX "audit_reviews_status_idx" ON "audit_reviews"("status");
