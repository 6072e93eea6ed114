package sesame

import (
	"context"
	"time"
)

// ScoreStore keeps every score Sesame computes: an append-only history per
// person and the latest score for fast reads. Only the score service writes.
type ScoreStore interface {
	ScoreReader
	// SaveScores stores scores in one durable transaction: each is appended
	// to its person's history and becomes their latest score.
	SaveScores(ctx context.Context, scores []*Score) error
	// ScoreHistory returns up to limit of a person's past scores, newest first.
	ScoreHistory(ctx context.Context, person string, limit int) ([]ScorePoint, error)
	// ScoreHistoryBefore returns up to limit of a person's past scores with
	// a Seq below before (0: no bound), newest first.
	ScoreHistoryBefore(ctx context.Context, person string, before int64, limit int) ([]ScorePoint, error)
	// LatestScoreJSON returns the person's latest score as the API shows
	// it (no features), as stored, or ENOTFOUND: a read sends it as is.
	LatestScoreJSON(ctx context.Context, person string) ([]byte, error)
	// The checkpoints of jobs that save scores (a full rescore), kept with
	// the scores so that a chunk and its checkpoint commit together.
	Checkpoints
	ChunkSaver
}

// ChunkSaver is how a full rescore stores scores: the workers encode their
// chunk's scores beside the scoring (PrepareScores, called from many
// goroutines at once), and the single writer stores them and the job's
// checkpoint in one durable transaction (SaveChunk) — one commit a chunk
// instead of two, and no encoding on the writer's path.
type ChunkSaver interface {
	PrepareScores(scores []*Score) (PreparedScores, error)
	SaveChunk(ctx context.Context, p PreparedScores, job, position string) error
}

// PreparedScores are scores a ChunkSaver has encoded for storing.
type PreparedScores interface{ Len() int }

// ScorePoint is one entry of a person's score history.
type ScorePoint struct {
	Seq          int64     `json:"seq"`
	Status       string    `json:"status"`
	Score        int       `json:"score,omitempty"`
	Band         Band      `json:"band,omitempty"`
	ModelVersion string    `json:"model_version"`
	AsOf         time.Time `json:"as_of"`
}

// ModelInfo describes one stored model version.
type ModelInfo struct {
	Version   string    `json:"version"` // the artifact's SHA-256, shortened: same artifact, same version
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
	Active    bool      `json:"active"`
	AUC       float64   `json:"validation_auc"`
	Note      string    `json:"note,omitempty"`
	// Drift is the population the version met when it was registered,
	// when one was given: nil otherwise.
	Drift *ModelDrift `json:"registration_drift,omitempty"`
}

// ModelDrift is a population measured against a model version's training
// baseline: the PSI of the scores the version gives it and the CSI (the
// same index over an input's bins) of each input. Taken at registration and
// stored with the version, it tells a reviewer whether the people the
// version is about to score still look like the ones it learned from.
type ModelDrift struct {
	People int `json:"people"`
	// ScorePSI is absent when the artifact has no score baseline.
	ScorePSI *float64           `json:"score_psi,omitempty"`
	InputCSI map[string]float64 `json:"input_csi"`
}

// ModelStore is the registry of model artifacts. Exactly one version is
// active at a time; operators activate versions, the score service follows.
type ModelStore interface {
	// SaveModel stores an artifact (idempotent by version).
	SaveModel(ctx context.Context, info ModelInfo, artifact []byte) error
	Models(ctx context.Context) ([]ModelInfo, error)
	// ModelArtifact returns the artifact of a version, or ENOTFOUND.
	ModelArtifact(ctx context.Context, version string) ([]byte, error)
	// ActivateModel makes version the active one, or returns ENOTFOUND.
	ActivateModel(ctx context.Context, version string) error
	// ActiveModel returns the active version's info and artifact, or ENOTFOUND/EUNAVAILABLE when none is active.
	ActiveModel(ctx context.Context) (ModelInfo, []byte, error)
}

// Checkpoints let long jobs (a full rescore) resume where they stopped.
type Checkpoints interface {
	// Checkpoint returns the saved position of job ("" when none).
	Checkpoint(ctx context.Context, job string) (string, error)
	// SaveCheckpoint records the position of job; "" clears it.
	SaveCheckpoint(ctx context.Context, job, position string) error
}

// PointsScale is how a deployment turns odds into points: AnchorScore at
// good:bad odds AnchorOdds, and PDO more points for each doubling of the
// odds. It is fixed once per deployment, so that a 600 means the same odds
// under every model version.
type PointsScale struct {
	AnchorScore float64   `json:"anchor_score"`
	AnchorOdds  float64   `json:"anchor_odds"`
	PDO         float64   `json:"pdo"`
	FixedAt     time.Time `json:"fixed_at"`
}

// Same says two scales give every score the same odds.
func (s PointsScale) Same(o PointsScale) bool {
	return s.AnchorScore == o.AnchorScore && s.AnchorOdds == o.AnchorOdds && s.PDO == o.PDO
}

// ScaleStore keeps the deployment's points scale.
type ScaleStore interface {
	// FixPointsScale stores s unless a scale is stored already, and returns
	// the stored one: the first caller sets it, later callers read it.
	FixPointsScale(ctx context.Context, s PointsScale) (PointsScale, error)
}

// Promotion is one change of the active model, with the operator's reason.
type Promotion struct {
	Seq      int64     `json:"seq"`
	Version  string    `json:"version"`  // made active
	Previous string    `json:"previous"` // active before ("" when none was)
	Action   string    `json:"action"`   // promote | rollback
	Reason   string    `json:"reason"`
	At       time.Time `json:"at"`
}

// ChallengerStore keeps the challenger model, its shadow scores and the
// log of promotions. Shadow scores are stored apart from the served ones:
// no read of a person or a partner reaches them.
type ChallengerStore interface {
	// SetChallenger makes version the challenger ("" clears it); an
	// unknown version is ENOTFOUND.
	SetChallenger(ctx context.Context, version string) error
	// Challenger returns the challenger's info and artifact, or ENOTFOUND.
	Challenger(ctx context.Context) (ModelInfo, []byte, error)
	// SaveShadowScores keeps each person's latest score under a challenger.
	SaveShadowScores(ctx context.Context, scores []*Score) error
	// ShadowScore returns a person's latest shadow score under version, or ENOTFOUND.
	ShadowScore(ctx context.Context, person, version string) (*Score, error)
	// Promote makes p.Version active and records p (Previous and At are
	// filled in) in one transaction; a promoted challenger stops being one.
	Promote(ctx context.Context, p Promotion) (Promotion, error)
	// Promotions lists the promotions and rollbacks, newest first.
	Promotions(ctx context.Context) ([]Promotion, error)
}
