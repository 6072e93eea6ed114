package main

import (
	"context"
	"errors"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/consent"
	sesamehttp "github.com/sesame-credit/sesame/http"
	"github.com/sesame-credit/sesame/policy"
	"github.com/sesame-credit/sesame/sqlite"
)

// trustOptions is what `sesame serve` passes to wireTrust.
type trustOptions struct {
	Scores  sesame.ScoreReader // the score service; nil: the embedded store's latest scores
	Demo    bool               // --demo
	BaseURL string             // --public-url, for approval links
}

// wireTrust builds partners, person sessions, consents, the access log and
// decisions on the store and serves their routes on srv (serve calls it
// before starting the server).
func wireTrust(ctx context.Context, srv *sesamehttp.Server, st *store, o trustOptions) error {
	if st.SQLite == nil {
		return errors.New("partners, consents and decisions live in the embedded SQLite store for now")
	}
	t, err := newTrust(ctx, st.SQLite, o)
	if err != nil {
		return err
	}
	srv.UseTrust(t)
	return nil
}

func newTrust(ctx context.Context, db *sqlite.DB, o trustOptions) (*sesamehttp.Trust, error) {
	scores := o.Scores
	if scores == nil {
		scores = db.Scores()
	}
	catalog, err := catalogOf(ctx, db)
	if err != nil {
		return nil, err
	}
	consents := &consent.Service{Store: db.Consents(), Partners: db.Partners()}
	gate := &consent.Gate{Consents: consents, Scores: scores, Audit: &audit.Recorder{Log: db.AccessLog()}}
	return &sesamehttp.Trust{
		Partners:  &auth.Partners{Store: db.Partners()},
		People:    &auth.People{Store: db.Sessions(), Demo: o.Demo},
		Consents:  consents,
		Gate:      gate,
		Decider:   &policy.Decider{Catalog: catalog, Gate: gate, Store: db.Decisions()},
		Decisions: db.Decisions(),
		AccessLog: db.AccessLog(),
		Scores:    scores,
		Demo:      o.Demo,
		BaseURL:   o.BaseURL,
	}, nil
}

// catalogOf is the shipped products with the uploaded ones over them.
func catalogOf(ctx context.Context, db *sqlite.DB) (*policy.Catalog, error) {
	up, err := db.Decisions().ActiveProducts(ctx)
	if err != nil {
		return nil, err
	}
	return policy.NewCatalog(up)
}

// sqliteOnly opens the store and insists on SQLite (the trust tables are there).
func sqliteOnly(ctx context.Context, dsn string) (*store, *sqlite.DB, error) {
	st, err := openStore(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	if st.SQLite == nil {
		st.Close()
		return nil, nil, errors.New("partners, consents, decisions and the access log live in the embedded SQLite store for now")
	}
	return st, st.SQLite, nil
}
