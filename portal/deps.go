package portal

import (
	"context"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/record"
)

// The portal reads and changes a person's things through these interfaces;
// the packages that own the data implement them (score.Service, sqlite,
// auth, consent, policy) or small adapters do (see docs/portal.md). A nil
// dependency makes its page say "not available in this build" instead of failing.

// Auth authenticates people with passwordless login links and sessions.
type Auth interface {
	// Authenticate returns the person of a live session token, or an
	// EUNAUTHORIZED error.
	Authenticate(ctx context.Context, sessionToken string) (person string, err error)
	// RequestLoginLink starts a login for who (a person id or e-mail). It
	// returns the login token to show when the deployment has no mailer
	// (demo mode, said plainly on the page), or "" when it was sent.
	RequestLoginLink(ctx context.Context, who string) (demoToken string, err error)
	// RedeemLoginLink exchanges a login token (once) for a session token.
	RedeemLoginLink(ctx context.Context, loginToken string) (sessionToken string, expires time.Time, err error)
	// Logout ends the session.
	Logout(ctx context.Context, sessionToken string) error
}

// Scores gives the person's own score, its history and what-if answers.
// score.Service implements it.
type Scores interface {
	LatestScore(ctx context.Context, person string) (*sesame.Score, error)
	History(ctx context.Context, person string, limit int) ([]sesame.ScorePoint, error)
	// HistoryBefore pages on from a point (seq; 0: the newest): the export
	// reads the whole history.
	HistoryBefore(ctx context.Context, person string, before int64, limit int) ([]sesame.ScorePoint, error)
	WhatIf(ctx context.Context, person string, changes map[string]float64) (now, then *sesame.Score, err error)
}

// Events reads the person's ledger. sesame.EventStore implements it.
type Events interface {
	Events(ctx context.Context, f sesame.EventFilter) (sesame.EventPage, error)
}

// Disputes records the events a person disputes. The CredentialStore of
// package sqlite and of package postgres implement it.
type Disputes interface {
	DisputeEvent(ctx context.Context, person string, key sesame.EventKey, reason string, at time.Time) error
	DisputedEvents(ctx context.Context, person string) (map[sesame.EventKey]time.Time, error)
}

// Record lets the person add to their own record through a vouching
// source and remove what they added. record.Service implements it.
type Record interface {
	Sources() []string
	List(ctx context.Context, person string) ([]*sesame.Addition, error)
	Add(ctx context.Context, person string, req sesame.AdditionRequest) (*record.Change, error)
	Remove(ctx context.Context, person, id string) (*record.Change, error)
}

// DisputeReader lists a person's disputes with where each stands, a page
// at a time (sesame.DisputeStore has it).
type DisputeReader interface {
	DisputesAfter(ctx context.Context, person, source string, after sesame.Position, limit int) ([]sesame.Dispute, error)
}

// allDisputes reads every dispute of the person's, newest first, a page at
// a time: a person disputes at most their own events, and the portal shows
// each event's dispute and exports them all.
func allDisputes(ctx context.Context, r DisputeReader, person string) ([]sesame.Dispute, error) {
	return readPages(500, func(after sesame.Position, n int) ([]sesame.Dispute, error) {
		return r.DisputesAfter(ctx, person, "", after, n)
	}, func(d sesame.Dispute) sesame.Position { return d.Position() })
}

// readPages reads a list to its end, size items a page, each page after
// the position next gives of the last item of the one before; it is never
// nil.
func readPages[T, P any](size int, read func(after P, n int) ([]T, error), next func(T) P) ([]T, error) {
	out := []T{}
	var after P
	for {
		page, err := read(after, size)
		if err != nil {
			return out, err
		}
		out = append(out, page...)
		if len(page) < size {
			return out, nil
		}
		after = next(page[len(page)-1])
	}
}

// MailAddressReader gives the address a recipient's notices are mailed to
// ("" when none; sesame.MailStore has it).
type MailAddressReader interface {
	MailAddress(ctx context.Context, recipient string) (string, error)
}

// DecisionReader lists the decisions partners made about a person, newest
// first (sesame.DecisionStore has it).
type DecisionReader interface {
	DecisionsAboutAfter(ctx context.Context, person string, after sesame.Position, limit int) ([]*sesame.Decision, error)
}

// NoticeReader lists a recipient's notices, newest first (sesame.Outbox
// has it); NoticesAfter pages on from the last one read.
type NoticeReader interface {
	Notices(ctx context.Context, recipient string, limit int) ([]sesame.Notice, error)
	NoticesAfter(ctx context.Context, recipient string, after sesame.Position, limit int) ([]sesame.Notice, error)
}

// Consent is a live grant of a person to a partner, as the portal shows it.
type Consent struct {
	ID          string    `json:"id"`
	Partner     string    `json:"partner"`
	PartnerName string    `json:"partner_name"`
	Purpose     string    `json:"purpose"`
	Scope       string    `json:"scope"`                // threshold | score | full
	Thresholds  []int     `json:"thresholds,omitempty"` // threshold scope: the only scores the partner may ask about
	GrantedAt   time.Time `json:"granted_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	RevokedAt   time.Time `json:"revoked_at,omitzero"`
}

// ConsentRequest is a partner's pending request for a consent.
type ConsentRequest struct {
	ID          string    `json:"id"`
	Partner     string    `json:"partner"`
	PartnerName string    `json:"partner_name"`
	Purpose     string    `json:"purpose"`
	Scope       string    `json:"scope"`
	Thresholds  []int     `json:"thresholds,omitempty"`
	RequestedAt time.Time `json:"requested_at"`
	ExpiresAt   time.Time `json:"expires_at"` // of the consent, if approved
	Status      string    `json:"status"`     // pending, approved, declined, expired
}

// Consents lists and changes the person's consents and pending requests.
// Every method acts only on the given person's own records (ENOTFOUND otherwise).
type Consents interface {
	ActiveConsents(ctx context.Context, person string) ([]Consent, error)
	// AllConsents is every consent the person ever gave, revoked and
	// expired ones too, and AllRequests every request partners sent them,
	// answered ones too: the export holds them all.
	AllConsents(ctx context.Context, person string) ([]Consent, error)
	AllRequests(ctx context.Context, person string) ([]ConsentRequest, error)
	PendingRequests(ctx context.Context, person string) ([]ConsentRequest, error)
	RevokeConsent(ctx context.Context, person, id string) error
	// Request returns one request the person may answer (a partner's
	// approval link names it), whatever its status.
	Request(ctx context.Context, person, id string) (ConsentRequest, error)
	// AnswerRequest approves or declines a pending request and returns
	// where the partner asked the person's browser to be sent back ("" if nowhere).
	AnswerRequest(ctx context.Context, person, id string, approve bool) (redirect string, err error)
}

// AccessEntry is one look at the person's data by someone else.
type AccessEntry struct {
	At      time.Time `json:"at"`
	Partner string    `json:"partner"`
	Scope   string    `json:"scope"`
	Purpose string    `json:"purpose"`
	Outcome string    `json:"outcome"` // e.g. allowed, denied
	// Actor is who acted as the log records it ("partner:ID",
	// "operator:NAME", "cli:NAME", …) and Action what they did
	// ("score.read", …): the page says both in words (Locale.Who, Why).
	Actor  string `json:"actor,omitempty"`
	Action string `json:"action,omitempty"`
	Seq    int64  `json:"seq,omitempty"`
	// Problem, when not "", says why this entry does not verify.
	Problem string `json:"problem,omitempty"`
}

// ChainStatus is the result of verifying a person's entries against the
// access log: each entry's proof of inclusion under the signed head named.
type ChainStatus struct {
	OK      bool   `json:"ok"`
	Entries int    `json:"entries"` // the person's entries checked: all of them
	Detail  string `json:"detail,omitempty"`
	// The signed head the entries were checked against (HeadSize 0: none yet).
	HeadSize int64     `json:"head_size,omitempty"`
	HeadAt   time.Time `json:"head_at,omitempty"`
	HeadRoot string    `json:"head_root,omitempty"`
}

// AccessLog shows who looked at the person's data and whether the
// tamper-evident chain holds.
type AccessLog interface {
	// AccessLog returns up to limit of the person's entries older than the
	// entry numbered before (0: from the newest), newest first.
	AccessLog(ctx context.Context, person string, before int64, limit int) ([]AccessEntry, error)
	// VerifyChain checks all of the person's entries against the log.
	VerifyChain(ctx context.Context, person string) (ChainStatus, error)
}

// Offer is one shipped product evaluated for a score.
type Offer struct {
	Product  string `json:"product"`
	Name     string `json:"name"`
	Partner  string `json:"partner,omitempty"`
	Purpose  string `json:"purpose,omitempty"`
	Decision string `json:"decision"` // approve | decline | refer
	Summary  string `json:"summary"`  // e.g. "credit line 20,000 CNY" or "deposit waived"
	// Terms are the decision's figures Summary was said from, so that the
	// page can say them in the person's language; nil keeps Summary.
	Terms *sesame.DecisionResult `json:"-"`
	// Currency is the one the product's amounts are in (CNY unless said).
	Currency string `json:"-"`
}

// Benefits evaluates the shipped products for a score; the portal calls it
// with the person's score and with the next band's lowest score.
type Benefits interface {
	Offers(ctx context.Context, s *sesame.Score) ([]Offer, error)
}
