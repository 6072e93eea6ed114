package auth

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// Token prefixes, so that a leaked token is recognisable for what it is
// (secret scanners) and a request's credential is routed to its check.
const (
	SessionPrefix = "sss_"
	LoginPrefix   = "ssl_"
)

// Session is a person's logged-in session, stored by the hash of its token.
type Session struct {
	Hash      []byte
	Person    string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt time.Time
	Demo      bool
	// The device, as the person sees it on their account page: the
	// browser's User-Agent, how the session began (link, passkey, demo)
	// and when it was last used (to the minute or so, see touchEvery).
	UserAgent  string
	Method     string
	LastSeenAt time.Time
}

// SessionStore keeps login links and sessions, both by hash only.
type SessionStore interface {
	CreateLoginLink(ctx context.Context, hash []byte, person string, created, expires time.Time) error
	// UseLoginLink marks a live, unused link used and returns its person;
	// ENOTFOUND when there is no such live link. It succeeds once per link.
	UseLoginLink(ctx context.Context, hash []byte, at time.Time) (person string, err error)
	CreateSession(ctx context.Context, s *Session) error
	// Session returns the session with hash, or ENOTFOUND.
	Session(ctx context.Context, hash []byte) (*Session, error)
	RevokeSession(ctx context.Context, hash []byte, at time.Time) error
	// RevokeSessions ends every session of person (log out everywhere).
	RevokeSessions(ctx context.Context, person string, at time.Time) error
	// PersonSessions returns person's sessions that are neither revoked
	// nor expired at at, newest first.
	PersonSessions(ctx context.Context, person string, at time.Time) ([]Session, error)
	// TouchSession records that the session was used at at.
	TouchSession(ctx context.Context, hash []byte, at time.Time) error
}

// Default lifetimes.
const (
	DefaultSessionTTL = 12 * time.Hour
	DefaultLinkTTL    = 15 * time.Minute
)

// People authenticates persons: one-time login links exchanged for
// sessions. In demo mode anyone may log in as anyone (RequestLoginLink
// returns the token instead of mailing it) and every session says so.
// Its methods match what the portal needs (portal.Auth).
type People struct {
	Store SessionStore
	// Contacts maps an e-mail address or phone number to its person, so
	// that people log in with what they know (nil: by person id only).
	Contacts   ContactStore
	Demo       bool
	SessionTTL time.Duration
	LinkTTL    time.Duration
	Now        func() time.Time
}

func (p *People) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

var errBadSession = sesame.Errorf(sesame.EUNAUTHORIZED, "the session is not valid or has ended; log in again")

// LoginLink creates a one-time login token for person (the operator's CLI,
// or a mailer). The token is returned once.
func (p *People) LoginLink(ctx context.Context, person string) (token string, expires time.Time, err error) {
	if !sesame.ValidID(person) {
		return "", time.Time{}, sesame.Errorf(sesame.EINVALID, "person id %q is not a valid id", person)
	}
	ttl := p.LinkTTL
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	now := p.now()
	token = secret(LoginPrefix)
	expires = now.Add(ttl)
	if err := p.Store.CreateLoginLink(ctx, Hash(token), person, now, expires); err != nil {
		return "", time.Time{}, err
	}
	return token, expires, nil
}

// RequestLoginLink starts a login for who. Sesame has no mailer: outside
// demo mode it returns "" and the person gets the link from the operator
// (`sesame person login-link`); in demo mode it returns the token to show.
func (p *People) RequestLoginLink(ctx context.Context, who string) (string, error) {
	if !sesame.ValidID(who) {
		return "", sesame.Errorf(sesame.EINVALID, "enter your person id")
	}
	if !p.Demo {
		return "", nil
	}
	token, _, err := p.LoginLink(ctx, who)
	return token, err
}

// RedeemLoginLink exchanges a login token, once, for a session token.
func (p *People) RedeemLoginLink(ctx context.Context, loginToken string) (string, time.Time, error) {
	if !strings.HasPrefix(loginToken, LoginPrefix) || len(loginToken) > 100 {
		return "", time.Time{}, sesame.Errorf(sesame.EUNAUTHORIZED, "the login link is not valid, was used already or has expired; ask for a new one")
	}
	person, err := p.Store.UseLoginLink(ctx, Hash(loginToken), p.now())
	if sesame.ErrorCode(err) == sesame.ENOTFOUND {
		return "", time.Time{}, sesame.Errorf(sesame.EUNAUTHORIZED, "the login link is not valid, was used already or has expired; ask for a new one")
	}
	if err != nil {
		return "", time.Time{}, err
	}
	method := MethodLink
	if p.Demo {
		method = MethodDemo // the link was shown on screen, not mailed
	}
	return p.newSession(ctx, person, method)
}

// DemoLogin starts a session as person without a link: demo mode only.
func (p *People) DemoLogin(ctx context.Context, person string) (string, time.Time, error) {
	if !p.Demo {
		return "", time.Time{}, sesame.Errorf(sesame.EFORBIDDEN, "demo login is available only when the server runs with --demo")
	}
	if !sesame.ValidID(person) {
		return "", time.Time{}, sesame.Errorf(sesame.EINVALID, "person id %q is not a valid id", person)
	}
	return p.newSession(ctx, person, MethodDemo)
}

func (p *People) newSession(ctx context.Context, person, method string) (string, time.Time, error) {
	ttl := p.SessionTTL
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	now := p.now()
	token := secret(SessionPrefix)
	s := &Session{Hash: Hash(token), Person: person, CreatedAt: now, ExpiresAt: now.Add(ttl), Demo: p.Demo,
		UserAgent: userAgentFrom(ctx), Method: method, LastSeenAt: now}
	if err := p.Store.CreateSession(ctx, s); err != nil {
		return "", time.Time{}, err
	}
	return token, s.ExpiresAt, nil
}

// Authenticate returns the person of a live session token, or EUNAUTHORIZED.
func (p *People) Authenticate(ctx context.Context, token string) (string, error) {
	s, err := p.Session(ctx, token)
	if err != nil {
		return "", err
	}
	return s.Person, nil
}

// Session returns the live session of token, or EUNAUTHORIZED.
func (p *People) Session(ctx context.Context, token string) (*Session, error) {
	if !strings.HasPrefix(token, SessionPrefix) || len(token) > 100 {
		return nil, errBadSession
	}
	h := Hash(token)
	s, err := p.Store.Session(ctx, h)
	if sesame.ErrorCode(err) == sesame.ENOTFOUND {
		return nil, errBadSession
	}
	if err != nil {
		return nil, err
	}
	// The store found it by hash; compare again in constant time so that
	// a store matching loosely (a prefix index) can never let one through.
	if subtle.ConstantTimeCompare(h, s.Hash) != 1 || !s.RevokedAt.IsZero() || !p.now().Before(s.ExpiresAt) {
		return nil, errBadSession
	}
	if s.Demo != p.Demo {
		// A demo session never works on a real server, nor the reverse.
		return nil, errBadSession
	}
	p.touch(ctx, s)
	return s, nil
}

// Logout ends the session of token; an unknown token is not an error.
func (p *People) Logout(ctx context.Context, token string) error {
	if !strings.HasPrefix(token, SessionPrefix) || len(token) > 100 {
		return nil
	}
	return p.Store.RevokeSession(ctx, Hash(token), p.now())
}

// LogoutEverywhere ends every session of the person whose token this is.
func (p *People) LogoutEverywhere(ctx context.Context, token string) error {
	s, err := p.Session(ctx, token)
	if err != nil {
		return err
	}
	return p.Store.RevokeSessions(ctx, s.Person, p.now())
}

// LooksLikeSession reports whether s has the shape of a session token.
func LooksLikeSession(s string) bool { return strings.HasPrefix(s, SessionPrefix) }
