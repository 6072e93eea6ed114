-- The drift a model version met when it was registered (sesame.ModelDrift
-- as JSON; '' when no population was given), kept with the version for its
-- model card.
ALTER TABLE models ADD COLUMN registration_drift TEXT NOT NULL DEFAULT '';
