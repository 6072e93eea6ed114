// Package authtest is the contract of the sign-in stores — sessions with
// their devices, contacts, passkeys and WebAuthn ceremonies — run against
// every implementation (sqlite, postgres) from that implementation's tests.
package authtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/ingest"
)

// Stores are the implementations under test, on one fresh database.
type Stores struct {
	Sessions auth.SessionStore
	Contacts auth.ContactStore
	Passkeys auth.PasskeyStore
}

// Run runs the whole contract; open returns stores on a fresh, empty database.
func Run(t *testing.T, open func(t *testing.T) Stores) {
	t.Run("Devices", func(t *testing.T) { testDevices(t, open(t)) })
	t.Run("Contacts", func(t *testing.T) { testContacts(t, open(t)) })
	t.Run("Passkeys", func(t *testing.T) { testPasskeys(t, open(t)) })
	t.Run("Ceremonies", func(t *testing.T) { testCeremonies(t, open(t)) })
	t.Run("Export", func(t *testing.T) { testExport(t, open(t)) })
}

var (
	ctx = context.Background()
	t0  = time.Date(2026, 12, 7, 6, 0, 0, 123456789, time.UTC)
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func code(t *testing.T, err error, want string) {
	t.Helper()
	if got := sesame.ErrorCode(err); got != want {
		t.Fatalf("error %v: code %q, want %q", err, got, want)
	}
}

func testDevices(t *testing.T, s Stores) {
	a, b, c, other := auth.Hash("a"), auth.Hash("b"), auth.Hash("c"), auth.Hash("other")
	must(t, s.Sessions.CreateSession(ctx, &auth.Session{Hash: a, Person: "p1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), UserAgent: "Firefox on Linux", Method: auth.MethodLink, LastSeenAt: t0}))
	must(t, s.Sessions.CreateSession(ctx, &auth.Session{Hash: b, Person: "p1", CreatedAt: t0.Add(time.Minute), ExpiresAt: t0.Add(time.Hour), UserAgent: "Chrome on Android", Method: auth.MethodPasskey}))
	must(t, s.Sessions.CreateSession(ctx, &auth.Session{Hash: c, Person: "p1", CreatedAt: t0, ExpiresAt: t0.Add(2 * time.Minute)}))
	must(t, s.Sessions.CreateSession(ctx, &auth.Session{Hash: other, Person: "p2", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))

	got, err := s.Sessions.Session(ctx, a)
	must(t, err)
	if got.UserAgent != "Firefox on Linux" || got.Method != auth.MethodLink || !got.LastSeenAt.Equal(t0) {
		t.Fatalf("session's device = %q %q %v", got.UserAgent, got.Method, got.LastSeenAt)
	}
	// c has expired by then: only a and b, newest first.
	live, err := s.Sessions.PersonSessions(ctx, "p1", t0.Add(5*time.Minute))
	must(t, err)
	if len(live) != 2 || !bytes.Equal(live[0].Hash, b) || !bytes.Equal(live[1].Hash, a) || live[0].UserAgent != "Chrome on Android" || !live[0].LastSeenAt.IsZero() {
		t.Fatalf("live sessions = %+v", live)
	}
	must(t, s.Sessions.TouchSession(ctx, b, t0.Add(3*time.Minute)))
	got, _ = s.Sessions.Session(ctx, b)
	if !got.LastSeenAt.Equal(t0.Add(3 * time.Minute)) {
		t.Fatalf("last seen after touch = %v", got.LastSeenAt)
	}
	must(t, s.Sessions.RevokeSession(ctx, a, t0.Add(4*time.Minute)))
	live, _ = s.Sessions.PersonSessions(ctx, "p1", t0.Add(5*time.Minute))
	if len(live) != 1 || !bytes.Equal(live[0].Hash, b) {
		t.Fatalf("after revoking a: %+v", live)
	}
}

func testContacts(t *testing.T, s Stores) {
	_, err := s.Contacts.ContactPerson(ctx, "ann@example.org")
	code(t, err, sesame.ENOTFOUND)
	must(t, s.Contacts.SetContact(ctx, auth.Contact{Identifier: "+8613800000000", Kind: auth.ContactPhone, Person: "p1", CreatedAt: t0.Add(time.Second)}))
	must(t, s.Contacts.SetContact(ctx, auth.Contact{Identifier: "ann@example.org", Kind: auth.ContactEmail, Person: "p1", CreatedAt: t0}))
	p, err := s.Contacts.ContactPerson(ctx, "ann@example.org")
	must(t, err)
	if p != "p1" {
		t.Fatalf("person = %q", p)
	}
	cs, err := s.Contacts.Contacts(ctx, "p1")
	must(t, err)
	if len(cs) != 2 || cs[0].Identifier != "ann@example.org" || cs[0].Kind != auth.ContactEmail || !cs[0].CreatedAt.Equal(t0) || cs[1].Kind != auth.ContactPhone {
		t.Fatalf("contacts = %+v", cs)
	}
	// An identifier names one person: setting it again moves it.
	must(t, s.Contacts.SetContact(ctx, auth.Contact{Identifier: "+8613800000000", Kind: auth.ContactPhone, Person: "p2", CreatedAt: t0}))
	if p, _ := s.Contacts.ContactPerson(ctx, "+8613800000000"); p != "p2" {
		t.Fatalf("moved phone's person = %q", p)
	}
	must(t, s.Contacts.RemoveContact(ctx, "ann@example.org"))
	_, err = s.Contacts.ContactPerson(ctx, "ann@example.org")
	code(t, err, sesame.ENOTFOUND)
	if cs, _ := s.Contacts.Contacts(ctx, "p1"); len(cs) != 0 {
		t.Fatalf("p1's contacts after moves and removal = %+v", cs)
	}
}

func testPasskeys(t *testing.T, s Stores) {
	k := &auth.Passkey{ID: "cred-1", Person: "p1", Name: "my phone", Credential: []byte(`{"id":"x"}`), CreatedAt: t0}
	must(t, s.Passkeys.AddPasskey(ctx, k))
	code(t, s.Passkeys.AddPasskey(ctx, k), sesame.ECONFLICT)
	must(t, s.Passkeys.AddPasskey(ctx, &auth.Passkey{ID: "cred-2", Person: "p1", Name: "laptop", Credential: []byte(`{}`), CreatedAt: t0.Add(time.Second)}))
	list, err := s.Passkeys.Passkeys(ctx, "p1")
	must(t, err)
	if len(list) != 2 || list[0].ID != "cred-1" || list[0].Name != "my phone" || string(list[0].Credential) != `{"id":"x"}` || !list[0].LastUsedAt.IsZero() {
		t.Fatalf("passkeys = %+v", list)
	}
	must(t, s.Passkeys.UsePasskey(ctx, "cred-1", []byte(`{"id":"y"}`), t0.Add(time.Minute)))
	got, err := s.Passkeys.Passkey(ctx, "cred-1")
	must(t, err)
	if got.Person != "p1" || string(got.Credential) != `{"id":"y"}` || !got.LastUsedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after use: %+v", got)
	}
	// Only its owner removes a passkey.
	code(t, s.Passkeys.RemovePasskey(ctx, "p2", "cred-1"), sesame.ENOTFOUND)
	must(t, s.Passkeys.RemovePasskey(ctx, "p1", "cred-1"))
	_, err = s.Passkeys.Passkey(ctx, "cred-1")
	code(t, err, sesame.ENOTFOUND)
	code(t, s.Passkeys.RemovePasskey(ctx, "p1", "cred-1"), sesame.ENOTFOUND)
}

func testCeremonies(t *testing.T, s Stores) {
	h := auth.Hash("ceremony")
	must(t, s.Passkeys.SaveCeremony(ctx, h, "p1", []byte(`{"challenge":"c"}`), t0.Add(time.Minute)))
	_, _, err := s.Passkeys.TakeCeremony(ctx, auth.Hash("other"), t0)
	code(t, err, sesame.ENOTFOUND)
	// Expired: not taken.
	old := auth.Hash("old")
	must(t, s.Passkeys.SaveCeremony(ctx, old, "", []byte(`{}`), t0))
	_, _, err = s.Passkeys.TakeCeremony(ctx, old, t0.Add(time.Second))
	code(t, err, sesame.ENOTFOUND)
	// Taken once, even by racing callers.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, data, err := s.Passkeys.TakeCeremony(ctx, h, t0)
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
				if p != "p1" || string(data) != `{"challenge":"c"}` {
					t.Errorf("taken ceremony = %q %s", p, data)
				}
			} else if sesame.ErrorCode(err) != sesame.ENOTFOUND {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("ceremony taken %d times, want once", wins)
	}
}

// testExport reads a person's contacts, live sessions and passkeys back for
// their data export, with no token hash and no private part in it.
func testExport(t *testing.T, s Stores) {
	must(t, s.Contacts.SetContact(ctx, auth.Contact{Identifier: "ann@example.org", Kind: auth.ContactEmail, Person: "p1", CreatedAt: t0}))
	must(t, s.Contacts.SetContact(ctx, auth.Contact{Identifier: "+8613800000000", Kind: auth.ContactPhone, Person: "p1", CreatedAt: t0.Add(time.Second)}))
	must(t, s.Contacts.SetContact(ctx, auth.Contact{Identifier: "bob@example.org", Kind: auth.ContactEmail, Person: "p2", CreatedAt: t0}))
	live, gone := auth.Hash("live"), auth.Hash("gone")
	must(t, s.Sessions.CreateSession(ctx, &auth.Session{Hash: live, Person: "p1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), UserAgent: "Firefox on Linux", Method: auth.MethodLink, LastSeenAt: t0.Add(time.Minute)}))
	must(t, s.Sessions.CreateSession(ctx, &auth.Session{Hash: gone, Person: "p1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
	must(t, s.Sessions.RevokeSession(ctx, gone, t0.Add(time.Minute)))
	cred := []byte(`{"id":"Y3JlZA==","publicKey":"pQECAyYgASFYIA==","attestationFormat":"none","transport":["internal","hybrid"],"flags":{"backupEligible":true,"backupState":true},"authenticator":{"AAGUID":"AAECAwQFBgcICQoLDA0ODw==","signCount":7}}`)
	must(t, s.Passkeys.AddPasskey(ctx, &auth.Passkey{ID: "cred-1", Person: "p1", Name: "my phone", Credential: cred, CreatedAt: t0}))

	got, err := auth.Account{Contacts: s.Contacts, Sessions: s.Sessions, Passkeys: s.Passkeys, Now: func() time.Time { return t0.Add(2 * time.Minute) }}.Export(ctx, "p1")
	must(t, err)
	if len(got.Contacts) != 2 || got.Contacts[0].Identifier != "ann@example.org" || got.Contacts[0].Kind != auth.ContactEmail || !got.Contacts[0].AddedAt.Equal(t0) || got.Contacts[1].Identifier != "+8613800000000" {
		t.Fatalf("contacts = %+v", got.Contacts)
	}
	if len(got.Sessions) != 1 || got.Sessions[0].Device != "Firefox on Linux" || got.Sessions[0].Method != auth.MethodLink || got.Sessions[0].LastSeenAt == nil || !got.Sessions[0].LastSeenAt.Equal(t0.Add(time.Minute)) || len(got.Sessions[0].ID) != 24 {
		t.Fatalf("sessions (the revoked one left out) = %+v", got.Sessions)
	}
	if len(got.Passkeys) != 1 {
		t.Fatalf("passkeys = %+v", got.Passkeys)
	}
	k := got.Passkeys[0]
	if k.ID != "cred-1" || k.Name != "my phone" || k.PublicKey != "pQECAyYgASFYIA" || k.AAGUID != "000102030405060708090a0b0c0d0e0f" ||
		len(k.Transports) != 2 || k.Transports[0] != "internal" || !k.BackupEligible || !k.BackedUp || k.SignCount != 7 || k.LastUsedAt != nil || k.AttestationFormat != "none" {
		t.Fatalf("passkey = %+v", k)
	}
	raw, err := json.Marshal(got)
	must(t, err)
	for _, secret := range [][]byte{live, gone} {
		if bytes.Contains(raw, []byte(hex.EncodeToString(secret))) || bytes.Contains(raw, []byte(base64.StdEncoding.EncodeToString(secret))) {
			t.Fatalf("export carries a session's token hash: %s", raw)
		}
	}
	other, err := auth.Account{Contacts: s.Contacts, Sessions: s.Sessions, Passkeys: s.Passkeys}.Export(ctx, "nobody")
	must(t, err)
	if len(other.Contacts)+len(other.Sessions)+len(other.Passkeys) != 0 || other.Contacts == nil {
		t.Fatalf("a person with nothing on file: %+v", other)
	}
}

// RunContactEvents checks auth.ContactEvents over an engine's ledger and
// contact store (one fresh database): identity events with a verified
// e-mail or phone, loaded from NDJSON like `sesame ingest` does and
// appended like the HTTP API does, file them as contacts.
func RunContactEvents(t *testing.T, events sesame.EventStore, contacts auth.ContactStore) {
	ledger := auth.ContactEvents{EventStore: events, Contacts: contacts}
	lines := `{"v":1,"source":"kyc-svc","id":"idr-1","person":"p-ann","kind":"identity.reported","occurred_at":"2026-06-01T09:30:00+08:00","payload":{"identity_verified":true,"verified_email":"Ann@Example.org","verified_phone":"+8613800138000"}}
{"v":1,"source":"kyc-svc","id":"idr-2","person":"p-bob","kind":"identity.reported","occurred_at":"2026-06-01T09:30:00+08:00","payload":{"birth_year":1990}}
{"v":1,"source":"kyc-svc","id":"idr-3","person":"p-bob","kind":"identity.reported","occurred_at":"2026-06-01T09:30:00+08:00","payload":{"verified_phone":"138 0013 8000"}}
`
	dec, err := ingest.NewDecoder(strings.NewReader(lines), ingest.Options{})
	must(t, err)
	st, err := (&ingest.Loader{Store: ledger, Rejects: io.Discard}).Load(ctx, dec)
	must(t, err)
	if st.Accepted != 2 || st.Rejected != 1 {
		t.Fatalf("load: %+v; want 2 accepted and the phone that is not E.164 rejected", st)
	}
	for _, id := range []string{"ann@example.org", "+8613800138000"} {
		p, err := contacts.ContactPerson(ctx, id)
		must(t, err)
		if p != "p-ann" {
			t.Fatalf("%s is %q's", id, p)
		}
	}
	cs, err := contacts.Contacts(ctx, "p-bob")
	must(t, err)
	if len(cs) != 0 {
		t.Fatalf("bob, with no verified contact, has %+v", cs)
	}

	// Appended (the API's way): the phone moves to bob; sent again after a
	// cut-short Append, a duplicate files its contact again.
	move := sesame.Event{Source: "bank-cn", ID: "kyc-9", Person: "p-bob", Kind: sesame.KindIdentityReported, OccurredAt: t0,
		Payload: &sesame.IdentityReported{VerifiedPhone: "+8613800138000"}}
	res, err := ledger.Append(ctx, []sesame.Event{move})
	must(t, err)
	if res[0].Status != sesame.Accepted {
		t.Fatalf("append: %+v", res)
	}
	if p, _ := contacts.ContactPerson(ctx, "+8613800138000"); p != "p-bob" {
		t.Fatalf("the phone is %q's after bob's bank verified it", p)
	}
	must(t, contacts.RemoveContact(ctx, "+8613800138000"))
	res, err = ledger.Append(ctx, []sesame.Event{move})
	must(t, err)
	if res[0].Status != sesame.Duplicate {
		t.Fatalf("append again: %+v", res)
	}
	if p, err := contacts.ContactPerson(ctx, "+8613800138000"); err != nil || p != "p-bob" {
		t.Fatalf("after the duplicate: %q, %v", p, err)
	}
	// A conflicting body files nothing.
	other := move
	other.Payload = &sesame.IdentityReported{VerifiedEmail: "mallory@example.org"}
	res, err = ledger.Append(ctx, []sesame.Event{other})
	must(t, err)
	if res[0].Status != sesame.Conflict {
		t.Fatalf("conflicting append: %+v", res)
	}
	_, err = contacts.ContactPerson(ctx, "mallory@example.org")
	code(t, err, sesame.ENOTFOUND)
}
