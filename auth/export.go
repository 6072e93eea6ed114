package auth

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
)

// AccountExport is what the sign-in stores hold about one person, as the
// person's data export gives it: how they are reached, where they are
// signed in, and the passkeys they registered. It carries no secret: a
// session is named by its ID (a hash of the hash of its token), and a
// passkey by its public key and the authenticator's description.
type AccountExport struct {
	Contacts []ContactExport `json:"contacts"`
	Sessions []SessionExport `json:"sessions"`
	Passkeys []PasskeyExport `json:"passkeys"`
}

// ContactExport is one e-mail address or phone number on file.
type ContactExport struct {
	Kind       string    `json:"kind"`
	Identifier string    `json:"identifier"`
	AddedAt    time.Time `json:"added_at"`
}

// SessionExport is one live session and the device it runs on.
type SessionExport struct {
	ID         string     `json:"id"`
	Device     string     `json:"device"` // the browser's User-Agent
	Method     string     `json:"method"` // link, passkey or demo
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt *time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
}

// PasskeyExport is one passkey's public part.
type PasskeyExport struct {
	ID                string     `json:"id"`
	Name              string     `json:"name"`
	CreatedAt         time.Time  `json:"created_at"`
	LastUsedAt        *time.Time `json:"last_used_at"`
	PublicKey         string     `json:"public_key,omitempty"` // COSE key, base64url
	AAGUID            string     `json:"aaguid,omitempty"`     // the authenticator's model, hex
	Transports        []string   `json:"transports,omitempty"`
	AttestationFormat string     `json:"attestation_format,omitempty"`
	BackupEligible    bool       `json:"backup_eligible"`
	BackedUp          bool       `json:"backed_up"`
	SignCount         uint32     `json:"sign_count"`
}

// Account reads the sign-in stores for the person's data export. Any
// store may be nil (that part is then empty).
type Account struct {
	Contacts ContactStore
	Sessions SessionStore
	Passkeys PasskeyStore
	Now      func() time.Time
}

// Export returns what the stores hold about person.
func (a Account) Export(ctx context.Context, person string) (AccountExport, error) {
	out := AccountExport{Contacts: []ContactExport{}, Sessions: []SessionExport{}, Passkeys: []PasskeyExport{}}
	if a.Contacts != nil {
		cs, err := a.Contacts.Contacts(ctx, person)
		if err != nil {
			return out, err
		}
		for _, c := range cs {
			out.Contacts = append(out.Contacts, ContactExport{Kind: c.Kind, Identifier: c.Identifier, AddedAt: c.CreatedAt.UTC()})
		}
	}
	if a.Sessions != nil {
		now := time.Now()
		if a.Now != nil {
			now = a.Now()
		}
		ss, err := a.Sessions.PersonSessions(ctx, person, now.UTC())
		if err != nil {
			return out, err
		}
		for _, s := range ss {
			out.Sessions = append(out.Sessions, SessionExport{ID: sessionID(s.Hash), Device: s.UserAgent, Method: s.Method,
				CreatedAt: s.CreatedAt.UTC(), LastSeenAt: timeOrNil(s.LastSeenAt), ExpiresAt: s.ExpiresAt.UTC()})
		}
	}
	if a.Passkeys != nil {
		ks, err := a.Passkeys.Passkeys(ctx, person)
		if err != nil {
			return out, err
		}
		for _, k := range ks {
			out.Passkeys = append(out.Passkeys, passkeyExport(k))
		}
	}
	return out, nil
}

// passkeyExport keeps the library's record to its public fields; a record
// that does not parse still gives its id, name and dates.
func passkeyExport(k Passkey) PasskeyExport {
	e := PasskeyExport{ID: k.ID, Name: k.Name, CreatedAt: k.CreatedAt.UTC(), LastUsedAt: timeOrNil(k.LastUsedAt)}
	var c webauthn.Credential
	if json.Unmarshal(k.Credential, &c) != nil {
		return e
	}
	if len(c.PublicKey) > 0 {
		e.PublicKey = base64.RawURLEncoding.EncodeToString(c.PublicKey)
	}
	if len(c.Authenticator.AAGUID) > 0 {
		e.AAGUID = hex.EncodeToString(c.Authenticator.AAGUID)
	}
	for _, t := range c.Transport {
		e.Transports = append(e.Transports, string(t))
	}
	e.AttestationFormat = c.AttestationFormat
	e.BackupEligible, e.BackedUp = c.Flags.BackupEligible, c.Flags.BackupState
	e.SignCount = c.Authenticator.SignCount
	return e
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
