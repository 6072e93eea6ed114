-- Partners and keys, people's login links and sessions, consents and
-- requests, the access log (one hash chain), policy versions, products and
-- decisions: the same contract as sqlite's migrations 020–023. Secrets are
-- stored as SHA-256 only; times are Unix nanoseconds.
CREATE TABLE partners (
    id            TEXT PRIMARY KEY,
    name          TEXT             NOT NULL,
    redirect_uris TEXT             NOT NULL DEFAULT '[]',
    rate          DOUBLE PRECISION NOT NULL DEFAULT 0,
    burst         INTEGER          NOT NULL DEFAULT 0,
    created_at    BIGINT           NOT NULL,
    disabled_at   BIGINT
);
CREATE TABLE partner_keys (
    id         TEXT PRIMARY KEY,
    partner    TEXT   NOT NULL REFERENCES partners (id),
    hash       BYTEA  NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX partner_keys_partner ON partner_keys (partner);
CREATE TABLE login_links (
    hash       BYTEA PRIMARY KEY,
    person     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE TABLE person_sessions (
    hash       BYTEA PRIMARY KEY,
    person     TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    revoked_at BIGINT,
    demo       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX person_sessions_person ON person_sessions (person);
CREATE TABLE consents (
    id         TEXT PRIMARY KEY,
    person     TEXT   NOT NULL,
    partner    TEXT   NOT NULL,
    purpose    TEXT   NOT NULL,
    scope      TEXT   NOT NULL,
    granted_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    request    TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX consents_person_partner ON consents (person, partner);
CREATE TABLE consent_requests (
    id           TEXT PRIMARY KEY,
    partner      TEXT   NOT NULL,
    person       TEXT   NOT NULL DEFAULT '',
    purpose      TEXT   NOT NULL,
    scope        TEXT   NOT NULL,
    duration_ns  BIGINT NOT NULL,
    redirect_uri TEXT   NOT NULL,
    state        TEXT   NOT NULL DEFAULT '',
    status       TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    answered_at  BIGINT,
    answered_by  TEXT   NOT NULL DEFAULT '',
    consent      TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX consent_requests_person ON consent_requests (person, status);
CREATE TABLE access_log (
    seq       BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    person    TEXT   NOT NULL,
    actor     TEXT   NOT NULL,
    action    TEXT   NOT NULL,
    scope     TEXT   NOT NULL,
    purpose   TEXT   NOT NULL,
    consent   TEXT   NOT NULL,
    outcome   TEXT   NOT NULL,
    reason    TEXT   NOT NULL,
    prev_hash TEXT   NOT NULL,
    hash      TEXT   NOT NULL
);
CREATE INDEX access_log_person ON access_log (person, seq);
CREATE TABLE policy_versions (
    version     TEXT PRIMARY KEY,
    product     TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    purpose     TEXT   NOT NULL,
    description TEXT   NOT NULL DEFAULT '',
    source      TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE TABLE products (
    id      TEXT PRIMARY KEY,
    version TEXT NOT NULL REFERENCES policy_versions (version)
);
CREATE TABLE decisions (
    id             TEXT PRIMARY KEY,
    partner        TEXT   NOT NULL,
    person         TEXT   NOT NULL,
    product        TEXT   NOT NULL,
    policy_version TEXT   NOT NULL REFERENCES policy_versions (version),
    model_version  TEXT   NOT NULL,
    consent        TEXT   NOT NULL,
    input          TEXT   NOT NULL,
    result         TEXT   NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX decisions_person ON decisions (person, created_at);
