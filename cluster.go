package sesame

import (
	"context"
	"time"
)

// Topics of cluster-wide changes: what every replica of a deployment caches
// and must reload when any replica, or a CLI command, changes it.
const (
	TopicModel   = "model"   // the active model and the challenger
	TopicPolicy  = "policy"  // the live product policies
	TopicPartner = "partner" // partners and their API keys
)

// ChangeFeed tells the replicas of one deployment that shared settings
// changed. The store bumps a topic's epoch in the same transaction as the
// change, whoever made it, so a replica that compares epochs never misses
// one; Listen only makes it hear of them sooner. Replicas read it; nothing
// writes it but the store's own triggers.
type ChangeFeed interface {
	// Epochs returns each topic's epoch, which grows with every committed
	// change to the topic.
	Epochs(ctx context.Context) (map[string]int64, error)
	// Listen calls wake whenever a change may have been committed (a hint:
	// spurious calls are allowed) until ctx ends. An engine that cannot
	// push returns nil at once; callers then rely on polling Epochs.
	Listen(ctx context.Context, wake func()) error
}

// LeaseStore elects one replica for a deployment-wide duty (scheduling the
// full rescore) by a lease in the database.
type LeaseStore interface {
	// AcquireLease takes the named lease for holder, or renews it, until
	// ttl from now. It reports false while another holder's lease is live.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

// RescoreRun is one full rescore of a deployment: its people split into
// ranges that replicas claim from a durable queue and score once each.
type RescoreRun struct {
	ID           int64     `json:"id"`
	Reason       string    `json:"reason"` // "schedule", "activation", "operator"
	ModelVersion string    `json:"model_version"`
	LedgerEnd    int64     `json:"ledger_end"` // the ledger position when the run was cut
	CreatedAt    time.Time `json:"created_at"`
	FinishedAt   time.Time `json:"finished_at,omitzero"`
	Ranges       int       `json:"ranges"`
	RangesDone   int       `json:"ranges_done"`
	People       int       `json:"people"` // scored so far, over the finished ranges
	// Scored and Insufficient split People: scored, or with too little
	// history to score.
	Scored       int `json:"scored"`
	Insufficient int `json:"insufficient_history"`
	// Drift is the population's drift against the run's model (a
	// model.Drift as JSON), measured over every range once the run is
	// finished; empty before.
	Drift []byte `json:"drift,omitempty"`
}

// RangeResult is what scoring one range of a run counted, over every
// attempt at it (a resumed range adds to what its checkpoint carried).
type RangeResult struct {
	People       int
	Scored       int
	Insufficient int
	// Drift is the range's drift counts (a model.DriftTally as JSON), which
	// the run merges over its ranges to measure the population's drift.
	Drift []byte
}

// RescoreRange is one claimable part of a run: the people after After up
// to and including Through, in byte order ("" Through: to the end).
type RescoreRange struct {
	Run          int64
	N            int
	After        string
	Through      string
	ModelVersion string
	LedgerEnd    int64
}

// RescoreQueue is the deployment's full rescores as a durable work queue.
// The elected replica schedules runs and cuts them into ranges; every
// replica claims ranges until none is left. A claim not renewed within its
// ttl (its replica died) is taken again by another replica.
type RescoreQueue interface {
	LeaseStore
	// RescoreDue reports whether the scheduled rescore named name is due
	// at now, and if so moves its next time to now+every, atomically: of
	// several replicas asking, one gets true per period. A schedule never
	// seen before is set to now+every and is not due; one set further
	// out than now+every (the period was shortened) is brought in to it.
	RescoreDue(ctx context.Context, name string, every time.Duration, now time.Time) (bool, error)
	// PersonBounds returns the person ids that cut the ledger's people, in
	// byte order, into ranges of about size people each.
	PersonBounds(ctx context.Context, size int) ([]string, error)
	// StartRun stores a run with len(bounds)+1 ranges and returns its id.
	StartRun(ctx context.Context, run RescoreRun, bounds []string) (int64, error)
	// ClaimRange claims for holder, until ttl from now, an unfinished
	// range of the oldest unfinished run that nobody holds or whose claim
	// has expired. ok is false when there is none.
	ClaimRange(ctx context.Context, holder string, ttl time.Duration) (r RescoreRange, ok bool, err error)
	// RenewRange extends holder's claim; ECONFLICT when it was lost.
	RenewRange(ctx context.Context, r RescoreRange, holder string, ttl time.Duration) error
	// FinishRange marks holder's range done with what it counted;
	// ECONFLICT when the claim was lost. runDone says it was the run's last.
	FinishRange(ctx context.Context, r RescoreRange, holder string, res RangeResult) (runDone bool, err error)
	// RangeDrifts returns the drift counts of a run's finished ranges.
	RangeDrifts(ctx context.Context, run int64) ([][]byte, error)
	// SaveRunDrift records the drift measured over a finished run.
	SaveRunDrift(ctx context.Context, run int64, drift []byte) error
	// RescoreRuns returns the latest runs, newest first.
	RescoreRuns(ctx context.Context, limit int) ([]RescoreRun, error)
	// PruneRuns deletes the finished runs, and their ranges, older than
	// the newest keep runs; it returns how many runs it deleted. Runs not
	// finished are never deleted.
	PruneRuns(ctx context.Context, keep int) (int, error)
}

// PendingRescores are the people whose events arrived since they were last
// scored, kept in the database whatever path the events came by (HTTP, a
// file import, the NATS consumer): a crash or an outage delays their
// rescore, never drops it. Engines record them in the same transaction as
// the events (a pending table, or a ledger position).
type PendingRescores interface {
	// ClaimPending claims up to max people for holder until ttl from now.
	// The first call on a database may fix where pending starts (an engine
	// keeping a ledger position starts it at the ledger's end), so servers
	// call it with max 0 before they accept events.
	ClaimPending(ctx context.Context, holder string, max int, ttl time.Duration) (PendingClaim, error)
	// FinishPending marks the claim's people rescored. A person with
	// events newer than the claim stays pending.
	FinishPending(ctx context.Context, c PendingClaim) error
}

// PendingClaim is a batch of people to rescore. Marks and Through are the
// engine's own bookkeeping (per-person generations, a ledger position).
type PendingClaim struct {
	People  []string
	Marks   []int64
	Through int64
	// Oldest is when the longest-waiting of them became pending (zero
	// when unknown): the rescore's lag.
	Oldest time.Time
}
