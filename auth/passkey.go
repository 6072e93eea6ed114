package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/sesame-credit/sesame"
)

// Passkey is a WebAuthn credential a person registered to log in with.
// Only its public key is kept (Credential, the library's JSON record).
type Passkey struct {
	ID         string // the credential id, base64url
	Person     string
	Name       string // what the person called it ("my phone")
	Credential []byte
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// PasskeyStore keeps passkeys and the WebAuthn ceremonies in flight. A
// ceremony is stored by the hash of its handle and taken once: a replayed
// or raced finish finds nothing.
type PasskeyStore interface {
	AddPasskey(ctx context.Context, p *Passkey) error
	// Passkeys returns person's passkeys, oldest first.
	Passkeys(ctx context.Context, person string) ([]Passkey, error)
	// Passkey returns the passkey with the credential id, or ENOTFOUND.
	Passkey(ctx context.Context, id string) (*Passkey, error)
	// UsePasskey stores the credential's new state (its sign counter) after a login.
	UsePasskey(ctx context.Context, id string, credential []byte, at time.Time) error
	// RemovePasskey removes person's passkey id; ENOTFOUND if they have none such.
	RemovePasskey(ctx context.Context, person, id string) error
	SaveCeremony(ctx context.Context, hash []byte, person string, data []byte, expires time.Time) error
	// TakeCeremony deletes and returns a live ceremony, or ENOTFOUND.
	TakeCeremony(ctx context.Context, hash []byte, at time.Time) (person string, data []byte, err error)
}

// CeremonyPrefix marks a WebAuthn ceremony's handle (kept in a cookie
// between its two requests).
const CeremonyPrefix = "ssw_"

// ceremonyTTL bounds the time between the browser's prompt and its answer.
const ceremonyTTL = 5 * time.Minute

// Passkeys registers passkeys for signed-in people and logs people in with
// them. The relying party — the site the passkey is bound to — is the
// origin given to each call: the configured public URL, or the request's.
type Passkeys struct {
	People *People
	Store  PasskeyStore
	Name   string // shown by the browser's prompt; "" is "Sesame"
}

// passkeyUser adapts a person to the library.
type passkeyUser struct {
	person string
	creds  []webauthn.Credential
}

func (u *passkeyUser) WebAuthnID() []byte                         { return []byte(u.person) }
func (u *passkeyUser) WebAuthnName() string                       { return u.person }
func (u *passkeyUser) WebAuthnDisplayName() string                { return u.person }
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

var errCeremony = sesame.Errorf(sesame.EUNAUTHORIZED, "the passkey prompt expired or was already answered; try again")

func (k *Passkeys) relyingParty(origin string) (*webauthn.WebAuthn, error) {
	host := origin
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	name := k.Name
	if name == "" {
		name = "Sesame"
	}
	w, err := webauthn.New(&webauthn.Config{RPID: host, RPDisplayName: name, RPOrigins: []string{origin}})
	if err != nil {
		return nil, sesame.Errorf(sesame.EINVALID, "passkeys need the site's own name (not an IP address) in the address bar")
	}
	return w, nil
}

func (k *Passkeys) user(ctx context.Context, person string) (*passkeyUser, error) {
	keys, err := k.Store.Passkeys(ctx, person)
	if err != nil {
		return nil, err
	}
	u := &passkeyUser{person: person}
	for _, p := range keys {
		var c webauthn.Credential
		if err := json.Unmarshal(p.Credential, &c); err != nil {
			return nil, err
		}
		u.creds = append(u.creds, c)
	}
	return u, nil
}

func (k *Passkeys) save(ctx context.Context, person string, data *webauthn.SessionData) (string, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return "", err
	}
	handle := secret(CeremonyPrefix)
	if err := k.Store.SaveCeremony(ctx, Hash(handle), person, b, k.People.now().Add(ceremonyTTL)); err != nil {
		return "", err
	}
	return handle, nil
}

func (k *Passkeys) take(ctx context.Context, handle string) (string, *webauthn.SessionData, error) {
	if !strings.HasPrefix(handle, CeremonyPrefix) || len(handle) > 100 {
		return "", nil, errCeremony
	}
	person, b, err := k.Store.TakeCeremony(ctx, Hash(handle), k.People.now())
	if sesame.ErrorCode(err) == sesame.ENOTFOUND {
		return "", nil, errCeremony
	}
	if err != nil {
		return "", nil, err
	}
	var data webauthn.SessionData
	if err := json.Unmarshal(b, &data); err != nil {
		return "", nil, err
	}
	return person, &data, nil
}

// BeginRegistration starts adding a passkey for the person of the session
// token: the options for navigator.credentials.create, and the ceremony's
// handle to give back to FinishRegistration.
func (k *Passkeys) BeginRegistration(ctx context.Context, token, origin string) (options []byte, handle string, err error) {
	s, err := k.People.Session(ctx, token)
	if err != nil {
		return nil, "", err
	}
	w, err := k.relyingParty(origin)
	if err != nil {
		return nil, "", err
	}
	u, err := k.user(ctx, s.Person)
	if err != nil {
		return nil, "", err
	}
	creation, data, err := w.BeginRegistration(u,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(webauthn.Credentials(u.creds).CredentialDescriptors()))
	if err != nil {
		return nil, "", err
	}
	if handle, err = k.save(ctx, s.Person, data); err != nil {
		return nil, "", err
	}
	options, err = json.Marshal(creation)
	return options, handle, err
}

// FinishRegistration checks the browser's answer and keeps the passkey
// under name. The session must belong to the person who began.
func (k *Passkeys) FinishRegistration(ctx context.Context, token, origin, handle, name string, response []byte) (*Passkey, error) {
	s, err := k.People.Session(ctx, token)
	if err != nil {
		return nil, err
	}
	person, data, err := k.take(ctx, handle)
	if err != nil {
		return nil, err
	}
	if person != s.Person {
		return nil, errCeremony
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Passkey"
	}
	if len(name) > 64 {
		return nil, sesame.Errorf(sesame.EINVALID, "a passkey's name has at most 64 characters")
	}
	w, err := k.relyingParty(origin)
	if err != nil {
		return nil, err
	}
	u, err := k.user(ctx, person)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return nil, sesame.Errorf(sesame.EINVALID, "the browser's passkey answer could not be read")
	}
	cred, err := w.CreateCredential(u, *data, parsed)
	if err != nil {
		return nil, sesame.Errorf(sesame.EINVALID, "the passkey was not accepted: %s", protocolReason(err))
	}
	b, err := json.Marshal(cred)
	if err != nil {
		return nil, err
	}
	now := k.People.now()
	p := &Passkey{ID: base64.RawURLEncoding.EncodeToString(cred.ID), Person: person, Name: name, Credential: b, CreatedAt: now}
	if err := k.Store.AddPasskey(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// BeginLogin starts a login with any passkey the browser holds for this
// site (a discoverable credential: the person types nothing).
func (k *Passkeys) BeginLogin(ctx context.Context, origin string) (options []byte, handle string, err error) {
	w, err := k.relyingParty(origin)
	if err != nil {
		return nil, "", err
	}
	assertion, data, err := w.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, "", err
	}
	if handle, err = k.save(ctx, "", data); err != nil {
		return nil, "", err
	}
	options, err = json.Marshal(assertion)
	return options, handle, err
}

var errPasskeyLogin = sesame.Errorf(sesame.EUNAUTHORIZED, "that passkey is not known here; log in with an e-mail link and add it on your account page")

// FinishLogin checks the browser's signed answer and starts a session for
// the passkey's person.
func (k *Passkeys) FinishLogin(ctx context.Context, origin, handle string, response []byte) (string, time.Time, error) {
	person, data, err := k.take(ctx, handle)
	if err != nil {
		return "", time.Time{}, err
	}
	if person != "" {
		return "", time.Time{}, errCeremony
	}
	w, err := k.relyingParty(origin)
	if err != nil {
		return "", time.Time{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return "", time.Time{}, sesame.Errorf(sesame.EINVALID, "the browser's passkey answer could not be read")
	}
	id := base64.RawURLEncoding.EncodeToString(parsed.RawID)
	key, err := k.Store.Passkey(ctx, id)
	if sesame.ErrorCode(err) == sesame.ENOTFOUND {
		return "", time.Time{}, errPasskeyLogin
	}
	if err != nil {
		return "", time.Time{}, err
	}
	var owner *passkeyUser
	_, cred, err := w.ValidatePasskeyLogin(func(rawID, userHandle []byte) (webauthn.User, error) {
		// The passkey's stored owner decides, and the authenticator's user
		// handle must agree with it.
		if string(userHandle) != key.Person {
			return nil, errPasskeyLogin
		}
		u, err := k.user(ctx, key.Person)
		owner = u
		return u, err
	}, *data, parsed)
	if err != nil || owner == nil {
		return "", time.Time{}, errPasskeyLogin
	}
	if cred.Authenticator.CloneWarning {
		return "", time.Time{}, sesame.Errorf(sesame.EUNAUTHORIZED, "this passkey's counter went backwards, a sign it was copied; remove it and add a new one")
	}
	b, err := json.Marshal(cred)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := k.Store.UsePasskey(ctx, id, b, k.People.now()); err != nil {
		return "", time.Time{}, err
	}
	return k.People.newSession(ctx, key.Person, MethodPasskey)
}

// List returns the passkeys of the person whose session token this is.
func (k *Passkeys) List(ctx context.Context, token string) ([]Passkey, error) {
	s, err := k.People.Session(ctx, token)
	if err != nil {
		return nil, err
	}
	return k.Store.Passkeys(ctx, s.Person)
}

// Remove removes one of the person's own passkeys.
func (k *Passkeys) Remove(ctx context.Context, token, id string) error {
	s, err := k.People.Session(ctx, token)
	if err != nil {
		return err
	}
	return k.Store.RemovePasskey(ctx, s.Person, id)
}

// protocolReason is the library's short reason, without its internals.
func protocolReason(err error) string {
	if pe, ok := err.(*protocol.Error); ok && pe.Details != "" {
		return pe.Details
	}
	return "it did not verify"
}
