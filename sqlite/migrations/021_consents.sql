-- Consents people give partners, and partners' requests for them.
CREATE TABLE consents (
    id         TEXT PRIMARY KEY,
    person     TEXT    NOT NULL,
    partner    TEXT    NOT NULL,
    purpose    TEXT    NOT NULL,
    scope      TEXT    NOT NULL,
    granted_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    request    TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX consents_person_partner ON consents (person, partner);

CREATE TABLE consent_requests (
    id           TEXT PRIMARY KEY,
    partner      TEXT    NOT NULL,
    person       TEXT    NOT NULL DEFAULT '',
    purpose      TEXT    NOT NULL,
    scope        TEXT    NOT NULL,
    duration_ns  INTEGER NOT NULL,
    redirect_uri TEXT    NOT NULL,
    state        TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    answered_at  INTEGER,
    answered_by  TEXT    NOT NULL DEFAULT '',
    consent      TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX consent_requests_person ON consent_requests (person, status);
