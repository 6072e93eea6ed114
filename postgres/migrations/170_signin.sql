-- Sign-in without an operator: what a person knows (an e-mail address or a
-- phone number) mapped to the ledger's person, the device of each session,
-- passkeys, and the WebAuthn ceremonies in flight (by hash, single use).
CREATE TABLE person_contacts (
    identifier TEXT PRIMARY KEY, -- normalised: lower-case e-mail, or +digits
    kind       TEXT   NOT NULL,  -- email | phone
    person     TEXT   NOT NULL,
    created_at BIGINT NOT NULL   -- Unix nanoseconds
);
CREATE INDEX person_contacts_person ON person_contacts (person);

ALTER TABLE person_sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE person_sessions ADD COLUMN last_seen_at BIGINT;
ALTER TABLE person_sessions ADD COLUMN method TEXT NOT NULL DEFAULT '';

CREATE TABLE passkeys (
    id           TEXT PRIMARY KEY, -- the credential id, base64url
    person       TEXT   NOT NULL,
    name         TEXT   NOT NULL,
    credential   BYTEA  NOT NULL,  -- the public key and its counters (JSON)
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_person ON passkeys (person);

CREATE TABLE passkey_ceremonies (
    hash       BYTEA PRIMARY KEY, -- SHA-256 of the ceremony's cookie value
    person     TEXT   NOT NULL,   -- '' for a login
    data       BYTEA  NOT NULL,   -- the challenge and its options (JSON)
    expires_at BIGINT NOT NULL
);
