-- access_append_parts appends a group of entries spanning several
-- partitions of the access log in one call and so in one transaction
-- (postgres/access.go, group commit across partitions): the entries come
-- sorted by partition, each partition's run is appended by access_append
-- (migration 144), and the partitions' locks are taken in ascending order,
-- so that two groups (of this replica or another) never wait for each
-- other in a cycle. One commit then covers every entry of the group.
CREATE FUNCTION access_append_parts(p_part integer[], p_at bigint[], p_person text[], p_actor text[], p_action text[],
        p_scope text[], p_purpose text[], p_consent text[], p_outcome text[], p_reason text[])
    RETURNS TABLE (seq bigint, person_prev bigint, chain_prev bigint, prev_hash text, hash text)
    LANGUAGE plpgsql AS $$
DECLARE
    n  integer := coalesce(array_length(p_part, 1), 0);
    lo integer := 1;
    hi integer;
BEGIN
    WHILE lo <= n LOOP
        hi := lo;
        WHILE hi < n AND p_part[hi + 1] = p_part[lo] LOOP
            hi := hi + 1;
        END LOOP;
        IF hi < n AND p_part[hi + 1] < p_part[lo] THEN
            RAISE EXCEPTION 'access log: partitions out of order (% after %)', p_part[hi + 1], p_part[lo];
        END IF;
        RETURN QUERY SELECT * FROM access_append(p_part[lo], p_at[lo:hi], p_person[lo:hi], p_actor[lo:hi], p_action[lo:hi],
            p_scope[lo:hi], p_purpose[lo:hi], p_consent[lo:hi], p_outcome[lo:hi], p_reason[lo:hi]);
        lo := hi + 1;
    END LOOP;
END $$;
