package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/sesame-credit/sesame"
)

// How a session began, shown beside it on the person's account page.
const (
	MethodLink    = "link"
	MethodPasskey = "passkey"
	MethodDemo    = "demo"
)

// touchEvery is how stale a session's last-seen time may get: writing it
// on every request would make each page view a database write.
const touchEvery = 5 * time.Minute

type userAgentKey struct{}

// WithUserAgent returns ctx carrying the browser's User-Agent, which a
// session started under it records (cut to 256 bytes) so the person can
// tell their devices apart.
func WithUserAgent(ctx context.Context, ua string) context.Context {
	if len(ua) > 256 {
		ua = ua[:256]
	}
	return context.WithValue(ctx, userAgentKey{}, ua)
}

func userAgentFrom(ctx context.Context) string {
	ua, _ := ctx.Value(userAgentKey{}).(string)
	return ua
}

func (p *People) touch(ctx context.Context, s *Session) {
	now := p.now()
	if now.Sub(s.LastSeenAt) < touchEvery {
		return
	}
	// Best effort: a failed touch only leaves "last seen" older.
	if err := p.Store.TouchSession(ctx, s.Hash, now); err == nil {
		s.LastSeenAt = now
	}
}

// SessionInfo is one of the person's live sessions as their account page
// lists it. ID is derived from the token's hash: it names the session for
// revoking without being able to act as it.
type SessionInfo struct {
	ID         string
	UserAgent  string
	Method     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	Current    bool // the session asking
}

func sessionID(hash []byte) string {
	h := sha256.Sum256(append([]byte("sesame session id\x00"), hash...))
	return hex.EncodeToString(h[:12])
}

// Sessions lists the live sessions of the person whose token this is.
func (p *People) Sessions(ctx context.Context, token string) ([]SessionInfo, error) {
	me, err := p.Session(ctx, token)
	if err != nil {
		return nil, err
	}
	all, err := p.Store.PersonSessions(ctx, me.Person, p.now())
	if err != nil {
		return nil, err
	}
	out := make([]SessionInfo, 0, len(all))
	for _, s := range all {
		if s.Demo != p.Demo {
			continue
		}
		out = append(out, SessionInfo{ID: sessionID(s.Hash), UserAgent: s.UserAgent, Method: s.Method, CreatedAt: s.CreatedAt,
			LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt, Current: string(s.Hash) == string(me.Hash)})
	}
	return out, nil
}

// RevokeSession ends one of the person's own sessions, named by its ID;
// ENOTFOUND when they have no live session with that ID.
func (p *People) RevokeSession(ctx context.Context, token, id string) error {
	me, err := p.Session(ctx, token)
	if err != nil {
		return err
	}
	all, err := p.Store.PersonSessions(ctx, me.Person, p.now())
	if err != nil {
		return err
	}
	for _, s := range all {
		if sessionID(s.Hash) == id {
			return p.Store.RevokeSession(ctx, s.Hash, p.now())
		}
	}
	return sesame.Errorf(sesame.ENOTFOUND, "you have no live session %q", id)
}
