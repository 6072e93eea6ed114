-- access_append_parts appends a group of entries spanning one or several
-- partitions of the access log in one call, and so in one transaction
-- (postgres/access.go, group commit across partitions). The entries come
-- sorted by partition, each partition's in the order they came; the
-- partitions' locks are taken in ascending order, so that two groups (of
-- this replica or another) never wait for each other in a cycle, and one
-- commit then covers every entry of the group. Each entry is sealed as
-- access_append (migration 144) seals it, but the seqs, the people's
-- previous entries and the rows go in one statement each rather than one
-- a row: a statement a row cost the database more than the rows.
CREATE FUNCTION access_append_parts(p_part integer[], p_at bigint[], p_person text[], p_actor text[], p_action text[],
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
    hx     text;
    buf    bytea;
    b      bytea;
    f      text;
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
        IF prevs[i] IS NULL THEN
            pp := lasts[i];
        ELSE
            pp := seqs[prevs[i]];
        END IF;
        buf := '\x'::bytea;
        FOREACH f IN ARRAY ARRAY['sesame.access.v3', h_hash, seqs[i]::text, p_at[i]::text, p_person[i], p_actor[i], p_action[i],
                p_scope[i], p_purpose[i], p_consent[i], p_outcome[i], p_reason[i], pp::text, cur::text, h_seq::text] LOOP
            b := convert_to(f, 'UTF8');
            buf := buf || int8send(length(b)::bigint) || b;
        END LOOP;
        hx := encode(sha256(buf), 'hex');
        pps[i] := pp;
        cps[i] := h_seq;
        phs[i] := h_hash;
        hs[i] := hx;
        h_seq := seqs[i];
        h_hash := hx;
    END LOOP;
    INSERT INTO access_log (seq, at, person, actor, action, scope, purpose, consent, outcome, reason,
            person_prev, prev_hash, hash, part, chain_prev)
        SELECT * FROM unnest(seqs, p_at, p_person, p_actor, p_action, p_scope, p_purpose, p_consent, p_outcome, p_reason,
            pps, phs, hs, p_part, cps);
    RETURN QUERY SELECT * FROM unnest(seqs, pps, cps, phs, hs);
END $$;
