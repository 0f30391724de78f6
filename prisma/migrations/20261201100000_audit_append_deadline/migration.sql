-- Fail closed with a deadline (issue 4). audit_append(batch) waits for the chain lock without bound, so one
-- transaction holding the lock (a stuck vault process, an operator's session) would hold every request of every
-- instance. The vault now calls this form, which waits at most lock_wait_ms (milliseconds) for the lock; then the
-- statement fails with lock_not_available (55P03), nothing of the batch is written, and its callers answer 503.
--
-- The SET clause confines the timeout to this call: PostgreSQL restores the caller's lock_timeout when the
-- function returns, also inside a caller's transaction (tokenize and key rotation append within their own).
-- The one-argument form stays as it was (migration 20261123200000) and is what this one runs under the timeout.
CREATE FUNCTION "audit_append"("batch" jsonb, "lock_wait_ms" integer) RETURNS TABLE ("seq" bigint, "prev_hash" bytea, "hash" bytea)
LANGUAGE plpgsql VOLATILE
SET lock_timeout = '5s'
AS $$
BEGIN
    IF "lock_wait_ms" IS NULL OR "lock_wait_ms" < 1 THEN
        RAISE EXCEPTION 'audit_append: lock_wait_ms must be a positive number of milliseconds'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('lock_timeout', "lock_wait_ms"::text, true);
    RETURN QUERY SELECT a."seq", a."prev_hash", a."hash" FROM "audit_append"("batch") AS a;
END;
$$;
