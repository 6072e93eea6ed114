package main

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/sesame-credit/sesame/score"
	"github.com/sesame-credit/sesame/simulate"
	"github.com/sesame-credit/sesame/sqlite"
)

// `sesame demo`: the whole platform on the embedded default in one command —
// a simulated population in a SQLite file, a model trained on it, everyone
// scored, and the server in demo mode. Each step is the same command an
// operator would run by hand (simulate, dataset build, model train, model
// register, rescore, serve); this file only strings them together.

func init() {
	register(&command{name: "demo", summary: "simulate a population, train a model, score everyone and serve (demo mode)", run: runDemo})
}

// demoDB is where the demo keeps its database unless --db says otherwise.
// SESAME_DB is deliberately not read: it names the operator's real
// database, and the demo lets anyone log in as anyone.
const demoDB = "./sesame-demo.db"

func runDemo(ctx context.Context, args []string) error {
	fs := newFlags("demo", "[--db PATH] [--people N] [--history N] [--seed S] [--addr HOST:PORT]")
	db := fs.String("db", demoDB, "demo database `PATH`: a SQLite file the demo creates and marks as a demo (kept between runs; delete it to start over). SESAME_DB is ignored, and a file the demo did not create is refused")
	people := fs.Int("people", 5000, "people to simulate")
	seed := fs.Uint64("seed", 1, "simulation seed")
	addr := fs.String("addr", envOr("SESAME_ADDR", "127.0.0.1:8080"), "listen on `HOST:PORT`")
	history := fs.Int("history", 200, "backfill 24 monthly scores for the first `N` people (0: none), so that their history chart shows a line")
	token := fs.String("operator-token", envOr("SESAME_OPERATOR_TOKEN", "demo-operator-token"), "operator bearer `TOKEN` for the printed examples")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	start := time.Now()
	step := func(what string) {
		fmt.Fprintf(os.Stderr, "demo: %s (%s)\n", what, time.Since(start).Round(100*time.Millisecond))
	}
	if isPostgresURL(*db) {
		return errors.New("demo: --db names a PostgreSQL database; the demo runs only on a SQLite file it creates itself, so give a new file path")
	}

	fresh := true
	switch err := sqlite.CheckDemo(*db); {
	case errors.Is(err, iofs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("%w; the demo lets anyone log in as anyone, so it runs only on a database it created: give --db a path that does not exist yet", err)
	default:
		svc, st, err := openScoreService(ctx, *db)
		if err != nil {
			return err
		}
		_, _, active := svc.Models.ActiveModel(ctx)
		st.Close()
		fresh = active == nil
		if !fresh {
			step("reusing " + *db + " (it has an active model; delete the file to start over)")
		} else {
			// An earlier demo stopped before training: the file is the demo's own.
			step("starting " + *db + " over (an earlier demo stopped before it had a model)")
			for _, f := range sqlite.Files(*db) {
				if err := os.Remove(f); err != nil && !errors.Is(err, iofs.ErrNotExist) {
					return err
				}
			}
		}
	}
	if fresh {
		if err := buildDemoHistory(ctx, *db, *people, min(*history, *people), *seed, step); err != nil {
			return err
		}
	}
	// "Ready" and the URLs are printed only once the server answers, so that
	// nobody follows a link to a port that is not bound yet (or never will
	// be, when it is taken).
	served := make(chan error, 1)
	go func() {
		served <- runServe(ctx, []string{"--db", *db, "--addr", *addr, "--demo", "--operator-token", *token, "--log-format", "text"})
	}()
	base := "http://" + *addr
	if err := waitHealthy(ctx, base+"/healthz", served); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return <-served // asked to stop before or as it became ready
	}
	person := simulate.PersonID(1)
	fmt.Printf(`
Sesame demo is ready (%s). DEMO MODE: anyone can log in as anyone; the data is simulated.

  Portal (log in as any simulated person, e.g. %s):  %s/portal/
    by e-mail or phone too: %s, %s, … (the link shows on screen)
    the first %d people (p00000001 on) have 24 months of monthly scores;
    its benefits page lists every product, fast review and the social badge included;
    /portal/record adds to a person's record through the simulated vouching source
  API description:                                   %s/openapi.json
  Metrics (with the operator token):                 %s/metrics

Try:
  curl -s -H 'Authorization: Bearer %s' %s/v1/people/%s/score
  curl -s -H 'Authorization: Bearer %s' %s/v1/people/%s/score/history
  curl -s -H 'Authorization: Bearer %s' %s/v1/people/%s/tips
  curl -s -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \
       -d '{"features":{"utilisation_now":0.1}}' %s/v1/people/%s/score/what-if
  curl -s -H 'Authorization: Bearer %s' %s/v1/people/%s/events?limit=5
  go run ./cmd/sesame score --db %s %s

`, time.Since(start).Round(100*time.Millisecond), person, base, demoEmail(1), demoPhone(1), min(*history, *people), base, base,
		*token, base, person, *token, base, person, *token, base, person, *token, base, person, *token, base, person, *db, person)
	return <-served
}

// waitHealthy polls url until it answers 200, or returns serve's error if
// the server stops first.
func waitHealthy(ctx context.Context, url string, served chan error) error {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-served:
			if err == nil {
				err = errors.New("the server stopped before it was ready")
			}
			return err
		case <-ctx.Done():
			// Serve's answer stays for the caller, who waits for it.
			err := <-served
			served <- err
			return nil
		case <-tick.C:
			resp, err := client.Get(url)
			if err != nil {
				continue
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
}

// buildDemo makes the demo database from nothing: a simulated population,
// the training set as of a year before the histories end, the additive
// model trained on it (sensitive attributes withheld, declared directions
// enforced), registered, activated, and everyone scored. The demo's
// acceptance test builds the same population through it.
func buildDemo(ctx context.Context, db string, people int, seed uint64, step func(string)) error {
	return buildDemoHistory(ctx, db, people, 0, seed, step)
}

// buildDemoHistory is buildDemo that also stores 24 monthly scores for the
// first history people before scoring everyone today.
func buildDemoHistory(ctx context.Context, db string, people, history int, seed uint64, step func(string)) error {
	if err := sqlite.CreateDemo(ctx, db); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// Histories end today, so that the demo's clock and its data agree:
	// scored now, nobody is judged on months the data does not have.
	end := time.Now().UTC().Truncate(24 * time.Hour)
	asOf := end.AddDate(-1, 0, 0)
	step(fmt.Sprintf("simulating %d people over the 24 months to %s into %s", people, end.Format(time.DateOnly), db))
	if err := runSimulate(ctx, []string{"--db", db, "--people", strconv.Itoa(people), "--seed", strconv.FormatUint(seed, 10), "--end", end.Format(time.DateOnly)}); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	dir, err := os.MkdirTemp("", "sesame-demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	train, modelFile := filepath.Join(dir, "train.csv"), filepath.Join(dir, "model.json")
	step("building the training set as of " + asOf.Format(time.DateOnly) + " with outcomes over the next 12 months")
	if err := runDatasetBuild(ctx, []string{"--db", db, "--as-of", asOf.Format(time.DateOnly), "--horizon", "12m", "--backfill", "--out", train}); err != nil {
		return fmt.Errorf("dataset build: %w", err)
	}
	step("training the additive model")
	// The rows describe the 12 months of history before the as-of date and
	// the 12 of outcomes after it: the model card says so.
	if err := runModelTrain(ctx, []string{"--data", train, "--label", "bad", "--exclude", "person", "--protected", "protected_sex", "--seed", "42",
		"--data-from", end.AddDate(-2, 0, 0).Format(time.DateOnly), "--data-to", end.Format(time.DateOnly), "--out", modelFile}); err != nil {
		return fmt.Errorf("model train: %w", err)
	}
	step("registering and activating it")
	if err := runModelRegister(ctx, []string{"--db", db, "--activate", "--note", "demo: simulated population", modelFile}); err != nil {
		return fmt.Errorf("model register: %w", err)
	}
	step("giving everyone a demo e-mail address and phone number to log in with")
	if err := addDemoContacts(ctx, db, people); err != nil {
		return fmt.Errorf("demo contacts: %w", err)
	}
	if history > 0 {
		step(fmt.Sprintf("scoring %d people as of each of the last 24 month ends", history))
		if err := backfillDemo(ctx, db, history); err != nil {
			return fmt.Errorf("history: %w", err)
		}
	}
	step("scoring everyone")
	if err := runRescore(ctx, []string{"--db", db, "--fresh"}); err != nil {
		return fmt.Errorf("rescore: %w", err)
	}
	return nil
}

// backfillDemo stores 24 monthly scores for the first n simulated people,
// before today's rescore so that today's score stays the latest.
func backfillDemo(ctx context.Context, db string, n int) error {
	svc, st, err := openScoreService(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	people := make([]string, n)
	for i := range people {
		people[i] = simulate.PersonID(i + 1)
	}
	_, err = svc.Backfill(ctx, people, score.MonthEnds(time.Now(), 24))
	return err
}
