package http

import (
	"crypto/sha256"
	"crypto/subtle"
	nethttp "net/http"
	"strings"
	"sync"

	"github.com/sesame-credit/sesame"
)

// Role is what a caller is to Sesame.
type Role string

const (
	// RoleOperator runs the platform: may ingest for any source and read any ledger.
	RoleOperator Role = "operator"
	// RoleSource sends events: may ingest, only under its own source name.
	RoleSource Role = "source"
	// Partners and persons authenticate with the consent issue's
	// credentials; their roles are added with it (RolePartner, RolePerson).
)

// Principal is an authenticated caller.
type Principal struct {
	Role Role
	// Name is the source's name for RoleSource (the only value its events'
	// "source" may take), the token's label otherwise.
	Name string
}

// CredentialCheck turns a request's credentials into a Principal. ok is
// false when the request does not carry this kind of credential at all (the
// next check is tried); an error means it carries one that is wrong.
// Partner API keys and person sessions plug in here (Authenticator.Add).
type CredentialCheck func(r *nethttp.Request) (p Principal, ok bool, err error)

// Authenticator knows the bearer tokens of operators and sources, keeping
// only their SHA-256 hashes, and any further credential checks. Safe for
// concurrent use.
type Authenticator struct {
	mu     sync.RWMutex
	tokens []tokenEntry
	checks []CredentialCheck
}

type tokenEntry struct {
	hash      [32]byte
	principal Principal
}

// NewAuthenticator returns an authenticator that accepts nothing yet.
func NewAuthenticator() *Authenticator { return &Authenticator{} }

// AddToken accepts token as a bearer token for p. Only its hash is kept.
func (a *Authenticator) AddToken(token string, p Principal) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tokens = append(a.tokens, tokenEntry{hash: sha256.Sum256([]byte(token)), principal: p})
}

// Add appends a credential check, tried in order after the bearer tokens.
func (a *Authenticator) Add(c CredentialCheck) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.checks = append(a.checks, c)
}

// authenticate finds who sent r.
func (a *Authenticator) authenticate(r *nethttp.Request) (Principal, error) {
	a.mu.RLock()
	tokens, checks := a.tokens, a.checks
	a.mu.RUnlock()
	if token, ok := bearer(r); ok {
		h := sha256.Sum256([]byte(token))
		var found Principal
		match := 0
		// Compare with every entry, without an early exit, so that the time
		// taken says nothing about which entry (if any) matched.
		for _, t := range tokens {
			eq := subtle.ConstantTimeCompare(h[:], t.hash[:])
			if eq == 1 && match == 0 {
				found = t.principal
			}
			match |= eq
		}
		if match == 1 {
			return found, nil
		}
	}
	for _, c := range checks {
		p, ok, err := c(r)
		if err != nil {
			return Principal{}, err
		}
		if ok {
			return p, nil
		}
	}
	if _, ok := bearer(r); ok {
		return Principal{}, sesame.Errorf(sesame.EUNAUTHORIZED, "the bearer token is not valid; check SESAME_OPERATOR_TOKEN or the source token you were given")
	}
	if len(tokens) == 0 && len(checks) == 0 {
		return Principal{}, sesame.Errorf(sesame.EUNAUTHORIZED, "this server accepts no credentials yet; start it with --operator-token (or SESAME_OPERATOR_TOKEN)")
	}
	return Principal{}, sesame.Errorf(sesame.EUNAUTHORIZED, "authentication required: send Authorization: Bearer <token>")
}

func bearer(r *nethttp.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// authorize is the hook in front of every protected handler: it
// authenticates r and checks that the caller has one of the roles allowed.
// Handlers that need finer checks (a source's own events, a partner's live
// consent) do them with the Principal it returns.
func (s *Server) authorize(r *nethttp.Request, allowed ...Role) (Principal, error) {
	p, err := s.Auth.authenticate(r)
	if err != nil {
		return Principal{}, err
	}
	for _, role := range allowed {
		if p.Role == role {
			return p, nil
		}
	}
	names := make([]string, len(allowed))
	for i, role := range allowed {
		names[i] = string(role)
	}
	return Principal{}, sesame.Errorf(sesame.EFORBIDDEN, "a %s may not do this; it needs the role %s", p.Role, strings.Join(names, " or "))
}
