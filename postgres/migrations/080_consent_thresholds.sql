-- The scores a threshold consent lets its partner ask about, as
-- "600,650" (sesame.FormatThresholds); '' on score and full consents and
-- on threshold consents from before consents named them.
ALTER TABLE consents ADD COLUMN thresholds TEXT NOT NULL DEFAULT '';
ALTER TABLE consent_requests ADD COLUMN thresholds TEXT NOT NULL DEFAULT '';
