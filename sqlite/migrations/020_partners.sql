-- Partners and their API keys; people's login links and sessions. Secrets
-- are never stored: keys, login tokens and session tokens as SHA-256 only.
CREATE TABLE partners (
    id            TEXT PRIMARY KEY,
    name          TEXT    NOT NULL,
    redirect_uris TEXT    NOT NULL DEFAULT '[]', -- JSON array, exact-match allow list
    rate          REAL    NOT NULL DEFAULT 0,    -- requests per second, 0 = default
    burst         INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,              -- Unix nanoseconds
    disabled_at   INTEGER
) WITHOUT ROWID;

CREATE TABLE partner_keys (
    id         TEXT PRIMARY KEY, -- public prefix of the key
    partner    TEXT    NOT NULL REFERENCES partners (id),
    hash       BLOB    NOT NULL, -- SHA-256 of the whole key
    created_at INTEGER NOT NULL,
    expires_at INTEGER,          -- set when rotated out with a grace period
    revoked_at INTEGER
) WITHOUT ROWID;
CREATE INDEX partner_keys_partner ON partner_keys (partner);

CREATE TABLE login_links (
    hash       BLOB PRIMARY KEY, -- SHA-256 of the one-time token
    person     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) WITHOUT ROWID;

CREATE TABLE person_sessions (
    hash       BLOB PRIMARY KEY, -- SHA-256 of the session token
    person     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    demo       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX person_sessions_person ON person_sessions (person);
