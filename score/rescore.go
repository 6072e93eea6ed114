package score

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/model"
)

// RescoreOptions control a full rescore.
type RescoreOptions struct {
	// Job names the checkpoint; a rescore with the same job resumes after the
	// last person it saved. Default "rescore".
	Job string
	// Fresh ignores (and clears) an existing checkpoint.
	Fresh bool
	// Rebuild refolds every person from the ledger and rewrites every
	// feature-state snapshot, as when none exist yet (with States only).
	Rebuild bool
	// Workers bounds parallel scoring (default: the number of CPUs).
	Workers int
	// Progress, if set, is called after each saved chunk with the people done so far.
	Progress func(done int)
	// Ranged makes this one range of a deployment's run (cluster.go): only
	// the people up to Through ("" to the end) are scored, and the job's
	// checkpoint, the snapshots' coverage and the drift are left to the
	// run, which alone knows when every range is done.
	Ranged  bool
	After   string // where a range starts (exclusive) when its job has no checkpoint
	Through string
}

// errRangeEnd stops a ranged rescore's scan past its last person.
var errRangeEnd = errors.New("end of the rescore's range")

// RescoreStats summarise a finished rescore.
type RescoreStats struct {
	People       int           `json:"people"`
	Scored       int           `json:"scored"`
	Insufficient int           `json:"insufficient_history"`
	ResumedAfter string        `json:"resumed_after,omitempty"`
	Elapsed      time.Duration `json:"elapsed_ns"`
	ModelVersion string        `json:"model_version"`
	// Mode says how features were obtained: "events" (every event decoded),
	// "rebuild" (every person refolded from the raw ledger, snapshots
	// written) or "snapshots" (read from the stored states).
	Mode string `json:"mode"`
	// Refolded counts the people folded from the ledger rather than read
	// from a current snapshot; LedgerPosition is the seq scored up to.
	Refolded       int   `json:"refolded"`
	LedgerPosition int64 `json:"ledger_position,omitempty"`
	// Drift is a ranged rescore's drift counts, for its run to merge.
	Drift *model.DriftTally `json:"-"`
}

// rangeTally is what a range of a run has counted so far, saved in its
// checkpoint with the scores it covers so that a range resumed on another
// replica after a crash reports, and measures drift over, all its people.
type rangeTally struct {
	Model        string           `json:"model"`
	People       int              `json:"people"`
	Scored       int              `json:"scored"`
	Insufficient int              `json:"insufficient"`
	Drift        model.DriftTally `json:"drift"`
}

// A ranged checkpoint is "\x01" + the tally as JSON + "\x00" + the position.
// JSON never holds a NUL, and a position without the mark (saved by an
// older server) is read as it is, without counts.
const rangeMark = "\x01"

func joinRangeCheckpoint(t rangeTally, pos string) string {
	b, _ := json.Marshal(t)
	return rangeMark + string(b) + "\x00" + pos
}

func splitRangeCheckpoint(cp string) (pos string, t rangeTally) {
	rest, ok := strings.CutPrefix(cp, rangeMark)
	if !ok {
		return cp, t
	}
	tally, pos, ok := strings.Cut(rest, "\x00")
	if !ok || json.Unmarshal([]byte(tally), &t) != nil {
		return cp, rangeTally{}
	}
	return pos, t
}

// StateStore keeps each person's folded feature state (feature.Snapshot)
// next to the ledger, so that a full rescore reads one snapshot a person and
// rescoring after an event folds only the events since. Package sqlite
// implements it; without one the service refolds every event.
type StateStore interface {
	// LedgerEnd is the ledger's current position (highest seq).
	LedgerEnd(ctx context.Context) (int64, error)
	// Coverage is the version and position up to which every person with
	// events has a snapshot; ok is false before the first full build.
	Coverage(ctx context.Context) (version int, through int64, ok bool, err error)
	SaveCoverage(ctx context.Context, version int, through int64) error
	// SaveStates stores snapshots, keeping any stored one that covers more.
	SaveStates(ctx context.Context, snaps []feature.Snapshot) error
	LoadState(ctx context.Context, person string) (feature.Snapshot, bool, error)
	// ScanStates visits the snapshots after `after` in person order.
	ScanStates(ctx context.Context, after string, fn func([]feature.Snapshot) error) error
	// Changed returns the people with events in (from, to] and their highest seq there.
	Changed(ctx context.Context, from, to int64) (map[string]int64, error)
	// PersonEvents returns a person's events with seq in (from, to].
	PersonEvents(ctx context.Context, person string, from, to int64) ([]feature.RawEvent, error)
	// PeopleEvents returns each people[i]'s events with seq in (from[i],
	// to], as PersonEvents, in one read where the store gains by it (a
	// server a round trip away).
	PeopleEvents(ctx context.Context, people []string, from []int64, to int64) ([][]feature.RawEvent, error)
	// ScanEvents visits every person after `after` with their events up to `to`, in batches.
	ScanEvents(ctx context.Context, after string, to int64, fn func(people []feature.RawPerson, release func()) error) error
}

// rescoreChunk is how many people are scored and saved together: one
// transaction and one checkpoint per chunk. Each commit pays a WAL fsync
// (and now and then a checkpoint): 5,000 a chunk rescored a million people
// in 25.7 s where 2,000 took 29.7 s.
const rescoreChunk = 5000

type chunk struct {
	seq    int
	people []string
	// One of: typed events (no StateStore), raw events (a rebuild), or the
	// stored snapshots (State nil: none) with each person's latest seq in
	// the ledger's tail (0: no event since the coverage position).
	events  [][]sesame.Event
	raw     []feature.RawPerson
	release func()
	snaps   []feature.Snapshot
	latest  []int64
	// Results.
	scores   []*sesame.Score
	prepared sesame.PreparedScores // the scores encoded, when the store is a ChunkSaver
	save     []feature.Snapshot
	refolded int
}

// RescoreAll scores every person in the ledger as of now with the active
// model and stores the scores. People are read in id order and saved in
// chunks; after each chunk the last person saved is checkpointed, so an
// interrupted rescore resumes where it stopped.
//
// With a StateStore, features come from each person's stored snapshot:
// only people with events since their snapshot (or without a current one)
// are folded again, from their snapshot forward or from the ledger. The
// first rescore (or Rebuild, or a new feature.SnapshotVersion) folds every
// person from the raw ledger and writes the snapshots.
func (s *Service) RescoreAll(ctx context.Context, opt RescoreOptions) (RescoreStats, error) {
	start := time.Now()
	e, err := s.Engine(ctx)
	if err != nil {
		return RescoreStats{}, err
	}
	if err := s.loadCoverage(ctx); err != nil {
		return RescoreStats{}, err
	}
	if opt.Job == "" {
		opt.Job = "rescore"
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	checkpoint := ""
	if opt.Fresh {
		if err := s.Scores.SaveCheckpoint(ctx, opt.Job, ""); err != nil {
			return RescoreStats{}, err
		}
	} else if checkpoint, err = s.Scores.Checkpoint(ctx, opt.Job); err != nil {
		return RescoreStats{}, err
	}
	prof := s.featureProfiler()
	states := s.States
	if prof == nil {
		states = nil // snapshots hold the catalogue's state: no use to another profiler
	}
	// A checkpoint is "person" or, for a snapshot rescore, "person\x00seq"
	// with the ledger position the job started at, which is how far the
	// whole job can vouch for the snapshots it did not rewrite.
	var carried rangeTally
	if opt.Ranged {
		checkpoint, carried = splitRangeCheckpoint(checkpoint)
	}
	after, jobStart := checkpoint, int64(0)
	if i := strings.LastIndexByte(checkpoint, 0); i >= 0 {
		after = checkpoint[:i]
		jobStart, _ = strconv.ParseInt(checkpoint[i+1:], 10, 64)
	}
	if after == "" && opt.Ranged {
		after = opt.After
	}
	stats := RescoreStats{ResumedAfter: after, ModelVersion: e.Version(), Mode: "events"}
	drift := e.model.NewDrift()
	if carried.People > 0 {
		// A resumed range goes on from what its earlier attempts counted.
		stats.People, stats.Scored, stats.Insufficient = carried.People, carried.Scored, carried.Insufficient
		if carried.Model != e.Version() || drift.AddTally(carried.Drift) != nil {
			s.log().Warn("rescore: a resumed range's drift counts were taken with another model; its drift covers only the rest", "job", opt.Job, "model_version", carried.Model)
		}
	}

	var ledgerEnd, coverage int64
	rebuild := opt.Rebuild
	if states != nil {
		// The position first, then the time: every event up to the
		// position was recorded before the as-of time.
		if ledgerEnd, err = states.LedgerEnd(ctx); err != nil {
			return stats, err
		}
		version, through, ok, err := states.Coverage(ctx)
		if err != nil {
			return stats, err
		}
		if !ok || version != feature.SnapshotVersion {
			rebuild = true
		}
		coverage = through
		stats.Mode, stats.LedgerPosition = "snapshots", ledgerEnd
		if rebuild {
			stats.Mode = "rebuild"
		}
		if jobStart == 0 {
			jobStart = ledgerEnd
		}
	}
	asOf := s.now()
	asOfNanos := asOf.UnixNano()
	selfAdded := map[string]bool{}
	if s.Additions != nil {
		people, err := s.Additions.PeopleWithAdditions(ctx)
		if err != nil {
			return stats, err
		}
		for _, p := range people {
			selfAdded[p] = true
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	todo := make(chan *chunk, opt.Workers*2)
	done := make(chan *chunk, opt.Workers*2)
	failed := make(chan error, opt.Workers+1)

	// Scorers: features and score for each person of a chunk.
	var wg sync.WaitGroup
	for w := 0; w < opt.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := &folder{svc: s, states: states, e: e, prof: prof, st: feature.NewState(), asOf: asOf, asOfNanos: asOfNanos, end: ledgerEnd, selfAdded: selfAdded}
			for c := range todo {
				if err := f.do(ctx, c); err != nil {
					failed <- err
					cancel()
					return
				}
				select {
				case done <- c:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	// Saver: store chunks in scan order so the checkpoint only ever moves
	// past people whose scores are durable.
	saveErr := make(chan error, 1)
	shadow := s.challenger(ctx)
	go func() {
		pending := map[int]*chunk{}
		next := 0
		for c := range done {
			pending[c.seq] = c
			for {
				c, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				// States first: the checkpoint (and the coverage it leads
				// to) must never pass a person whose state is not stored.
				if len(c.save) > 0 {
					if err := states.SaveStates(ctx, c.save); err != nil {
						saveErr <- fmt.Errorf("rescore: save feature states: %w", err)
						cancel()
						return
					}
				}
				// Counted before the save: a range's checkpoint carries its
				// counts so far, so a resumed range reports its whole population.
				for _, sc := range c.scores {
					e.countDrift(drift, sc)
					stats.People++
					if sc.Status == sesame.StatusScored {
						stats.Scored++
					} else {
						stats.Insufficient++
					}
				}
				pos := c.people[len(c.people)-1]
				if states != nil {
					pos += "\x00" + strconv.FormatInt(jobStart, 10)
				}
				if opt.Ranged {
					pos = joinRangeCheckpoint(rangeTally{Model: e.Version(), People: stats.People, Scored: stats.Scored, Insufficient: stats.Insufficient, Drift: drift.Tally()}, pos)
				}
				if err := s.saveChunk(ctx, c, opt.Job, pos); err != nil {
					saveErr <- err
					cancel()
					return
				}
				s.scoreShadow(ctx, shadow, c.scores)
				stats.Refolded += c.refolded
				if s.Metrics != nil {
					s.Metrics.ScoresComputed(len(c.scores))
				}
				if opt.Progress != nil {
					opt.Progress(stats.People)
				}
			}
		}
		saveErr <- nil
	}()

	// Reader: hands out people in id order.
	seq := 0
	send := func(c *chunk) error {
		if len(c.people) == 0 {
			return nil
		}
		c.seq = seq
		seq++
		select {
		case todo <- c:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var scanErr error
	switch {
	case states == nil:
		scanErr = s.readEvents(ctx, after, opt.Through, asOf, send)
	case rebuild:
		scanErr = states.ScanEvents(ctx, after, ledgerEnd, func(people []feature.RawPerson, release func()) error {
			var end error
			if opt.Through != "" {
				k, _ := slices.BinarySearchFunc(people, opt.Through, func(p feature.RawPerson, t string) int { return strings.Compare(string(p.Person), t) })
				if k < len(people) && string(people[k].Person) == opt.Through {
					k++
				}
				if k < len(people) {
					people, end = people[:k], errRangeEnd
				}
				if len(people) == 0 {
					release()
					return end
				}
			}
			c := &chunk{raw: people, release: release, people: make([]string, len(people))}
			for i := range people {
				c.people[i] = string(people[i].Person)
			}
			if err := send(c); err != nil {
				return err
			}
			return end
		})
		if errors.Is(scanErr, errRangeEnd) {
			scanErr = nil
		}
	default:
		scanErr = readSnapshots(ctx, states, after, opt.Through, coverage, ledgerEnd, send)
	}
	close(todo)
	err = <-saveErr
	select {
	case werr := <-failed:
		if err == nil {
			err = fmt.Errorf("rescore: %w", werr)
		}
	default:
	}
	if err == nil && scanErr != nil && !errors.Is(scanErr, context.Canceled) {
		err = fmt.Errorf("rescore: scan: %w", scanErr)
	}
	if err == nil && scanErr != nil {
		err = scanErr
	}
	if err == nil && opt.Ranged {
		t := drift.Tally()
		stats.Drift = &t
		stats.Elapsed = time.Since(start)
		return stats, nil
	}
	if err == nil && states != nil {
		// Every person has now been brought to jobStart or beyond.
		err = states.SaveCoverage(context.WithoutCancel(ctx), feature.SnapshotVersion, jobStart)
	}
	if err == nil {
		// Finished: the next rescore starts from the beginning.
		err = s.Scores.SaveCheckpoint(context.WithoutCancel(ctx), opt.Job, "")
	}
	if err == nil && after == "" {
		// A whole population, not a resumed remainder: its drift stands.
		s.setDrift(e.version, drift.Drift())
	}
	stats.Elapsed = time.Since(start)
	return stats, err
}

// readEvents reads typed events with the Scanner, for stores without states.
func (s *Service) readEvents(ctx context.Context, after, through string, asOf time.Time, send func(*chunk) error) error {
	cur := &chunk{}
	err := s.Scanner.ScanPeople(ctx, after, asOf, func(person string, events []sesame.Event) error {
		if through != "" && person > through {
			return errRangeEnd
		}
		cur.people = append(cur.people, person)
		cur.events = append(cur.events, append([]sesame.Event(nil), events...))
		if len(cur.people) == rescoreChunk {
			c := cur
			cur = &chunk{}
			return send(c)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRangeEnd) {
		return err
	}
	return send(cur)
}

// readSnapshots walks the stored snapshots in person order, merged with the
// people who have events since the coverage position but no snapshot.
func readSnapshots(ctx context.Context, states StateStore, after, through string, coverage, end int64, send func(*chunk) error) error {
	changed, err := states.Changed(ctx, coverage, end)
	if err != nil {
		return err
	}
	// People with new events, in order: those without a snapshot are met
	// between snapshots and scored from the ledger.
	fresh := make([]string, 0, len(changed))
	for p := range changed {
		if p > after && (through == "" || p <= through) {
			fresh = append(fresh, p)
		}
	}
	slices.Sort(fresh)
	cur := &chunk{}
	add := func(sn feature.Snapshot) error {
		if through != "" && sn.Person > through {
			return errRangeEnd
		}
		cur.people = append(cur.people, sn.Person)
		cur.snaps = append(cur.snaps, sn)
		cur.latest = append(cur.latest, changed[sn.Person])
		if len(cur.people) == rescoreChunk {
			c := cur
			cur = &chunk{}
			return send(c)
		}
		return nil
	}
	next := 0
	err = states.ScanStates(ctx, after, func(batch []feature.Snapshot) error {
		for _, sn := range batch {
			for ; next < len(fresh) && fresh[next] <= sn.Person; next++ {
				if fresh[next] < sn.Person {
					if err := add(feature.Snapshot{Person: fresh[next]}); err != nil {
						return err
					}
				}
			}
			if err := add(sn); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errRangeEnd) {
		return send(cur)
	}
	if err != nil {
		return err
	}
	for ; next < len(fresh); next++ {
		if err := add(feature.Snapshot{Person: fresh[next]}); err != nil {
			return err
		}
	}
	return send(cur)
}

// folder scores the people of chunks on one worker, with its own State.
type folder struct {
	svc       *Service
	states    StateStore
	e         *Engine
	prof      *feature.Profiler
	st        *feature.State
	asOf      time.Time
	asOfNanos int64
	end       int64 // ledger position read up to
	// selfAdded is who keeps an addition to their record, read once at the
	// start: only they are scored again with them (additions.go).
	selfAdded map[string]bool
}

func (f *folder) do(ctx context.Context, c *chunk) error {
	c.scores = make([]*sesame.Score, len(c.people))
	switch {
	case c.events != nil:
		for i, p := range c.people {
			c.scores[i] = f.e.Score(p, c.events[i], f.asOf)
		}
		c.events = nil
	case c.raw != nil:
		c.save = make([]feature.Snapshot, len(c.people))
		for i := range c.raw {
			f.st.Reset()
			horizon, err := f.st.FoldRaw(c.raw[i].Events, f.asOfNanos)
			if err != nil {
				return fmt.Errorf("person %s: %w", c.people[i], err)
			}
			c.save[i] = f.snapshot(c.people[i], horizon)
			c.scores[i] = f.score(c.people[i])
		}
		c.refolded = len(c.raw)
		c.raw = nil
		c.release()
	default:
		// The events of everyone to refold, read together.
		var need []string
		var from []int64
		at := make([]int, len(c.snaps))
		for i := range c.snaps {
			at[i] = -1
			if fetch, f0 := f.needs(&c.snaps[i], c.latest[i]); fetch {
				at[i] = len(need)
				need, from = append(need, c.people[i]), append(from, f0)
			}
		}
		var read [][]feature.RawEvent
		if len(need) > 0 {
			var err error
			if read, err = f.states.PeopleEvents(ctx, need, from, f.end); err != nil {
				return err
			}
		}
		for i := range c.snaps {
			var events []feature.RawEvent
			fetchedFrom := int64(-1)
			if at[i] >= 0 {
				events, fetchedFrom = read[at[i]], from[at[i]]
			}
			write, horizon, err := f.bringUp(ctx, &c.snaps[i], events, fetchedFrom)
			if err != nil {
				return err
			}
			if write {
				c.save = append(c.save, f.snapshot(c.people[i], horizon))
				c.refolded++
			}
			c.scores[i] = f.score(c.people[i])
		}
		c.snaps = nil
	}
	if err := f.svc.applyAdditions(ctx, f.e, c.scores, f.selfAdded); err != nil {
		return err
	}
	p, err := f.svc.Scores.PrepareScores(c.scores)
	if err != nil {
		return err
	}
	c.prepared = p
	return nil
}

// saveChunk stores a chunk's scores and moves the job's checkpoint past it,
// in one transaction.
func (s *Service) saveChunk(ctx context.Context, c *chunk, job, pos string) error {
	if err := s.Scores.SaveChunk(ctx, c.prepared, job, pos); err != nil {
		return fmt.Errorf("rescore: save: %w", err)
	}
	return nil
}

// bringUp loads into f.st the person's state as of f.asOf with everything
// up to f.end: straight from a current snapshot, else by folding forward
// from the snapshot the events since it, else by folding all their events.
// write says the state is new and should be stored, with this horizon.
// needs reports whether bringUp will read the person's events, and from
// which ledger position, so that a chunk's reads go together.
func (f *folder) needs(sn *feature.Snapshot, latest int64) (fetch bool, from int64) {
	if sn.State != nil && sn.Current(f.asOfNanos, latest) {
		return false, 0
	}
	if f.usable(sn) {
		return true, sn.Seq
	}
	return true, 0
}

func (f *folder) usable(sn *feature.Snapshot) bool {
	return sn.State != nil && sn.Version == feature.SnapshotVersion && sn.FoldedAt <= f.asOfNanos && f.asOfNanos <= sn.Horizon && sn.Seq <= f.end
}

// bringUpAlone is bringUp reading the person's events by itself.
func (f *folder) bringUpAlone(ctx context.Context, sn *feature.Snapshot, latest int64) (write bool, horizon int64, err error) {
	fetch, from := f.needs(sn, latest)
	if !fetch {
		return f.bringUp(ctx, sn, nil, -1)
	}
	events, err := f.states.PersonEvents(ctx, sn.Person, from, f.end)
	if err != nil {
		return false, 0, err
	}
	return f.bringUp(ctx, sn, events, from)
}

// bringUp leaves the person's state as of f.asOf in f.st. events are the
// person's events read from ledger position fetchedFrom, as needs asked
// (-1: none were read); a snapshot that then fails to decode is refolded
// from the ledger with a read of its own.
func (f *folder) bringUp(ctx context.Context, sn *feature.Snapshot, events []feature.RawEvent, fetchedFrom int64) (write bool, horizon int64, err error) {
	if fetchedFrom < 0 && f.st.UnmarshalBinary(sn.State) == nil {
		return false, sn.Horizon, nil
	}
	from, horizon := int64(0), int64(math.MaxInt64)
	if fetchedFrom > 0 && f.st.UnmarshalBinary(sn.State) == nil {
		from, horizon = sn.Seq, sn.Horizon
	} else {
		f.st.Reset()
	}
	if from != fetchedFrom {
		if events, err = f.states.PersonEvents(ctx, sn.Person, from, f.end); err != nil {
			return false, 0, err
		}
	}
	h, err := f.st.FoldRaw(events, f.asOfNanos)
	if err != nil {
		return false, 0, fmt.Errorf("person %s: %w", sn.Person, err)
	}
	return true, min(horizon, h), nil
}

func (f *folder) snapshot(person string, horizon int64) feature.Snapshot {
	b, _ := f.st.AppendBinary(nil)
	return feature.Snapshot{Person: person, Version: feature.SnapshotVersion, Seq: f.end, FoldedAt: f.asOfNanos, Horizon: horizon, State: b}
}

func (f *folder) score(person string) *sesame.Score {
	v, missing, dataAsOf := f.prof.ProfileState(f.st, f.asOf)
	return f.e.ScoreProfile(person, Profile{Values: v, Missing: missing, DataAsOf: dataAsOf}, f.asOf)
}

// featureProfiler is the catalogue's profiler when the service scores with
// it: the only one whose state a snapshot holds.
func (s *Service) featureProfiler() *feature.Profiler {
	if fp, ok := s.Profiler.(FeatureProfiler); ok && fp.P != nil {
		return fp.P
	}
	return nil
}

// rescoreState tracks the background rescore that follows a model activation.
type rescoreState struct {
	mu      sync.Mutex
	running bool
	version string
	done    int
	started time.Time
	lastErr string
	stats   *RescoreStats
}

// RescoreStatus is what operators see of the background rescore.
type RescoreStatus struct {
	Running      bool          `json:"running"`
	ModelVersion string        `json:"model_version,omitempty"`
	Done         int           `json:"people_done"`
	StartedAt    time.Time     `json:"started_at,omitzero"`
	LastError    string        `json:"last_error,omitempty"`
	Last         *RescoreStats `json:"last,omitempty"`
}

// Status reports the background rescore: with Runs, the deployment's.
func (s *Service) Status() RescoreStatus {
	if s.Runs != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		st, err := s.Runs.RunStatus(ctx)
		if err != nil {
			return RescoreStatus{LastError: "the rescore queue cannot be read now"}
		}
		return st
	}
	r := &s.rescore
	r.mu.Lock()
	defer r.mu.Unlock()
	return RescoreStatus{Running: r.running, ModelVersion: r.version, Done: r.done, StartedAt: r.started, LastError: r.lastErr, Last: r.stats}
}

// Activate makes version the active model, swaps the engine and starts a
// background rescore of everyone with it. Reads keep serving the stored
// scores (each says its model version) until their person is rescored.
func (s *Service) Activate(ctx context.Context, version string) error {
	if err := s.Models.ActivateModel(ctx, version); err != nil {
		return err
	}
	if _, err := s.Load(ctx); err != nil {
		return err
	}
	s.startRescore(context.WithoutCancel(ctx), "activation")
	return nil
}

// RunQueue starts deployment-wide full rescores (Rescorer.Enqueue).
type RunQueue interface {
	Enqueue(ctx context.Context, reason string) (int64, error)
	// RunStatus reports the deployment's latest run and last finished one.
	RunStatus(ctx context.Context) (RescoreStatus, error)
	// RunDrift returns the drift measured over the newest finished run
	// that has one; ok is false when none has.
	RunDrift(ctx context.Context) (version string, d model.Drift, ok bool, err error)
}

// StartRescore runs RescoreAll in the background unless one is running;
// with Runs, it queues a run of the whole deployment instead.
func (s *Service) StartRescore(ctx context.Context) bool {
	return s.startRescore(ctx, "operator")
}

func (s *Service) startRescore(ctx context.Context, reason string) bool {
	if s.Runs != nil {
		if _, err := s.Runs.Enqueue(ctx, reason); err != nil {
			s.log().Error("rescore: queue a run", "reason", reason, "err", err)
			return false
		}
		return true
	}
	r := &s.rescore
	r.mu.Lock()
	if r.running {
		r.mu.Unlock()
		return false
	}
	e := s.engine.Load()
	r.running, r.done, r.started, r.lastErr = true, 0, time.Now(), ""
	if e != nil {
		r.version = e.Version()
	}
	r.mu.Unlock()
	go func() {
		stats, err := s.RescoreAll(ctx, RescoreOptions{Job: "rescore:" + r.version, Progress: func(n int) {
			r.mu.Lock()
			r.done = n
			r.mu.Unlock()
		}})
		r.mu.Lock()
		r.running = false
		if err != nil {
			r.lastErr = err.Error()
			s.log().Error("background rescore failed", "err", err)
		} else {
			r.stats = &stats
			s.log().Info("background rescore finished", "people", stats.People, "elapsed", stats.Elapsed)
		}
		r.mu.Unlock()
	}()
	return true
}
