-- Running as one deployment of many replicas (issue 20).
--
-- Cluster-wide changes: each topic's epoch is bumped by triggers in the
-- same transaction as the change, whoever made it (a replica's API, a CLI
-- command), and announced on channel sesame_changes at commit. Replicas
-- LISTEN for the hint and poll the epochs as the fallback, so a dropped
-- listening connection delays a reload, never loses it.
CREATE TABLE cluster_epochs (
    topic TEXT PRIMARY KEY,
    epoch BIGINT NOT NULL DEFAULT 0
);
INSERT INTO cluster_epochs (topic) VALUES ('model'), ('policy'), ('partner');

CREATE FUNCTION sesame_bump_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = TG_ARGV[0];
    PERFORM pg_notify('sesame_changes', TG_ARGV[0]);
    RETURN NULL;
END
$$;
CREATE TRIGGER models_epoch AFTER INSERT OR UPDATE OR DELETE ON models
    FOR EACH STATEMENT EXECUTE FUNCTION sesame_bump_epoch('model');
CREATE TRIGGER model_challenger_epoch AFTER INSERT OR UPDATE OR DELETE ON model_challenger
    FOR EACH STATEMENT EXECUTE FUNCTION sesame_bump_epoch('model');
CREATE TRIGGER products_epoch AFTER INSERT OR UPDATE OR DELETE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION sesame_bump_epoch('policy');
CREATE TRIGGER partners_epoch AFTER INSERT OR UPDATE OR DELETE ON partners
    FOR EACH STATEMENT EXECUTE FUNCTION sesame_bump_epoch('partner');
CREATE TRIGGER partner_keys_epoch AFTER INSERT OR UPDATE OR DELETE ON partner_keys
    FOR EACH STATEMENT EXECUTE FUNCTION sesame_bump_epoch('partner');

-- Leases elect one replica for a deployment-wide duty.
CREATE TABLE cluster_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL -- Unix nanoseconds
);

-- The full rescore's schedule and its runs, each cut into ranges of people
-- that replicas claim (FOR UPDATE SKIP LOCKED), score once and mark done; a
-- claim not renewed in time is taken again.
CREATE TABLE rescore_schedule (
    name    TEXT PRIMARY KEY,
    next_at BIGINT NOT NULL
);
CREATE TABLE rescore_runs (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reason        TEXT   NOT NULL,
    model_version TEXT   NOT NULL,
    ledger_end    BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    finished_at   BIGINT
);
CREATE TABLE rescore_ranges (
    run         BIGINT  NOT NULL REFERENCES rescore_runs (id) ON DELETE CASCADE,
    n           INTEGER NOT NULL,
    after       TEXT    NOT NULL, -- exclusive; '' from the first person
    through     TEXT    NOT NULL, -- inclusive; '' to the last person
    holder      TEXT,
    claim_until BIGINT  NOT NULL DEFAULT 0,
    done_at     BIGINT,
    people      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run, n)
);
CREATE INDEX rescore_ranges_open ON rescore_ranges (run, n) WHERE done_at IS NULL;

-- People waiting to be rescored after their events, written by the ledger's
-- own insert (a statement trigger: one upsert per person a batch touches,
-- in person order so that concurrent batches never deadlock). gen grows
-- with every batch, so a rescore that read older events leaves the person
-- pending.
CREATE TABLE rescore_pending (
    person      TEXT PRIMARY KEY,
    gen         BIGINT NOT NULL DEFAULT 1,
    since       BIGINT NOT NULL,
    holder      TEXT,
    claim_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX rescore_pending_claim ON rescore_pending (claim_until);

CREATE FUNCTION sesame_pending_rescore() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rescore_pending (person, since)
    SELECT d.person, (extract(epoch FROM clock_timestamp()) * 1e9)::bigint
    FROM (SELECT DISTINCT person COLLATE "C" AS person FROM new_events) d ORDER BY d.person
    ON CONFLICT (person) DO UPDATE SET gen = rescore_pending.gen + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER events_pending AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION sesame_pending_rescore();
