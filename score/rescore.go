package score

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/sesame-credit/sesame"
)

// RescoreOptions control a full rescore.
type RescoreOptions struct {
	// Job names the checkpoint; a rescore with the same job resumes after the
	// last person it saved. Default "rescore".
	Job string
	// Fresh ignores (and clears) an existing checkpoint.
	Fresh bool
	// Workers bounds parallel scoring (default: the number of CPUs).
	Workers int
	// Progress, if set, is called after each saved chunk with the people done so far.
	Progress func(done int)
}

// RescoreStats summarise a finished rescore.
type RescoreStats struct {
	People       int           `json:"people"`
	Scored       int           `json:"scored"`
	Insufficient int           `json:"insufficient_history"`
	ResumedAfter string        `json:"resumed_after,omitempty"`
	Elapsed      time.Duration `json:"elapsed_ns"`
	ModelVersion string        `json:"model_version"`
}

// rescoreChunk is how many people are scored and saved together: one
// transaction and one checkpoint per chunk.
const rescoreChunk = 2000

type chunk struct {
	seq    int
	people []string
	events [][]sesame.Event
	scores []*sesame.Score
}

// RescoreAll scores every person in the ledger as of now with the active
// model and stores the scores. People are read in id order and saved in
// chunks; after each chunk the last person saved is checkpointed, so an
// interrupted rescore resumes where it stopped.
func (s *Service) RescoreAll(ctx context.Context, opt RescoreOptions) (RescoreStats, error) {
	start := time.Now()
	e, err := s.Engine(ctx)
	if err != nil {
		return RescoreStats{}, err
	}
	if opt.Job == "" {
		opt.Job = "rescore"
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	after := ""
	if opt.Fresh {
		if err := s.Jobs.SaveCheckpoint(ctx, opt.Job, ""); err != nil {
			return RescoreStats{}, err
		}
	} else if after, err = s.Jobs.Checkpoint(ctx, opt.Job); err != nil {
		return RescoreStats{}, err
	}
	stats := RescoreStats{ResumedAfter: after, ModelVersion: e.Version()}
	asOf := s.now()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	todo := make(chan *chunk, opt.Workers*2)
	done := make(chan *chunk, opt.Workers*2)

	// Scorers: fold features and score each person of a chunk.
	var wg sync.WaitGroup
	for w := 0; w < opt.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range todo {
				c.scores = make([]*sesame.Score, len(c.people))
				for i, p := range c.people {
					c.scores[i] = e.Score(p, c.events[i], asOf)
				}
				c.events = nil
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
				if err := s.Scores.SaveScores(ctx, c.scores); err != nil {
					saveErr <- fmt.Errorf("rescore: save: %w", err)
					cancel()
					return
				}
				if err := s.Jobs.SaveCheckpoint(ctx, opt.Job, c.people[len(c.people)-1]); err != nil {
					saveErr <- fmt.Errorf("rescore: checkpoint: %w", err)
					cancel()
					return
				}
				for _, sc := range c.scores {
					stats.People++
					if sc.Status == sesame.StatusScored {
						stats.Scored++
					} else {
						stats.Insufficient++
					}
				}
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

	// Reader: the scan hands out people in id order.
	cur := &chunk{}
	seq := 0
	send := func() error {
		if len(cur.people) == 0 {
			return nil
		}
		cur.seq = seq
		seq++
		select {
		case todo <- cur:
		case <-ctx.Done():
			return ctx.Err()
		}
		cur = &chunk{}
		return nil
	}
	scanErr := s.Scanner.ScanPeople(ctx, after, asOf, func(person string, events []sesame.Event) error {
		cur.people = append(cur.people, person)
		cur.events = append(cur.events, append([]sesame.Event(nil), events...))
		if len(cur.people) == rescoreChunk {
			return send()
		}
		return nil
	})
	if scanErr == nil {
		scanErr = send()
	}
	close(todo)
	err = <-saveErr
	if err == nil && scanErr != nil && !errors.Is(scanErr, context.Canceled) {
		err = fmt.Errorf("rescore: scan: %w", scanErr)
	}
	if err == nil && scanErr != nil {
		err = scanErr
	}
	if err == nil {
		// Finished: the next rescore starts from the beginning.
		err = s.Jobs.SaveCheckpoint(context.WithoutCancel(ctx), opt.Job, "")
	}
	stats.Elapsed = time.Since(start)
	return stats, err
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

// Status reports the background rescore.
func (s *Service) Status() RescoreStatus {
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
	s.StartRescore(context.WithoutCancel(ctx))
	return nil
}

// StartRescore runs RescoreAll in the background unless one is running.
func (s *Service) StartRescore(ctx context.Context) bool {
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
