package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"log/slog"

	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/consent"
	sesamehttp "github.com/sesame-credit/sesame/http"
	"github.com/sesame-credit/sesame/policy"
	"github.com/sesame-credit/sesame/portal"
	"github.com/sesame-credit/sesame/record"
)

// portalOptions is what `sesame serve` passes to mountPortal: its flags and
// the score service it built.
type portalOptions struct {
	DBPath     string        // --db, to place the credential KEK file beside it
	KEKFile    string        // --kek-file ("" = DB.credential-kek)
	Scores     portal.Scores // the score service (score.Service)
	Demo       bool          // --demo: login links on screen
	BaseURL    string        // --public-url: where verify links point ("" = from each request)
	TrustProxy bool          // --trust-proxy: believe X-Forwarded-Proto
	// SecureCookies sets Secure on cookies even over plain HTTP (behind a
	// TLS-terminating proxy that sends no X-Forwarded-Proto).
	SecureCookies bool
	// Catalog is the products the Benefits page evaluates (nil: the shipped
	// ones and those uploaded, as partners' decisions see them).
	Catalog *policy.Catalog
	// Rescore rescores a person now (the score service); with it, people
	// may add to their own record from the portal.
	Rescore record.Scores
	Logger  *slog.Logger
	// Mail sends login links (--smtp-url); nil: people ask the operator
	// for one (sesame person login-link), or in demo mode see it on screen.
	Mail portal.Mailer
}

// mountPortal builds the person's portal on the store (SQLite or
// PostgreSQL) and mounts it on the server: /portal/…, /verify,
// /.well-known/jwks.json and / (a redirect). On PostgreSQL without a KEK
// named it returns errNoKEK.
func mountPortal(ctx context.Context, srv *sesamehttp.Server, st *store, o portalOptions) error {
	if o.Scores == nil {
		return errors.New("the portal needs the score service")
	}
	kek, err := loadKEK(o.KEKFile, o.DBPath)
	if err != nil {
		return err
	}
	creds, err := credentialService(st, kek, o.BaseURL)
	if err != nil {
		return err
	}
	// Also proves the KEK opens the stored keys: a wrong KEK fails here, at start.
	if err := creds.EnsureKey(ctx); err != nil {
		return err
	}
	ts := trustOf(st)
	people := &auth.People{Store: ts.Sessions, Contacts: ts.Contacts, Demo: o.Demo}
	cfg := portal.Config{
		Auth:          people,
		SignIn:        people,
		Mail:          o.Mail,
		Passkeys:      &auth.Passkeys{People: people, Store: ts.Passkeys},
		Account:       auth.Account{Contacts: people.Contacts, Sessions: people.Store, Passkeys: ts.Passkeys},
		Scores:        o.Scores,
		Events:        st.Events,
		Disputes:      st.Credentials(),
		DisputeStatus: st.Disputes(),
		Notices:       st.Outbox(),
		Decisions:     ts.Decisions,
		MailAddress:   st.Mail(),
		Eraser:        st.Eraser(),
		Consents:      portal.ConsentService{Service: &consent.Service{Store: ts.Consents, Partners: ts.Partners}, Partners: ts.Partners},
		AccessLog:     portal.AuditLog{Log: ts.AccessLog, Partners: ts.Partners},
		Credentials:   creds,
		BaseURL:       o.BaseURL,
		TrustProxy:    o.TrustProxy,
		Outage:        st.Unavailable,
		DemoMode:      o.Demo,
		// Derived from the KEK that every replica shares, so that a form
		// rendered by one replica posts to another.
		CSRFKey:            csrfKey(kek),
		ForceSecureCookies: o.SecureCookies,
		Log:                o.Logger,
	}
	if o.Catalog == nil {
		if o.Catalog, err = catalogFrom(ctx, ts.Decisions); err != nil {
			return err
		}
	}
	cfg.Benefits = portal.PolicyBenefits{Catalog: o.Catalog}
	cfg.Badges = ts.Record
	if o.Rescore != nil {
		cfg.Record = newRecordService(ts.Record, o.Rescore, o.Demo)
	}
	p, err := portal.New(cfg)
	if err != nil {
		return err
	}
	srv.Mount(p)
	return nil
}

// csrfKey derives the portal's CSRF signing key from the KEK (a separate
// key for a separate purpose: an HMAC of a fixed label).
func csrfKey(kek []byte) []byte {
	m := hmac.New(sha256.New, kek)
	m.Write([]byte("sesame portal csrf key v1"))
	return m.Sum(nil)
}
