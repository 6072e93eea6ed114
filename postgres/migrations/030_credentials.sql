-- Credentials and disputes: the signing keys, every credential issued (for
-- listing, showing again and revocation), and the disputes people raise about
-- their events; the same contract as sqlite's migrations 030–031. Private
-- keys are stored sealed (AES-256-GCM under a key encryption key kept outside
-- the database), never in the clear. Times are Unix nanoseconds.
CREATE TABLE credential_keys (
    kid        TEXT PRIMARY KEY,
    created    BIGINT NOT NULL,
    retired_at BIGINT,         -- NULL while the key signs new credentials
    public     BYTEA  NOT NULL, -- Ed25519 public key, 32 bytes
    sealed     BYTEA  NOT NULL  -- nonce || AES-GCM(seed), additional data = kid
);

CREATE TABLE credentials (
    id         TEXT PRIMARY KEY, -- the jti claim
    person     TEXT    NOT NULL,
    kind       TEXT    NOT NULL, -- band_at_least | score
    band       TEXT    NOT NULL,
    score      INTEGER NOT NULL, -- 0 for band_at_least
    as_of      TEXT    NOT NULL, -- YYYY-MM-DD
    kid        TEXT    NOT NULL REFERENCES credential_keys (kid),
    issued_at  BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    revoked_at BIGINT,
    token      TEXT    NOT NULL
);
CREATE INDEX credentials_person ON credentials (person, issued_at);

-- The ledger stays append-only: a dispute is recorded beside the event,
-- never on it, keyed by the event's source and id.
CREATE TABLE event_disputes (
    source     TEXT   NOT NULL,
    id         TEXT   NOT NULL,
    person     TEXT   NOT NULL,
    reason     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    status     TEXT   NOT NULL DEFAULT 'open',
    PRIMARY KEY (source, id)
);
CREATE INDEX event_disputes_person ON event_disputes (person);
