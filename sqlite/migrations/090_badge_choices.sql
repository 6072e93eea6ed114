-- What each person chose to show each social platform (sesame.BadgeChoice):
-- one claim per person and partner, replaced when the person chooses again.
CREATE TABLE badge_choices (
    person    TEXT    NOT NULL,
    partner   TEXT    NOT NULL,
    claim     TEXT    NOT NULL, -- "band_at_least:good" or "verified_clean"
    chosen_at INTEGER NOT NULL, -- Unix nanoseconds
    PRIMARY KEY (person, partner)
) WITHOUT ROWID;
