-- What each range of a full rescore counted, summed over every attempt at
-- it (a range resumed after its replica died carries its earlier counts in
-- its checkpoint): scored and insufficient-history people and the drift
-- counts, which the run merges over its ranges into the population's drift.
ALTER TABLE rescore_ranges ADD COLUMN scored INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rescore_ranges ADD COLUMN insufficient INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rescore_ranges ADD COLUMN drift TEXT;
-- The drift measured over the whole run once it finished (a model.Drift).
ALTER TABLE rescore_runs ADD COLUMN drift TEXT;
