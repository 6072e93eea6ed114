package score

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/model/table"
)

// Service computes, stores and serves scores. It scores with the active
// model of its ModelStore; activating another version swaps the engine at
// once (reads keep being served from stored scores) and rescores everyone in
// the background.
type Service struct {
	Events  sesame.EventStore
	Scanner sesame.EventScanner
	Scores  sesame.ScoreStore
	Models  sesame.ModelStore
	// Scales, when set, fixes the deployment's points scale: the first
	// model registered sets it, and a model on another scale is refused.
	Scales sesame.ScaleStore
	// Shadow, when set, holds the challenger model: every rescore and
	// event refresh also scores with it, stored apart and never served.
	Shadow sesame.ChallengerStore
	// States, when set, keeps each person's folded feature state: full
	// rescores read it instead of refolding every event, and Refresh folds
	// only the events since it (see StateStore).
	States   StateStore
	Profiler Profiler
	Now      func() time.Time
	Log      *slog.Logger
	// Metrics, when set, is told of every score computed.
	Metrics Metrics
	// Additions, when set, holds what people added to their own records:
	// a person's kept additions count when they raise the score (additions.go).
	Additions sesame.AdditionStore
	// Watermarks, when set, is read before each scoring: every source's
	// facts are judged as of its watermark (see feature.Coverage).
	Watermarks sesame.WatermarkStore
	// Retention is how long negative records count (0:
	// feature.DefaultRetention); StaleAfter how long a source may lag
	// before it is shown as stale (0: sesame.DefaultStaleAfter).
	Retention, StaleAfter time.Duration
	// Runs, when set, takes full rescores (an activation's, an operator's)
	// to the deployment's queue, so that replicas share one run.
	Runs RunQueue

	drift   driftState
	shadow  shadowState
	engine  atomic.Pointer[Engine]
	rescore rescoreState
	mu      sync.Mutex // serialises engine loads
}

// Metrics receives the service's counters (the http package exports them to Prometheus).
type Metrics interface {
	ScoresComputed(n int)
	RescoreLag(d time.Duration)
}

// ModelVersion is the version of an artifact: the first 12 hex digits of its
// SHA-256, so the same artifact always has the same version.
func ModelVersion(artifact []byte) string {
	sum := sha256.Sum256(artifact)
	return hex.EncodeToString(sum[:6])
}

// Register stores a trained model artifact and returns its version.
func (s *Service) Register(ctx context.Context, artifact []byte, note string) (sesame.ModelInfo, error) {
	return s.RegisterWithPopulation(ctx, artifact, note, nil)
}

// RegisterWithPopulation is Register that also measures population (the
// people the version is about to score, one column per input, e.g. a
// dataset built as of today) against the version's training baseline and
// stores that drift with the version. A nil population measures nothing.
func (s *Service) RegisterWithPopulation(ctx context.Context, artifact []byte, note string, population *table.Table) (sesame.ModelInfo, error) {
	m, err := model.Read(bytes.NewReader(artifact))
	if err != nil {
		return sesame.ModelInfo{}, sesame.Errorf(sesame.EINVALID, "not a model artifact: %v", err)
	}
	if s.Scales != nil {
		mine := sesame.PointsScale{AnchorScore: m.Scaling.AnchorScore, AnchorOdds: m.Scaling.AnchorOdds, PDO: m.Scaling.PDO, FixedAt: s.now()}
		fixed, err := s.Scales.FixPointsScale(ctx, mine)
		if err != nil {
			return sesame.ModelInfo{}, err
		}
		if !fixed.Same(mine) {
			return sesame.ModelInfo{}, sesame.Errorf(sesame.ECONFLICT,
				"the model gives %g points at odds %g:1 and %g points to double them; this deployment fixed %g at %g:1 and %g on %s (retrain with --anchor-score %g --anchor-odds %g --pdo %g)",
				mine.AnchorScore, mine.AnchorOdds, mine.PDO, fixed.AnchorScore, fixed.AnchorOdds, fixed.PDO, fixed.FixedAt.Format("2006-01-02"),
				fixed.AnchorScore, fixed.AnchorOdds, fixed.PDO)
		}
	}
	info := sesame.ModelInfo{Version: ModelVersion(artifact), Kind: m.Kind, CreatedAt: s.now(), AUC: m.Metrics.Validation.AUC, Note: note}
	if population != nil {
		d, err := m.DriftOf(population)
		if err != nil {
			return sesame.ModelInfo{}, sesame.Errorf(sesame.EINVALID, "registration population: %v", err)
		}
		if d.Rows == 0 {
			return sesame.ModelInfo{}, sesame.Errorf(sesame.EINVALID, "registration population: no rows")
		}
		info.Drift = &sesame.ModelDrift{People: d.Rows, InputCSI: d.Features}
		if !math.IsNaN(d.Score) {
			info.Drift.ScorePSI = &d.Score
		}
	}
	return info, s.Models.SaveModel(ctx, info, artifact)
}

// Load (re)loads the active model. It returns EUNAVAILABLE when none is active.
func (s *Service) Load(ctx context.Context) (*Engine, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info, artifact, err := s.Models.ActiveModel(ctx)
	if err != nil {
		return nil, err
	}
	if cur := s.engine.Load(); cur != nil && cur.Version() == info.Version {
		return cur, nil
	}
	m, err := model.Read(bytes.NewReader(artifact))
	if err != nil {
		return nil, err
	}
	e := NewEngine(m, info.Version, s.Profiler)
	s.engine.Store(e)
	return e, nil
}

// Engine returns the current engine, loading the active model on first use.
func (s *Service) Engine(ctx context.Context) (*Engine, error) {
	if e := s.engine.Load(); e != nil {
		return e, nil
	}
	return s.Load(ctx)
}

// LatestScore implements sesame.ScoreReader from the store.
func (s *Service) LatestScore(ctx context.Context, person string) (*sesame.Score, error) {
	return s.Scores.LatestScore(ctx, person)
}

// History returns a person's past scores, newest first.
func (s *Service) History(ctx context.Context, person string, limit int) ([]sesame.ScorePoint, error) {
	return s.Scores.ScoreHistory(ctx, person, limit)
}

// HistoryBefore returns up to limit of a person's past scores older than
// seq before (0: from the newest), newest first: a page of their history.
func (s *Service) HistoryBefore(ctx context.Context, person string, before int64, limit int) ([]sesame.ScorePoint, error) {
	return s.Scores.ScoreHistoryBefore(ctx, person, before, limit)
}

// PersonEvents reads all of a person's events known at asOf.
func (s *Service) PersonEvents(ctx context.Context, person string, asOf time.Time) ([]sesame.Event, error) {
	var all []sesame.Event
	f := sesame.EventFilter{Person: person, RecordedBefore: asOf, Limit: 1000, ForScoring: true}
	for {
		page, err := s.Events.Events(ctx, f)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Events...)
		if page.Next == "" {
			return all, nil
		}
		f.Cursor = page.Next
	}
}

// Compute scores a person as of now from the ledger, without storing.
func (s *Service) Compute(ctx context.Context, person string) (*sesame.Score, Profile, error) {
	e, events, asOf, err := s.ledgerNow(ctx, person)
	if err != nil {
		return nil, Profile{}, err
	}
	p := s.Profiler.Profile(events, asOf)
	return e.ScoreProfile(person, p, asOf), p, nil
}

// loadCoverage hands the catalogue's profiler the sources' current
// watermarks and the retention, read from the store so that every replica
// judges alike.
func (s *Service) loadCoverage(ctx context.Context) error {
	prof := s.featureProfiler()
	if prof == nil {
		return nil
	}
	cov := &feature.Coverage{Retention: s.Retention, StaleAfter: s.StaleAfter}
	if s.Watermarks != nil {
		ws, err := s.Watermarks.Watermarks(ctx)
		if err != nil {
			return err
		}
		cov.Watermarks = make(map[string]time.Time, len(ws))
		for _, w := range ws {
			cov.Watermarks[w.Source] = w.CompleteTo
		}
	}
	prof.SetCoverage(cov)
	return nil
}

// ledgerNow returns the engine, the person's events known now, and now;
// ENOTFOUND when the ledger has nothing on the person.
func (s *Service) ledgerNow(ctx context.Context, person string) (*Engine, []sesame.Event, time.Time, error) {
	e, err := s.Engine(ctx)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	if err := s.loadCoverage(ctx); err != nil {
		return nil, nil, time.Time{}, err
	}
	asOf := s.now()
	events, err := s.PersonEvents(ctx, person, asOf)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	if len(events) == 0 {
		return nil, nil, time.Time{}, sesame.Errorf(sesame.ENOTFOUND, "no events for person %q", person)
	}
	return e, events, asOf, nil
}

// Refresh recomputes and stores the scores of the given people. With
// States, each person's stored state is brought forward with the events
// since it (one small read and fold a person) and stored again.
func (s *Service) Refresh(ctx context.Context, people ...string) error {
	if s.States != nil && s.featureProfiler() != nil {
		return s.refreshStates(ctx, people)
	}
	scores := make([]*sesame.Score, 0, len(people))
	for _, p := range people {
		sc, _, err := s.Compute(ctx, p)
		if sesame.ErrorCode(err) == sesame.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		scores = append(scores, sc)
	}
	if len(scores) > 0 && s.Additions != nil {
		e, err := s.Engine(ctx)
		if err != nil {
			return err
		}
		if err := s.applyAdditions(ctx, e, scores, nil); err != nil {
			return err
		}
	}
	if err := s.Scores.SaveScores(ctx, scores); err != nil {
		return err
	}
	s.scoreShadow(ctx, s.challenger(ctx), scores)
	if s.Metrics != nil {
		s.Metrics.ScoresComputed(len(scores))
	}
	return nil
}

// refreshStates is Refresh through the stored feature states.
func (s *Service) refreshStates(ctx context.Context, people []string) error {
	e, err := s.Engine(ctx)
	if err != nil {
		return err
	}
	if err := s.loadCoverage(ctx); err != nil {
		return err
	}
	end, err := s.States.LedgerEnd(ctx)
	if err != nil {
		return err
	}
	asOf := s.now() // after the position: everything up to it is recorded before asOf
	f := &folder{svc: s, states: s.States, e: e, prof: s.featureProfiler(), st: feature.NewState(), asOf: asOf, asOfNanos: asOf.UnixNano(), end: end}
	scores := make([]*sesame.Score, 0, len(people))
	var snaps []feature.Snapshot
	for _, p := range people {
		sn, _, err := s.States.LoadState(ctx, p)
		if err != nil {
			return err
		}
		sn.Person = p
		// The latest seq is unknown here: end forces the fold forward, which
		// reads only the events after the snapshot's position.
		write, horizon, err := f.bringUpAlone(ctx, &sn, end)
		if err != nil {
			return err
		}
		if f.st.Events() == 0 && sn.State == nil {
			continue // no events, no snapshot: not a person of the ledger (yet)
		}
		if write {
			snaps = append(snaps, f.snapshot(p, horizon))
		}
		scores = append(scores, f.score(p))
	}
	if err := s.applyAdditions(ctx, e, scores, nil); err != nil {
		return err
	}
	if err := s.Scores.SaveScores(ctx, scores); err != nil {
		return err
	}
	if err := s.States.SaveStates(ctx, snaps); err != nil {
		return err
	}
	s.scoreShadow(ctx, s.challenger(ctx), scores)
	if s.Metrics != nil {
		s.Metrics.ScoresComputed(len(scores))
	}
	return nil
}

// WhatIf scores the person with some features changed. It returns the
// current score and the hypothetical one; neither is stored.
func (s *Service) WhatIf(ctx context.Context, person string, changes map[string]float64) (now, then *sesame.Score, err error) {
	e, events, asOf, err := s.ledgerNow(ctx, person)
	if err != nil {
		return nil, nil, err
	}
	p := s.Profiler.Profile(events, asOf)
	now = e.ScoreProfile(person, p, asOf)
	then, err = e.WhatIf(person, p, asOf, changes)
	return now, then, err
}

// WhatIfEvents scores the person as if the hypothetical events had happened
// (now). The events are validated but never stored.
func (s *Service) WhatIfEvents(ctx context.Context, person string, extra []sesame.Event) (now, then *sesame.Score, err error) {
	e, events, asOf, err := s.ledgerNow(ctx, person)
	if err != nil {
		return nil, nil, err
	}
	now = e.Score(person, events, asOf)
	// Hypothetical events happen just before the as-of time so they count.
	all := append(append([]sesame.Event(nil), events...), extra...)
	then = e.Score(person, all, asOf.Add(time.Second))
	return now, then, nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
