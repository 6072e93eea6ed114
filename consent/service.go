package consent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/sesame-credit/sesame"
)

// Service carries out what people and partners do with consents. Every
// method that a person calls takes the person from their session, never
// from the request body, and acts only on that person's records.
type Service struct {
	Store    sesame.ConsentStore
	Partners sesame.PartnerStore
	Now      func() time.Time
	// ProductThresholds returns the score cut-offs of a product's rule,
	// for a threshold request that names a product instead of thresholds
	// (nil: requests must name thresholds).
	ProductThresholds func(product string) ([]int, error)
}

// Limits of consent requests.
const (
	RequestTTL      = 24 * time.Hour // how long a request may wait for an answer
	MaxStateLen     = 512
	DefaultDuration = 90 * 24 * time.Hour
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func newID(prefix string) string {
	var b [12]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Grant records person's consent to partner. A threshold consent names
// the thresholds the partner may ask about; other scopes name none.
func (s *Service) Grant(ctx context.Context, person, partner string, purpose sesame.Purpose, scope sesame.Scope, expires time.Time, thresholds []int) (*sesame.Consent, error) {
	now := s.now()
	thresholds, err := validGrant(purpose, scope, now, expires, thresholds)
	if err != nil {
		return nil, err
	}
	if _, err := s.Partners.Partner(ctx, partner); err != nil {
		if sesame.ErrorCode(err) == sesame.ENOTFOUND {
			return nil, sesame.Errorf(sesame.EINVALID, "no partner %q", partner)
		}
		return nil, err
	}
	c := &sesame.Consent{ID: newID("con_"), Person: person, Partner: partner, Purpose: purpose, Scope: scope, GrantedAt: now, ExpiresAt: expires.UTC(), Thresholds: thresholds}
	if err := s.checkHeld(ctx, c, now); err != nil {
		return nil, err
	}
	if err := s.Store.CreateConsent(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// checkHeld refuses a threshold consent whose thresholds, together with
// those the partner may already ask about the person under its other live
// consents, would lie closer than sesame.MinThresholdGap: one consent at a
// time, a partner could otherwise collect thresholds ten points apart.
func (s *Service) checkHeld(ctx context.Context, c *sesame.Consent, now time.Time) error {
	asked := c.AskableThresholds()
	if len(asked) == 0 {
		return nil
	}
	held, err := s.Store.ConsentsBetween(ctx, c.Person, c.Partner)
	if err != nil {
		return err
	}
	all := slices.Clone(asked)
	for _, h := range held {
		if h.Live(now) {
			all = append(all, h.AskableThresholds()...)
		}
	}
	slices.Sort(all)
	if gap := sesame.ThresholdGapError(slices.Compact(all)); gap != "" {
		return &sesame.Error{Code: sesame.EINVALID, Message: "the consent is not valid", Details: []sesame.FieldError{{Field: "thresholds",
			Reason: fmt.Sprintf("with the thresholds this partner may already ask about you, %s: revoke the older consent first", gap)}}}
	}
	return nil
}

func validGrant(purpose sesame.Purpose, scope sesame.Scope, now, expires time.Time, thresholds []int) ([]int, error) {
	var details []sesame.FieldError
	if !purpose.Valid() {
		details = append(details, sesame.FieldError{Field: "purpose", Reason: "use one of " + sesame.PurposeList})
	}
	if !scope.Valid() {
		details = append(details, sesame.FieldError{Field: "scope", Reason: "use threshold, score or full"})
	} else if purpose.BadgeOnly() && scope != sesame.ScopeThreshold {
		details = append(details, sesame.FieldError{Field: "scope", Reason: "a social_badge consent is a yes/no answer: use threshold"})
	}
	if !expires.After(now) || expires.Sub(now) > sesame.MaxConsentDuration {
		details = append(details, sesame.FieldError{Field: "expires_at", Reason: "must lie in the future and at most two years ahead"})
	}
	thresholds, fe := sesame.CheckThresholds(purpose, scope, thresholds)
	if fe != nil && scope.Valid() {
		details = append(details, *fe)
	}
	if len(details) > 0 {
		return nil, &sesame.Error{Code: sesame.EINVALID, Message: "the consent is not valid", Details: details}
	}
	return thresholds, nil
}

// List returns the person's consents, newest first; live ones only unless all.
func (s *Service) List(ctx context.Context, person string, all bool) ([]*sesame.Consent, error) {
	cs, err := s.Store.Consents(ctx, person)
	if err != nil || all {
		return cs, err
	}
	now := s.now()
	return slices.DeleteFunc(cs, func(c *sesame.Consent) bool { return !c.Live(now) }), nil
}

// Revoke ends one of the person's consents at once.
func (s *Service) Revoke(ctx context.Context, person, id string) error {
	return s.Store.RevokeConsent(ctx, person, id, s.now())
}

// Check loads the consents between need's person and partner and decides.
func (s *Service) Check(ctx context.Context, need Need) (Verdict, error) {
	cs, err := s.Store.ConsentsBetween(ctx, need.Person, need.Partner)
	if err != nil {
		return Verdict{}, err
	}
	return Decide(cs, need, s.now()), nil
}

// RequestInput is a partner's consent request as it arrives.
type RequestInput struct {
	Person       string         `json:"person,omitempty"`
	Purpose      sesame.Purpose `json:"purpose"`
	Scope        sesame.Scope   `json:"scope"`
	DurationDays int            `json:"duration_days,omitempty"`
	RedirectURI  string         `json:"redirect_uri"`
	State        string         `json:"state,omitempty"`
	// Thresholds: for scope threshold, the scores the partner will ask
	// about (1 to sesame.MaxThresholds); the person sees them before approving.
	Thresholds []int `json:"thresholds,omitempty"`
	// Product, instead of Thresholds: the product whose rule's score
	// cut-offs are the thresholds (e.g. bike_sharing: 600).
	Product string `json:"product,omitempty"`
}

// Request records a partner's request for a consent. The redirect URI must
// be one registered for the partner, exactly, so that nobody can use
// Sesame's approval page to send people elsewhere.
func (s *Service) Request(ctx context.Context, partner *sesame.Partner, in RequestInput) (*sesame.ConsentRequest, error) {
	var details []sesame.FieldError
	if in.Person != "" && !sesame.ValidID(in.Person) {
		details = append(details, sesame.FieldError{Field: "person", Reason: "not a valid person id"})
	}
	if !in.Purpose.Valid() {
		details = append(details, sesame.FieldError{Field: "purpose", Reason: "use one of " + sesame.PurposeList})
	}
	if !in.Scope.Valid() {
		details = append(details, sesame.FieldError{Field: "scope", Reason: "use threshold, score or full"})
	} else if in.Purpose.BadgeOnly() && in.Scope != sesame.ScopeThreshold {
		details = append(details, sesame.FieldError{Field: "scope", Reason: "a social_badge consent is a yes/no answer: use threshold"})
	}
	d := DefaultDuration
	if in.DurationDays != 0 {
		d = time.Duration(in.DurationDays) * 24 * time.Hour
		if in.DurationDays < 1 || d > sesame.MaxConsentDuration {
			details = append(details, sesame.FieldError{Field: "duration_days", Reason: "use 1–732 days"})
		}
	}
	if !slices.Contains(partner.RedirectURIs, in.RedirectURI) {
		details = append(details, sesame.FieldError{Field: "redirect_uri", Reason: "must be one of the redirect URIs registered for the partner, exactly"})
	}
	if len(in.State) > MaxStateLen {
		details = append(details, sesame.FieldError{Field: "state", Reason: "at most 512 characters"})
	}
	asked := in.Thresholds
	if in.Product != "" {
		switch {
		case in.Scope != sesame.ScopeThreshold || len(in.Thresholds) > 0:
			details = append(details, sesame.FieldError{Field: "product", Reason: "only a threshold request names a product, and then no thresholds"})
		case s.ProductThresholds == nil:
			details = append(details, sesame.FieldError{Field: "product", Reason: "products are not available here; name the thresholds"})
		default:
			ts, err := s.ProductThresholds(in.Product)
			if sesame.ErrorCode(err) == sesame.ENOTFOUND {
				details = append(details, sesame.FieldError{Field: "product", Reason: "no such product; GET /v1/partner/products lists them"})
			} else if err != nil {
				return nil, err
			} else if len(ts) == 0 {
				details = append(details, sesame.FieldError{Field: "product", Reason: "the product's rule compares the score with no threshold; name the thresholds"})
			}
			asked = ts
		}
	}
	thresholds, fe := sesame.CheckThresholds(in.Purpose, in.Scope, asked)
	if fe != nil && in.Scope.Valid() && (in.Product == "" || len(asked) > 0) {
		details = append(details, *fe)
	}
	if len(details) > 0 {
		return nil, &sesame.Error{Code: sesame.EINVALID, Message: "the consent request is not valid", Details: details}
	}
	now := s.now()
	r := &sesame.ConsentRequest{ID: newID("creq_"), Partner: partner.ID, Person: in.Person, Purpose: in.Purpose, Scope: in.Scope,
		Duration: d, RedirectURI: in.RedirectURI, State: in.State, Status: sesame.RequestPending, CreatedAt: now, ExpiresAt: now.Add(RequestTTL),
		Thresholds: thresholds}
	if err := s.Store.CreateConsentRequest(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// RequestFor returns a request as the partner that made it sees it.
func (s *Service) RequestFor(ctx context.Context, partner, id string) (*sesame.ConsentRequest, error) {
	r, err := s.Store.ConsentRequest(ctx, id)
	if err != nil || r.Partner != partner {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no consent request %q of yours", id)
	}
	s.expire(r)
	return r, nil
}

// RequestForPerson returns a pending request the person may answer.
func (s *Service) RequestForPerson(ctx context.Context, person, id string) (*sesame.ConsentRequest, error) {
	r, err := s.Store.ConsentRequest(ctx, id)
	if err != nil || (r.Person != "" && r.Person != person) {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no consent request %q for you", id)
	}
	s.expire(r)
	return r, nil
}

func (s *Service) expire(r *sesame.ConsentRequest) {
	if r.Status == sesame.RequestPending && !s.now().Before(r.ExpiresAt) {
		r.Status = sesame.RequestExpired
	}
}

// Requests returns every request addressed to the person, newest first,
// answered ones too; one left pending past its expiry says expired.
func (s *Service) Requests(ctx context.Context, person string) ([]*sesame.ConsentRequest, error) {
	rs, err := s.Store.ConsentRequests(ctx, person)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, r := range rs {
		if r.Status == sesame.RequestPending && !now.Before(r.ExpiresAt) {
			r.Status = sesame.RequestExpired
		}
	}
	return rs, nil
}

// Pending returns the requests waiting for the person's answer.
func (s *Service) Pending(ctx context.Context, person string) ([]*sesame.ConsentRequest, error) {
	rs, err := s.Store.PendingConsentRequests(ctx, person)
	if err != nil {
		return nil, err
	}
	now := s.now()
	return slices.DeleteFunc(rs, func(r *sesame.ConsentRequest) bool { return !now.Before(r.ExpiresAt) }), nil
}

// Answer approves (granting the consent asked for) or declines a request,
// and returns where to send the person's browser: the partner's redirect
// URI with request and state added.
func (s *Service) Answer(ctx context.Context, person, id string, approve bool) (*sesame.ConsentRequest, string, error) {
	r, err := s.RequestForPerson(ctx, person, id)
	if err != nil {
		return nil, "", err
	}
	if r.Status != sesame.RequestPending {
		return nil, "", sesame.Errorf(sesame.ECONFLICT, "the request is %s already", r.Status)
	}
	now := s.now()
	status := sesame.RequestDeclined
	var grant *sesame.Consent
	if approve {
		status = sesame.RequestApproved
		grant = &sesame.Consent{ID: newID("con_"), Person: person, Partner: r.Partner, Purpose: r.Purpose, Scope: r.Scope,
			GrantedAt: now, ExpiresAt: now.Add(r.Duration), Request: r.ID, Thresholds: r.Thresholds}
		if err := s.checkHeld(ctx, grant, now); err != nil {
			return nil, "", err
		}
	}
	if err := s.Store.AnswerConsentRequest(ctx, r.ID, person, status, now, grant); err != nil {
		return nil, "", err
	}
	r.Status, r.AnsweredAt, r.AnsweredBy = status, now, person
	if grant != nil {
		r.Consent = grant.ID
	}
	return r, RedirectTo(r), nil
}

// RedirectTo is the partner's redirect URI with the request's id, status
// and the partner's state as query parameters.
func RedirectTo(r *sesame.ConsentRequest) string {
	u, err := url.Parse(r.RedirectURI)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("request", r.ID)
	q.Set("status", r.Status)
	if r.State != "" {
		q.Set("state", r.State)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
