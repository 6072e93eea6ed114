-- The transactional outbox: notices written with the change they tell of,
-- delivered at least once (to a webhook; a person's stay as their inbox).
CREATE TABLE notices (
    id           TEXT    PRIMARY KEY, -- the idempotency key receivers see
    recipient    TEXT    NOT NULL,    -- person:ID, partner:ID, source:ID
    topic        TEXT    NOT NULL,
    body         BYTEA   NOT NULL,    -- JSON
    created_at   BIGINT  NOT NULL,    -- Unix nanoseconds
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt BIGINT  NOT NULL,    -- Unix nanoseconds; 0 with delivered_at NULL: given up
    delivered_at BIGINT,
    last_error   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX notices_recipient ON notices (recipient, created_at);
CREATE INDEX notices_due ON notices (next_attempt) WHERE delivered_at IS NULL;

CREATE TABLE webhooks (
    recipient TEXT PRIMARY KEY,
    url       TEXT NOT NULL,
    secret    TEXT NOT NULL
);
