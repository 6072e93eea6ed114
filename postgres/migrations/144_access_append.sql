-- access_append appends a group of entries to one partition of the access
-- log in one call (postgres/access.go): under the partition's advisory
-- lock (a row of its own, updated by every append, would be one page that
-- every partition's appends dirty and bloat) it
-- draws each entry's seq, finds the person's previous entry, hashes the
-- entry as package audit does (version 3: audit.hashFields, each field
-- length-prefixed by 8 big-endian bytes, numbers in decimal), inserts it
-- after the partition's last entry. Done here, an append is one round trip
-- and one commit; the verifier recomputes every hash in Go.
CREATE FUNCTION access_append(p_part integer, p_at bigint[], p_person text[], p_actor text[], p_action text[],
        p_scope text[], p_purpose text[], p_consent text[], p_outcome text[], p_reason text[])
    RETURNS TABLE (seq bigint, person_prev bigint, chain_prev bigint, prev_hash text, hash text)
    LANGUAGE plpgsql AS $$
DECLARE
    h_seq  bigint;
    h_hash text;
    s      bigint;
    pp     bigint;
    hx     text;
    buf    bytea;
    b      bytea;
    f      text;
BEGIN
    -- Held shared until commit: the tree's extension waits for it before
    -- it fills a missing seq (access.go, accessAppendLock).
    PERFORM pg_advisory_xact_lock_shared(103742486269158);
    IF p_part < 1 OR p_part > 16 THEN
        RAISE EXCEPTION 'access log: no partition %', p_part;
    END IF;
    -- The partition's lock, and its last entry: its head.
    PERFORM pg_advisory_xact_lock(103742486269158 + p_part);
    SELECT l.seq, l.hash INTO h_seq, h_hash FROM access_log l WHERE l.part = p_part ORDER BY l.part DESC, l.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        h_seq := 0;
        h_hash := '';
    END IF;
    FOR i IN 1 .. coalesce(array_length(p_person, 1), 0) LOOP
        s := nextval('access_seq');
        SELECT coalesce(max(l.seq), 0) INTO pp FROM access_log l WHERE l.person = p_person[i];
        buf := '\x'::bytea;
        FOREACH f IN ARRAY ARRAY['sesame.access.v3', h_hash, s::text, p_at[i]::text, p_person[i], p_actor[i], p_action[i],
                p_scope[i], p_purpose[i], p_consent[i], p_outcome[i], p_reason[i], pp::text, p_part::text, h_seq::text] LOOP
            b := convert_to(f, 'UTF8');
            buf := buf || int8send(length(b)::bigint) || b;
        END LOOP;
        hx := encode(sha256(buf), 'hex');
        INSERT INTO access_log (seq, at, person, actor, action, scope, purpose, consent, outcome, reason,
                person_prev, prev_hash, hash, part, chain_prev)
            VALUES (s, p_at[i], p_person[i], p_actor[i], p_action[i], p_scope[i], p_purpose[i], p_consent[i],
                p_outcome[i], p_reason[i], pp, h_hash, hx, p_part, h_seq);
        seq := s; person_prev := pp; chain_prev := h_seq; prev_hash := h_hash; hash := hx;
        RETURN NEXT;
        h_seq := s;
        h_hash := hx;
    END LOOP;
END $$;
