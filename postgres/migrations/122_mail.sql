-- Notices can also go by e-mail: a recipient's address (set_at: notices
-- made before it are not mailed), and when each notice was mailed.
CREATE TABLE mail_addresses (
    recipient TEXT    PRIMARY KEY, -- person:ID, partner:ID, source:ID
    address   TEXT    NOT NULL,
    set_at    BIGINT  NOT NULL     -- Unix nanoseconds
);
ALTER TABLE notices ADD COLUMN mailed_at BIGINT ;
