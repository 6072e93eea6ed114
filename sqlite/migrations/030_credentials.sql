-- Credentials: the signing keys and every credential issued, for listing,
-- showing again and revocation. Private keys are stored sealed (AES-256-GCM
-- under a key encryption key kept outside the database), never in the clear.
CREATE TABLE credential_keys (
    kid        TEXT PRIMARY KEY,
    created    INTEGER NOT NULL, -- Unix nanoseconds
    retired_at INTEGER,          -- NULL while the key signs new credentials
    public     BLOB    NOT NULL, -- Ed25519 public key, 32 bytes
    sealed     BLOB    NOT NULL  -- nonce || AES-GCM(seed), additional data = kid
) WITHOUT ROWID;

CREATE TABLE credentials (
    id         TEXT PRIMARY KEY, -- the jti claim
    person     TEXT    NOT NULL,
    kind       TEXT    NOT NULL, -- band_at_least | score
    band       TEXT    NOT NULL,
    score      INTEGER NOT NULL, -- 0 for band_at_least
    as_of      TEXT    NOT NULL, -- YYYY-MM-DD
    kid        TEXT    NOT NULL REFERENCES credential_keys (kid),
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    token      TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX credentials_person ON credentials (person, issued_at);
