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
	"github.com/sesame-credit/sesame/record"
	"github.com/sesame-credit/sesame/simulate"
	"github.com/sesame-credit/sesame/sqlite"
)

// trustOptions is what `sesame serve` passes to wireTrust.
type trustOptions struct {
	Scores sesame.ScoreReader // the score service; nil: the embedded store's latest scores
	// Rescore rescores a person now (the score service); with it, people
	// may add to their own record (POST /v1/me/additions).
	Rescore record.Scores
	Demo    bool   // --demo
	BaseURL string // --public-url, for approval links
	// Catalog is the products decisions evaluate (nil: the shipped ones and
	// those uploaded, read now).
	Catalog *policy.Catalog
}

// trustStores are the stores of partners and keys, sessions, consents,
// the access log and decisions on one database (SQLite or PostgreSQL:
// both pass the consenttest contract).
type trustStores struct {
	Partners  sesame.PartnerStore
	Sessions  auth.SessionStore
	Contacts  auth.ContactStore // people's e-mails and phones, to log in with
	Passkeys  auth.PasskeyStore
	Consents  sesame.ConsentStore
	AccessLog sesame.AccessLog
	Decisions sesame.DecisionStore
	// Scores reads the latest stored scores; nil where the engine has no
	// score store yet (PostgreSQL for now: serve passes its score service).
	Scores sesame.ScoreReader
	// Record holds badge choices and people's additions to their record.
	Record recordStore
	st     *store
}

// trustOf returns the trust stores of an open store.
func trustOf(st *store) *trustStores {
	if st.SQLite != nil {
		return sqliteTrust(st.SQLite, st)
	}
	pg := st.Postgres.Trust()
	return &trustStores{Partners: pg, Sessions: pg, Contacts: pg, Passkeys: pg, Consents: pg, AccessLog: pg, Decisions: pg, Record: st.Postgres.Record(), st: st}
}

func sqliteTrust(db *sqlite.DB, st *store) *trustStores {
	return &trustStores{Partners: db.Partners(), Sessions: db.Sessions(), Contacts: db.Sessions(), Passkeys: db.Sessions(), Consents: db.Consents(), AccessLog: db.AccessLog(),
		Decisions: db.Decisions(), Scores: db.Scores(), Record: db.Record(), st: st}
}

// openTrust opens the database named by dsn for a trust command.
func openTrust(ctx context.Context, dsn string) (*trustStores, error) {
	st, err := openStore(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return trustOf(st), nil
}

// Close closes the database.
func (t *trustStores) Close() error { return t.st.Close() }

// wireTrust builds partners, person sessions, consents, the access log and
// decisions on the store and serves their routes on srv (the serve part in
// serve_trust.go calls it before the server starts).
func wireTrust(ctx context.Context, srv *sesamehttp.Server, st *store, o trustOptions) error {
	t, err := newTrust(ctx, trustOf(st), o)
	if err != nil {
		return err
	}
	srv.UseTrust(t)
	return nil
}

func newTrust(ctx context.Context, ts *trustStores, o trustOptions) (*sesamehttp.Trust, error) {
	scores := o.Scores
	if scores == nil {
		scores = ts.Scores
	}
	if scores == nil {
		return nil, errors.New("partners' score reads need a score reader: none on this store yet")
	}
	catalog := o.Catalog
	if catalog == nil {
		var err error
		if catalog, err = catalogFrom(ctx, ts.Decisions); err != nil {
			return nil, err
		}
	}
	consents := &consent.Service{Store: ts.Consents, Partners: ts.Partners, ProductThresholds: catalog.ScoreThresholds}
	gate := &consent.Gate{Consents: consents, Scores: scores, Audit: &audit.Recorder{Log: ts.AccessLog}}
	return &sesamehttp.Trust{
		Partners:  &auth.Partners{Store: ts.Partners},
		People:    &auth.People{Store: ts.Sessions, Demo: o.Demo},
		Consents:  consents,
		Gate:      gate,
		Decider:   &policy.Decider{Catalog: catalog, Gate: gate, Store: ts.Decisions, Badges: ts.Record},
		Badges:    ts.Record,
		Record:    newRecordService(ts.Record, o.Rescore, o.Demo),
		Decisions: ts.Decisions,
		AccessLog: ts.AccessLog,
		Scores:    scores,
		Demo:      o.Demo,
		BaseURL:   o.BaseURL,
	}, nil
}

// VouchingSources are the sources a person may add to their record
// through. The simulator (simulate.Voucher) vouches for any account named
// to it, so it plays a source only in demo mode: on real data it would let
// anyone raise their score with made-up bills. A deployment adds its bill
// and registry connectors here.
func vouchingSources(demo bool) map[string]sesame.Voucher {
	if !demo {
		return map[string]sesame.Voucher{}
	}
	return map[string]sesame.Voucher{"simulated": simulate.Voucher{Late: 0.1}}
}

// newRecordService is the person's additions to their record, or nil when
// there is no score service to rescore them.
func newRecordService(store sesame.AdditionStore, scores record.Scores, demo bool) *record.Service {
	if scores == nil {
		return nil
	}
	return &record.Service{Store: store, Scores: scores, Vouchers: vouchingSources(demo)}
}

// catalogFrom is the shipped products with the uploaded ones over them.
func catalogFrom(ctx context.Context, decisions sesame.DecisionStore) (*policy.Catalog, error) {
	up, err := decisions.ActiveProducts(ctx)
	if err != nil {
		return nil, err
	}
	return policy.NewCatalog(up)
}
