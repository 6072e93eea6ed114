package auth_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/sqlite"
)

// clock is a settable time for the tests of expiry.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newPeople(t *testing.T, demo bool) (*auth.People, *sqlite.SessionStore, *clock) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)}
	s := db.Sessions()
	return &auth.People{Store: s, Contacts: s, Demo: demo, Now: c.now}, s, c
}

func TestNormalizeContact(t *testing.T) {
	for in, want := range map[string]string{
		"Ann@Example.org":    "ann@example.org",
		" ann@example.org ":  "ann@example.org",
		"+86 138-0013-8000":  "+8613800138000",
		"+44 (20) 7946.0958": "+442079460958",
	} {
		if got, _, ok := auth.NormalizeContact(in); !ok || got != want {
			t.Errorf("%q → %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "ann", "Ann <ann@example.org>", "13800138000", "+86 138 0013 8000 1234 5", "+12", "+86x1380013", "a@b@c", strings.Repeat("a", 250) + "@x.org"} {
		if got, _, ok := auth.NormalizeContact(bad); ok {
			t.Errorf("%q accepted as %q", bad, got)
		}
	}
}

// A login link works once, only before it expires, and only for the
// person whose contact asked for it.
func TestLoginLinkSingleUseAndExpiry(t *testing.T) {
	ctx := context.Background()
	people, store, c := newPeople(t, false)
	must(t, store.SetContact(ctx, auth.Contact{Identifier: "ann@example.org", Kind: auth.ContactEmail, Person: "ann", CreatedAt: c.t}))
	must(t, store.SetContact(ctx, auth.Contact{Identifier: "+8613800138000", Kind: auth.ContactPhone, Person: "ann", CreatedAt: c.t}))

	// By phone: the link goes to the person's e-mail.
	st, err := people.StartLogin(ctx, "+86 138 0013 8000")
	must(t, err)
	if st.Person != "ann" || st.Address != "ann@example.org" || !strings.HasPrefix(st.Token, auth.LoginPrefix) || !st.Expires.Equal(c.t.Add(auth.DefaultLinkTTL)) {
		t.Fatalf("start = %+v", st)
	}
	session, _, err := people.RedeemLoginLink(ctx, st.Token)
	must(t, err)
	if p, err := people.Authenticate(ctx, session); err != nil || p != "ann" {
		t.Fatalf("session person %q %v", p, err)
	}
	// Used: never again.
	if _, _, err := people.RedeemLoginLink(ctx, st.Token); sesame.ErrorCode(err) != sesame.EUNAUTHORIZED {
		t.Fatalf("second use: %v", err)
	}
	// Expired: refused one moment after its time.
	st, err = people.StartLogin(ctx, "ANN@example.org")
	must(t, err)
	c.t = st.Expires
	if _, _, err := people.RedeemLoginLink(ctx, st.Token); sesame.ErrorCode(err) != sesame.EUNAUTHORIZED {
		t.Fatalf("expired link: %v", err)
	}
	// Only its hash is stored: the token itself is not a key of the table.
	if _, err := store.UseLoginLink(ctx, []byte(st.Token), c.t.Add(-time.Minute)); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("the raw token found a link: %v", err)
	}

	// Unknown identifiers are ENOTFOUND (the page hides it); a person id is
	// not an identifier outside demo mode; nonsense is EINVALID.
	if _, err := people.StartLogin(ctx, "bob@example.org"); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("unknown address: %v", err)
	}
	if _, err := people.StartLogin(ctx, "ann"); sesame.ErrorCode(err) != sesame.EINVALID {
		t.Fatalf("person id outside demo: %v", err)
	}
}

func TestDemoLoginByPersonID(t *testing.T) {
	people, _, _ := newPeople(t, true)
	st, err := people.StartLogin(context.Background(), "p00000001")
	must(t, err)
	if st.Person != "p00000001" || st.Address != "" {
		t.Fatalf("demo start = %+v", st)
	}
}

// The person sees their sessions with their devices, ends one by its id
// (never another person's), and logging out everywhere ends the rest.
func TestSessionsAndDevices(t *testing.T) {
	ctx := context.Background()
	people, _, c := newPeople(t, false)
	login := func(person, ua string) string {
		token, _, err := people.LoginLink(ctx, person)
		must(t, err)
		s, _, err := people.RedeemLoginLink(auth.WithUserAgent(ctx, ua), token)
		must(t, err)
		return s
	}
	laptop := login("ann", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")
	c.t = c.t.Add(time.Minute)
	phone := login("ann", "Mozilla/5.0 (Linux; Android 15) Chrome/131.0 Mobile")
	other := login("bob", "curl/8")

	list, err := people.Sessions(ctx, laptop)
	must(t, err)
	if len(list) != 2 || list[0].UserAgent != "Mozilla/5.0 (Linux; Android 15) Chrome/131.0 Mobile" || list[0].Current || !list[1].Current || list[1].Method != auth.MethodLink {
		t.Fatalf("sessions = %+v", list)
	}
	// Last seen moves only every few minutes (no write per request).
	c.t = c.t.Add(10 * time.Minute)
	if _, err := people.Authenticate(ctx, phone); err != nil {
		t.Fatal(err)
	}
	list, _ = people.Sessions(ctx, laptop)
	if !list[0].LastSeenAt.Equal(c.t) {
		t.Fatalf("phone last seen %v, want %v", list[0].LastSeenAt, c.t)
	}

	bobs, _ := people.Sessions(ctx, other)
	if err := people.RevokeSession(ctx, laptop, bobs[0].ID); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("revoking another person's session: %v", err)
	}
	must(t, people.RevokeSession(ctx, laptop, list[0].ID))
	if _, err := people.Authenticate(ctx, phone); sesame.ErrorCode(err) != sesame.EUNAUTHORIZED {
		t.Fatalf("revoked phone still works: %v", err)
	}
	phone = login("ann", "phone again")
	must(t, people.LogoutEverywhere(ctx, phone))
	for _, s := range []string{laptop, phone} {
		if _, err := people.Authenticate(ctx, s); sesame.ErrorCode(err) != sesame.EUNAUTHORIZED {
			t.Fatalf("after logging out everywhere a session works: %v", err)
		}
	}
	if _, err := people.Authenticate(ctx, other); err != nil {
		t.Fatalf("another person's session ended too: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// In demo mode an address on file for no one is still unknown: it is not
// taken for a person id.
func TestDemoUnknownAddress(t *testing.T) {
	people, _, _ := newPeople(t, true)
	if _, err := people.StartLogin(context.Background(), "nobody@example.org"); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("unknown address in demo mode: %v", err)
	}
}
