-- Each source's word that its data is complete up to a time (Unix
-- nanoseconds); it only moves forward. The same contract as sqlite's 070.
CREATE TABLE source_watermarks (
    source      TEXT PRIMARY KEY,
    complete_to BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
