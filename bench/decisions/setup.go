// Command decisions measures product decisions per second: the policy alone
// in process, the whole decision in process (consent check, access entry,
// score read, policy, stored decision), and POST /v1/partner/decisions
// over loopback HTTP with a closed-loop load generator. The population is
// synthetic scores in a fresh SQLite database, each person consenting to
// the benchmark partner.
//
//	go run ./bench/decisions -people 20000 -duration 5s -clients 16
//	go test ./bench/decisions -bench . -benchtime 3s
package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/consent"
	sesamehttp "github.com/sesame-credit/sesame/http"
	"github.com/sesame-credit/sesame/policy"
	"github.com/sesame-credit/sesame/sqlite"
)

// bench is a server and its parts on a populated database.
type bench struct {
	db      *sqlite.DB
	srv     *sesamehttp.Server
	decider *policy.Decider
	key     string
	people  []string
}

func personID(i int) string { return fmt.Sprintf("b%07d", i) }

// setup builds a database of n scored, consenting people in dir.
func setup(ctx context.Context, dir string, n int) (*bench, error) {
	db, err := sqlite.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC()
	b := &bench{db: db}
	partners := &auth.Partners{Store: db.Partners()}
	key, err := partners.Register(ctx, &sesame.Partner{ID: "bench-bank", Name: "Bench Bank", RatePerSecond: 1e5, Burst: 1e5})
	if err != nil {
		return nil, err
	}
	b.key = key
	var batch []*sesame.Score
	for i := range n {
		p := personID(i)
		b.people = append(b.people, p)
		s := 350 + rng.IntN(601)
		batch = append(batch, &sesame.Score{Person: p, Status: sesame.StatusScored, Score: s, Band: sesame.BandOf(s), ModelVersion: "bench", AsOf: now,
			Dimensions: []sesame.DimensionScore{{Dimension: sesame.CreditHistory, Score: s}, {Dimension: sesame.Fulfilment, Score: s}},
			Reasons:    []sesame.Reason{{Feature: "utilisation_now", Text: "High use of credit limits", PointsLost: 20}, {Feature: "income_verified", Text: "Income not verified", PointsLost: 9}},
			Features:   map[string]float64{"income_monthly": float64(3000 + rng.IntN(30000)), "income_verified": float64(rng.IntN(2)), "debt_to_income": rng.Float64()}})
		if len(batch) == 1000 || i == n-1 {
			if err := db.Scores().SaveScores(ctx, batch); err != nil {
				return nil, err
			}
			batch = batch[:0]
		}
	}
	// The consents in one transaction (the store's CreateConsent is one
	// durable transaction each: minutes for a large population).
	err = db.WriteTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO consents (id, person, partner, purpose, scope, granted_at, expires_at, request) VALUES (?,?,?,?,?,?,?,'')`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, p := range b.people {
			if _, err := st.ExecContext(ctx, "con_"+p, p, "bench-bank", string(sesame.PurposeLoan), string(sesame.ScopeScore), now.Add(-time.Hour).UnixNano(), now.Add(24*time.Hour).UnixNano()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	catalog, err := policy.NewCatalog(nil)
	if err != nil {
		return nil, err
	}
	consents := &consent.Service{Store: db.Consents(), Partners: db.Partners()}
	gate := &consent.Gate{Consents: consents, Scores: db.Scores(), Audit: &audit.Recorder{Log: db.AccessLog()}}
	b.decider = &policy.Decider{Catalog: catalog, Gate: gate, Store: db.Decisions()}
	b.srv = sesamehttp.NewServer(sesamehttp.Config{})
	b.srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	b.srv.UseTrust(&sesamehttp.Trust{Partners: partners, People: &auth.People{Store: db.Sessions()}, Consents: consents, Gate: gate,
		Decider: b.decider, Decisions: db.Decisions(), AccessLog: db.AccessLog(), Scores: db.Scores()})
	return b, nil
}

// request is the i-th decision asked for: a person and an amount.
func (b *bench) request(i int) (person string, amount float64) {
	return b.people[i%len(b.people)], float64(1000 + i%50000)
}
