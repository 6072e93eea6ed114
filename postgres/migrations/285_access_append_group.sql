-- access_append_group appends a group of entries spanning one or several
-- partitions as access_append_parts (migration 220) does, and seals them
-- alike (version 3, package audit's hashFields), but hashes an entry in one
-- expression (access_field) where access_append_parts ran a statement a
-- field: at 30 entries a group that loop was most of the function's time.
-- postgres/access.go calls it in a transaction committed asynchronously,
-- followed in the same round trip by one that flushes the WAL.
-- Stable as convert_to is, so that it is inlined: a function call a field
-- would cost what the loop did.
CREATE FUNCTION access_field(t text) RETURNS bytea
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    AS $$ SELECT int8send(octet_length(convert_to(t, 'UTF8'))::bigint) || convert_to(t, 'UTF8') $$;

CREATE FUNCTION access_append_group(p_part integer[], p_at bigint[], p_person text[], p_actor text[], p_action text[],
        p_scope text[], p_purpose text[], p_consent text[], p_outcome text[], p_reason text[])
    RETURNS TABLE (seq bigint, person_prev bigint, chain_prev bigint, prev_hash text, hash text)
    LANGUAGE plpgsql AS $$
DECLARE
    n      integer := coalesce(array_length(p_part, 1), 0);
    q      integer;
    cur    integer := 0;
    h_seq  bigint;
    h_hash text;
    seqs   bigint[];
    prevs  bigint[]; -- the index in the group of the person's previous entry
    lasts  bigint[]; -- the person's last entry in the log
    pps    bigint[];
    cps    bigint[];
    phs    text[];
    hs     text[];
    pp     bigint;
BEGIN
    IF n = 0 THEN
        RETURN;
    END IF;
    -- Held shared until commit: the tree's extension waits for it before
    -- it fills a missing seq (access.go, accessAppendLock).
    PERFORM pg_advisory_xact_lock_shared(103742486269158);
    IF EXISTS (SELECT 1 FROM unnest(p_part) WITH ORDINALITY AS a(pt, ix)
            WHERE pt IS NULL OR pt < 1 OR pt > 16 OR (ix > 1 AND pt < p_part[ix - 1])) THEN
        RAISE EXCEPTION 'access log: partitions out of range or out of order: %', p_part;
    END IF;
    -- The partitions' locks in ascending order: groups never wait for each
    -- other in a cycle.
    FOR q IN SELECT DISTINCT pt FROM unnest(p_part) AS pt ORDER BY pt LOOP
        PERFORM pg_advisory_xact_lock(103742486269158 + q);
    END LOOP;
    SELECT array_agg(s ORDER BY s) INTO seqs FROM (SELECT nextval('access_seq') AS s FROM generate_series(1, n)) AS d;
    SELECT array_agg(x.prev ORDER BY x.ix), array_agg(x.last ORDER BY x.ix) INTO prevs, lasts
        FROM (SELECT a.ix, lag(a.ix) OVER (PARTITION BY a.pn ORDER BY a.ix) AS prev,
                (SELECT coalesce(max(l.seq), 0) FROM access_log l WHERE l.person = a.pn) AS last
            FROM unnest(p_person) WITH ORDINALITY AS a(pn, ix)) AS x;
    pps := array_fill(0::bigint, ARRAY[n]);
    cps := array_fill(0::bigint, ARRAY[n]);
    phs := array_fill(''::text, ARRAY[n]);
    hs := array_fill(''::text, ARRAY[n]);
    FOR i IN 1 .. n LOOP
        IF p_part[i] <> cur THEN
            -- The partition's last entry: its head.
            cur := p_part[i];
            SELECT l.seq, l.hash INTO h_seq, h_hash FROM access_log l WHERE l.part = cur ORDER BY l.part DESC, l.seq DESC LIMIT 1;
            IF NOT FOUND THEN
                h_seq := 0;
                h_hash := '';
            END IF;
        END IF;
        pp := coalesce(seqs[prevs[i]], lasts[i]);
        pps[i] := pp;
        cps[i] := h_seq;
        phs[i] := h_hash;
        h_hash := encode(sha256(access_field('sesame.access.v3') || access_field(h_hash) || access_field(seqs[i]::text)
            || access_field(p_at[i]::text) || access_field(p_person[i]) || access_field(p_actor[i]) || access_field(p_action[i])
            || access_field(p_scope[i]) || access_field(p_purpose[i]) || access_field(p_consent[i]) || access_field(p_outcome[i])
            || access_field(p_reason[i]) || access_field(pp::text) || access_field(cur::text) || access_field(h_seq::text)), 'hex');
        hs[i] := h_hash;
        h_seq := seqs[i];
    END LOOP;
    INSERT INTO access_log (seq, at, person, actor, action, scope, purpose, consent, outcome, reason,
            person_prev, prev_hash, hash, part, chain_prev)
        SELECT * FROM unnest(seqs, p_at, p_person, p_actor, p_action, p_scope, p_purpose, p_consent, p_outcome, p_reason,
            pps, phs, hs, p_part, cps);
    RETURN QUERY SELECT * FROM unnest(seqs, pps, cps, phs, hs);
END $$;
