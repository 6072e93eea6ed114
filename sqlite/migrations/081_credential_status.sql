-- Each credential's position in the published status list (IETF Token
-- Status List), drawn at random; NULL on credentials issued before.
ALTER TABLE credentials ADD COLUMN status_idx INTEGER;
CREATE UNIQUE INDEX credentials_status_idx ON credentials (status_idx);
