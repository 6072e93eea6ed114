package score

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/model"
)

// Rescorer runs a deployment's full rescores through the database's work
// queue: one replica, elected by a lease, schedules a run every Every and
// cuts it into ranges of people; every replica claims ranges and scores
// them, each person once per run. A replica that dies leaves its claim to
// expire and another takes the range up after its last saved chunk (the
// scores and the range's checkpoint commit together). With one SQLite
// process it is the same code with one worker.
type Rescorer struct {
	Service *Service
	Queue   sesame.RescoreQueue
	Holder  string        // this replica's name in leases and claims
	Every   time.Duration // scheduled full rescores (0: only on demand)
	// RangePeople is about how many people one range holds (default 10,000).
	RangePeople int
	// Claim is how long a claim lives without renewal (default 30 s): how
	// long a dead replica's range waits before another takes it.
	Claim time.Duration
	// Poll is how often the queue is looked at (default 1 s).
	Poll time.Duration
	// Keep is how many runs the queue keeps: the lease holder deletes
	// older finished ones (default DefaultKeepRuns).
	Keep int

	wake      chan struct{}
	lastPrune time.Time // when PruneRuns was last run or left to the leader
}

// DefaultKeepRuns is how many runs are kept by default: a year of monthly
// runs and then some, with room for activations.
const DefaultKeepRuns = 50

// pruneEvery paces the lease holder's pruning: runs come a few a day at
// most, so once a minute keeps the table short without a delete a poll.
const pruneEvery = time.Minute

// schedulerLease names the lease of the replica that schedules runs.
const schedulerLease = "rescore.scheduler"

// DefaultRangePeople is the default size of a run's ranges.
const DefaultRangePeople = 10000

func (r *Rescorer) poll() time.Duration {
	if r.Poll > 0 {
		return r.Poll
	}
	return time.Second
}

func (r *Rescorer) claim() time.Duration {
	if r.Claim > 0 {
		return r.Claim
	}
	return 30 * time.Second
}

// Wake makes Run look at the queue now.
func (r *Rescorer) Wake() {
	select {
	case r.wakeChan() <- struct{}{}:
	default:
	}
}

func (r *Rescorer) wakeChan() chan struct{} {
	if r.wake == nil {
		r.wake = make(chan struct{}, 1)
	}
	return r.wake
}

// Run schedules (when elected) and works the queue until ctx ends.
func (r *Rescorer) Run(ctx context.Context) {
	wake := r.wakeChan()
	t := time.NewTicker(r.poll())
	defer t.Stop()
	for {
		r.tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}

func (r *Rescorer) tick(ctx context.Context) {
	log := r.Service.log()
	// Without a schedule the lease is only sought when pruning is due.
	if r.Every > 0 || time.Since(r.lastPrune) >= pruneEvery {
		// The lease outlives a few polls, so a live leader keeps it; the
		// schedule's own row makes a run due once a period even if two
		// replicas believe they lead across a handover.
		leader, err := r.Queue.AcquireLease(ctx, schedulerLease, r.Holder, 5*r.poll())
		if err != nil {
			log.Warn("rescore: scheduler lease", "err", err)
		} else if leader {
			if r.Every > 0 {
				due, err := r.Queue.RescoreDue(ctx, "full", r.Every, r.Service.now())
				if err != nil {
					log.Warn("rescore: schedule", "err", err)
				} else if due {
					if _, err := r.Enqueue(ctx, "schedule"); err != nil {
						log.Error("rescore: start the scheduled run", "err", err)
					}
				}
			}
			r.prune(ctx)
		} else if r.Every == 0 {
			r.lastPrune = time.Now() // another replica leads and prunes
		}
	}
	for ctx.Err() == nil {
		rg, ok, err := r.Queue.ClaimRange(ctx, r.Holder, r.claim())
		if err != nil {
			log.Warn("rescore: claim a range", "err", err)
			return
		}
		if !ok {
			return
		}
		if err := r.work(ctx, rg); err != nil {
			log.Error("rescore: range failed", "run", rg.Run, "range", rg.N, "err", err)
			// Let any replica take it again at once (it resumes from the
			// range's checkpoint) rather than when the claim would expire;
			// if this fails too, the claim expires as after a crash.
			if err := r.Queue.RenewRange(context.WithoutCancel(ctx), rg, r.Holder, 0); err != nil {
				log.Warn("rescore: release a failed range", "run", rg.Run, "range", rg.N, "err", err)
			}
			return
		}
	}
}

// prune deletes the runs past the newest Keep, at most once a pruneEvery.
func (r *Rescorer) prune(ctx context.Context) {
	now := time.Now()
	if now.Sub(r.lastPrune) < pruneEvery {
		return
	}
	r.lastPrune = now
	keep := r.Keep
	if keep <= 0 {
		keep = DefaultKeepRuns
	}
	n, err := r.Queue.PruneRuns(ctx, keep)
	if err != nil {
		r.Service.log().Warn("rescore: prune old runs", "err", err)
	} else if n > 0 {
		r.Service.log().Info("rescore: pruned old runs", "runs", n, "kept", keep)
	}
}

// Enqueue starts a run of everyone with the active model, for reason.
func (r *Rescorer) Enqueue(ctx context.Context, reason string) (int64, error) {
	e, err := r.Service.Engine(ctx)
	if err != nil {
		return 0, err
	}
	var end int64
	if r.Service.States != nil {
		// The position first: a run vouches for the snapshots up to it.
		if end, err = r.Service.States.LedgerEnd(ctx); err != nil {
			return 0, err
		}
	}
	size := r.RangePeople
	if size <= 0 {
		size = DefaultRangePeople
	}
	bounds, err := r.Queue.PersonBounds(ctx, size)
	if err != nil {
		return 0, err
	}
	id, err := r.Queue.StartRun(ctx, sesame.RescoreRun{Reason: reason, ModelVersion: e.Version(), LedgerEnd: end, CreatedAt: r.Service.now()}, bounds)
	if err != nil {
		return 0, err
	}
	r.Service.log().Info("rescore: run started", "run", id, "reason", reason, "ranges", len(bounds)+1, "model_version", e.Version())
	r.Wake()
	return id, nil
}

// RunStatus reports the latest run (running until every range is done)
// and the last finished one.
func (r *Rescorer) RunStatus(ctx context.Context) (RescoreStatus, error) {
	runs, err := r.Queue.RescoreRuns(ctx, 20)
	if err != nil {
		return RescoreStatus{}, err
	}
	var st RescoreStatus
	for i, u := range runs {
		if i == 0 && u.FinishedAt.IsZero() {
			st.Running, st.ModelVersion, st.Done, st.StartedAt = true, u.ModelVersion, u.People, u.CreatedAt
			continue
		}
		if !u.FinishedAt.IsZero() {
			st.Last = &RescoreStats{People: u.People, Scored: u.Scored, Insufficient: u.Insufficient, ModelVersion: u.ModelVersion, Elapsed: u.FinishedAt.Sub(u.CreatedAt), Mode: "queue"}
			if i == 0 {
				st.ModelVersion = u.ModelVersion
			}
			break
		}
	}
	return st, nil
}

// work scores one claimed range, renewing the claim while it runs.
func (r *Rescorer) work(ctx context.Context, rg sesame.RescoreRange) error {
	// Score with the run's model or a newer one: a replica that has not
	// yet heard of an activation reloads here.
	if e, err := r.Service.Engine(ctx); err != nil || e.Version() != rg.ModelVersion {
		if _, err := r.Service.Load(ctx); err != nil {
			return err
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lost := make(chan error, 1)
	go func() {
		t := time.NewTicker(r.claim() / 3)
		defer t.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-t.C:
				if err := r.Queue.RenewRange(rctx, rg, r.Holder, r.claim()); sesame.ErrorCode(err) == sesame.ECONFLICT {
					lost <- err
					cancel()
					return
				}
			}
		}
	}()
	job := fmt.Sprintf("rescore:run%d:%d", rg.Run, rg.N)
	stats, err := r.Service.RescoreAll(rctx, RescoreOptions{Job: job, Ranged: true, After: rg.After, Through: rg.Through})
	cancel()
	select {
	case err := <-lost:
		return err
	default:
	}
	if err != nil {
		return err
	}
	res := sesame.RangeResult{People: stats.People, Scored: stats.Scored, Insufficient: stats.Insufficient}
	if stats.Drift != nil && stats.ModelVersion == rg.ModelVersion {
		if res.Drift, err = json.Marshal(stats.Drift); err != nil {
			return err
		}
	}
	runDone, err := r.Queue.FinishRange(ctx, rg, r.Holder, res)
	if err != nil {
		return err
	}
	// Done ranges are never claimed again: their checkpoint has served.
	if err := r.Service.Scores.SaveCheckpoint(ctx, job, ""); err != nil {
		r.Service.log().Warn("rescore: clear a range's checkpoint", "job", job, "err", err)
	}
	if runDone {
		if r.Service.States != nil && rg.LedgerEnd > 0 && r.Service.featureProfiler() != nil {
			// Every range started after the run was cut, so every person's
			// snapshot now covers the run's position.
			if err := r.Service.States.SaveCoverage(ctx, feature.SnapshotVersion, rg.LedgerEnd); err != nil {
				return err
			}
		}
		if err := r.measureDrift(ctx, rg); err != nil {
			// The scores stand; only this run's drift is missing.
			r.Service.log().Error("rescore: measure the run's drift", "run", rg.Run, "err", err)
		}
		r.Service.log().Info("rescore: run finished", "run", rg.Run)
	}
	return nil
}

// measureDrift merges the drift counts of a finished run's ranges, scored
// on whichever replicas, into the population's drift against the run's
// model, and records it with the run for every replica's /metrics.
func (r *Rescorer) measureDrift(ctx context.Context, rg sesame.RescoreRange) error {
	m, err := r.runModel(ctx, rg.ModelVersion)
	if err != nil {
		return err
	}
	tallies, err := r.Queue.RangeDrifts(ctx, rg.Run)
	if err != nil {
		return err
	}
	c := m.NewDrift()
	for _, b := range tallies {
		var t model.DriftTally
		if err := json.Unmarshal(b, &t); err != nil {
			return fmt.Errorf("a range's drift counts: %w", err)
		}
		if err := c.AddTally(t); err != nil {
			return err
		}
	}
	d := c.Drift()
	b, err := json.Marshal(runDrift{Version: rg.ModelVersion, Drift: d})
	if err != nil {
		return err
	}
	if err := r.Queue.SaveRunDrift(ctx, rg.Run, b); err != nil {
		return err
	}
	r.Service.setDrift(rg.ModelVersion, d)
	return nil
}

// runModel is the model of a run: the engine's, or read from the store
// when another was activated since the run was cut.
func (r *Rescorer) runModel(ctx context.Context, version string) (*model.Model, error) {
	if e, err := r.Service.Engine(ctx); err == nil && e.Version() == version {
		return e.model, nil
	}
	a, err := r.Service.Models.ModelArtifact(ctx, version)
	if err != nil {
		return nil, err
	}
	return model.Read(bytes.NewReader(a))
}

// runDrift is a run's drift as stored with it. A score's PSI may be NaN
// (a model without a score baseline), which JSON cannot hold.
type runDrift struct {
	Version  string             `json:"model_version"`
	Rows     int                `json:"rows"`
	Score    *float64           `json:"score_psi,omitempty"`
	Features map[string]float64 `json:"features_csi"`
	Drift    model.Drift        `json:"-"`
}

func (d runDrift) MarshalJSON() ([]byte, error) {
	type plain runDrift
	p := plain(d)
	p.Rows, p.Features = d.Drift.Rows, d.Drift.Features
	if !math.IsNaN(d.Drift.Score) {
		p.Score = &d.Drift.Score
	}
	return json.Marshal(p)
}

// RunDrift returns the drift recorded with the newest finished run that
// has one, and its model version; ok is false when none has.
func (r *Rescorer) RunDrift(ctx context.Context) (version string, d model.Drift, ok bool, err error) {
	runs, err := r.Queue.RescoreRuns(ctx, 20)
	if err != nil {
		return "", d, false, err
	}
	for _, u := range runs {
		if u.FinishedAt.IsZero() || len(u.Drift) == 0 {
			continue
		}
		type plain runDrift
		var p plain
		if err := json.Unmarshal(u.Drift, &p); err != nil {
			return "", d, false, fmt.Errorf("run %d's drift: %w", u.ID, err)
		}
		d = model.Drift{Rows: p.Rows, Score: math.NaN(), Features: p.Features}
		if p.Score != nil {
			d.Score = *p.Score
		}
		return p.Version, d, true, nil
	}
	return "", d, false, nil
}

// PendingRefresher rescores the people whose events arrived since they
// were last scored, as the database keeps them (sesame.PendingRescores):
// whatever path the events came by, and across crashes and outages. Notify
// is only a hint that makes it look sooner.
type PendingRefresher struct {
	Service *Service
	Pending sesame.PendingRescores
	Holder  string
	// Debounce is how long a burst is gathered, and how often the database
	// is polled without hints (default 200 ms).
	Debounce time.Duration
	// Claim is how long a claim lives: a replica that dies holding people
	// delays their rescore by this much (default 30 s).
	Claim time.Duration

	wake chan struct{}
}

// pendingBatch is how many pending people one claim takes.
const pendingBatch = 1000

// Notify says people's events were accepted here; it never blocks.
func (r *PendingRefresher) Notify(people ...string) {
	select {
	case r.wakeChan() <- struct{}{}:
	default:
	}
}

func (r *PendingRefresher) wakeChan() chan struct{} {
	if r.wake == nil {
		r.wake = make(chan struct{}, 1)
	}
	return r.wake
}

// Run rescores pending people until ctx ends.
func (r *PendingRefresher) Run(ctx context.Context) {
	debounce := r.Debounce
	if debounce <= 0 {
		debounce = 200 * time.Millisecond
	}
	claim := r.Claim
	if claim <= 0 {
		claim = 30 * time.Second
	}
	wake := r.wakeChan()
	t := time.NewTicker(debounce)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
			// Let the burst finish before scoring.
			select {
			case <-ctx.Done():
				return
			case <-time.After(debounce):
			}
		}
		for ctx.Err() == nil {
			n, err := r.round(ctx, claim)
			if err != nil {
				r.Service.log().Error("rescore after events failed", "err", err)
				break
			}
			if n == 0 {
				break
			}
		}
	}
}

// round claims, rescores and releases one batch; it returns how many
// people it held (0: nothing pending).
func (r *PendingRefresher) round(ctx context.Context, claim time.Duration) (int, error) {
	if _, err := r.Service.Engine(ctx); err != nil {
		// No active model yet: the people stay pending, and the
		// activation's full rescore scores them anyway.
		return 0, nil
	}
	c, err := r.Pending.ClaimPending(ctx, r.Holder, pendingBatch, claim)
	if err != nil {
		return 0, err
	}
	if len(c.People) == 0 && c.Through == 0 {
		return 0, nil
	}
	// In person order, as a full rescore's ranges save theirs: two writers
	// of the same people's latest scores in different orders deadlock on
	// PostgreSQL (a claim comes oldest first). Marks stay in claim order.
	people := slices.Clone(c.People)
	slices.Sort(people)
	for i := 0; i < len(people); i += rescoreChunk {
		part := people[i:min(i+rescoreChunk, len(people))]
		if err := r.Service.Refresh(ctx, part...); err != nil {
			return 0, err
		}
	}
	if err := r.Pending.FinishPending(ctx, c); err != nil {
		return 0, err
	}
	if r.Service.Metrics != nil && !c.Oldest.IsZero() {
		r.Service.Metrics.RescoreLag(time.Since(c.Oldest))
	}
	return max(len(c.People), 1), nil
}
