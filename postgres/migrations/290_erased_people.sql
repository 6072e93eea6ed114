-- Erased people, by sesame.ErasureKey (a hash of the id, never the id):
-- events for them are refused from the erasure on, so that a message
-- still in the stream or a source resending does not bring them back.
CREATE TABLE erased_people (
    key bytea  PRIMARY KEY,
    at  bigint NOT NULL -- the erasure's time, Unix nanoseconds
);
