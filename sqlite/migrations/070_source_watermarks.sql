-- Each source's word that its data is complete up to a time (Unix
-- nanoseconds); it only moves forward.
CREATE TABLE source_watermarks (
    source      TEXT PRIMARY KEY,
    complete_to INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
