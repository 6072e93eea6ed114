-- Running as one deployment (issue 20). SQLite serves one process, but the
-- same code runs on it as on PostgreSQL, with one worker.
--
-- Cluster-wide changes: each topic's epoch is bumped by triggers in the
-- same transaction as the change, whoever made it (the API, a CLI command),
-- so a server comparing epochs never misses one.
CREATE TABLE cluster_epochs (
    topic TEXT PRIMARY KEY,
    epoch INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO cluster_epochs (topic) VALUES ('model'), ('policy'), ('partner');
CREATE TRIGGER models_epoch_insert AFTER INSERT ON models
BEGIN UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = 'model'; END;
CREATE TRIGGER models_epoch_update AFTER UPDATE ON models
BEGIN UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = 'model'; END;
CREATE TRIGGER models_epoch_delete AFTER DELETE ON models
BEGIN UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = 'model'; END;
CREATE TRIGGER model_challenger_epoch_insert AFTER INSERT ON model_challenger
BEGIN UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = 'model'; END;
CREATE TRIGGER model_challenger_epoch_update AFTER UPDATE ON model_challenger
BEGIN UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = 'model'; END;
CREATE TRIGGER model_challenger_epoch_delete AFTER DELETE ON model_challenger
BEGIN UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = 'model'; END;
CREATE TRIGGER products_epoch_insert AFTER INSERT ON products
BEGIN UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = 'policy'; END;
CREATE TRIGGER products_epoch_update AFTER UPDATE ON products
BEGIN UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = 'policy'; END;
CREATE TRIGGER products_epoch_delete AFTER DELETE ON products
BEGIN UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = 'policy'; END;
CREATE TRIGGER partners_epoch_insert AFTER INSERT ON partners
BEGIN UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = 'partner'; END;
CREATE TRIGGER partners_epoch_update AFTER UPDATE ON partners
BEGIN UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = 'partner'; END;
CREATE TRIGGER partners_epoch_delete AFTER DELETE ON partners
BEGIN UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = 'partner'; END;
CREATE TRIGGER partner_keys_epoch_insert AFTER INSERT ON partner_keys
BEGIN UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = 'partner'; END;
CREATE TRIGGER partner_keys_epoch_update AFTER UPDATE ON partner_keys
BEGIN UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = 'partner'; END;
CREATE TRIGGER partner_keys_epoch_delete AFTER DELETE ON partner_keys
BEGIN UPDATE cluster_epochs SET epoch = epoch + 1 WHERE topic = 'partner'; END;

-- Leases elect one server for a deployment-wide duty.
CREATE TABLE cluster_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL -- Unix nanoseconds
) WITHOUT ROWID;

-- The full rescore's schedule and its runs, each cut into ranges of people
-- that servers claim, score once and mark done; a claim not renewed in time
-- is taken again.
CREATE TABLE rescore_schedule (
    name    TEXT PRIMARY KEY,
    next_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE rescore_runs (
    id            INTEGER PRIMARY KEY,
    reason        TEXT    NOT NULL,
    model_version TEXT    NOT NULL,
    ledger_end    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    finished_at   INTEGER
);
CREATE TABLE rescore_ranges (
    run         INTEGER NOT NULL REFERENCES rescore_runs (id) ON DELETE CASCADE,
    n           INTEGER NOT NULL,
    after       TEXT    NOT NULL, -- exclusive; '' from the first person
    through     TEXT    NOT NULL, -- inclusive; '' to the last person
    holder      TEXT,
    claim_until INTEGER NOT NULL DEFAULT 0,
    done_at     INTEGER,
    people      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run, n)
) WITHOUT ROWID;
CREATE INDEX rescore_ranges_open ON rescore_ranges (run, n) WHERE done_at IS NULL;
