package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/credential"
	"github.com/sesame-credit/sesame/postgres/pgtest"
)

// TestCredentialCommands runs an operator's credential commands — rotate,
// keys, jwks — and `sesame verify --db` with the issuer's revocation
// records, on the embedded SQLite store and on PostgreSQL.
func TestCredentialCommands(t *testing.T) {
	t.Setenv("SESAME_CREDENTIAL_KEK", "")
	t.Run("sqlite", func(t *testing.T) {
		// The KEK file defaults to one beside the database.
		testCredentialCommands(t, filepath.Join(t.TempDir(), "c.db"), nil)
	})
	t.Run("postgres", func(t *testing.T) {
		db := pgtest.FreshURL(t)
		// No database file to keep the KEK beside: it must be named.
		if _, code := runCaptured(t, func() int { return run(context.Background(), []string{"credential", "rotate", "--db", db}) }); code != 1 {
			t.Fatalf("credential rotate on PostgreSQL without a KEK: exit %d, want 1", code)
		}
		// Nor is a named file that does not exist made: replicas share one.
		missing := filepath.Join(t.TempDir(), "typo")
		if _, code := runCaptured(t, func() int {
			return run(context.Background(), []string{"credential", "rotate", "--db", db, "--kek-file", missing})
		}); code != 1 {
			t.Fatalf("credential rotate on PostgreSQL with a missing KEK file: exit %d, want 1", code)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Fatal("a KEK file was made for PostgreSQL")
		}
		testCredentialCommands(t, db, []string{"--kek-file", newKEKFile(t)})
		// Listing and publishing keys needs no private key, so no KEK.
		for _, sub := range []string{"keys", "jwks"} {
			if out, code := runCaptured(t, func() int { return run(context.Background(), []string{"credential", sub, "--db", db}) }); code != 0 || out == "" {
				t.Fatalf("credential %s on PostgreSQL without a KEK: exit %d, %q", sub, code, out)
			}
		}
	})
}

// newKEKFile writes a fresh credential key encryption key to a 0600 file,
// as an operator makes one for PostgreSQL.
func newKEKFile(t *testing.T) string {
	t.Helper()
	k := make([]byte, credential.KEKSize)
	rand.Read(k)
	path := filepath.Join(t.TempDir(), "kek")
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(k)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func testCredentialCommands(t *testing.T, db string, kekArgs []string) {
	ctx := context.Background()
	sesameOut := func(want int, args ...string) string {
		t.Helper()
		out, code := runCaptured(t, func() int { return run(ctx, args) })
		if code != want {
			t.Fatalf("sesame %s: exit %d, want %d; stdout %q", strings.Join(args, " "), code, want, out)
		}
		return out
	}
	// Only the commands that load data create a database.
	sesameOut(0, "migrate", "--db", db)
	credentialCmd := func(sub string, args ...string) string {
		t.Helper()
		return sesameOut(0, append(append([]string{"credential", sub, "--db", db}, kekArgs...), args...)...)
	}
	first := strings.TrimSpace(credentialCmd("rotate"))
	second := strings.TrimSpace(credentialCmd("rotate"))
	if first == "" || second == "" || first == second {
		t.Fatalf("rotate printed %q then %q, want two kids", first, second)
	}
	var keys []struct {
		KID       string    `json:"kid"`
		RetiredAt time.Time `json:"retired_at"`
		Published bool      `json:"published"`
	}
	if err := json.Unmarshal([]byte(credentialCmd("keys", "--json")), &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].KID != second || !keys[0].RetiredAt.IsZero() || keys[1].KID != first || keys[1].RetiredAt.IsZero() || !keys[1].Published {
		t.Fatalf("keys = %+v, want %s active, then %s retired and still published", keys, second, first)
	}
	var jwks struct {
		Keys []struct {
			KID string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal([]byte(credentialCmd("jwks")), &jwks); err != nil || len(jwks.Keys) != 2 {
		t.Fatalf("jwks = %+v, %v, want both keys", jwks, err)
	}

	// A credential issued as the portal does, then checked against the
	// issuer's records, before and after its person revokes it.
	svc, st, err := openCredentialCommand(ctx, "test", signing, append([]string{"--db", db}, kekArgs...), nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := svc.Issue(ctx, &sesame.Score{Person: "p1", Status: sesame.StatusScored, Score: 702, Band: sesame.BandOf(702), ModelVersion: "m", AsOf: time.Now()},
		credential.IssueRequest{Kind: credential.KindScore})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	if out := sesameOut(0, "verify", "--db", db, rec.Token); !strings.HasPrefix(out, "VALID:") || !strings.Contains(out, "score 702") {
		t.Errorf("verify: %q", out)
	}
	err = svc.Revoke(ctx, "p1", rec.ID)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out := sesameOut(1, "verify", "--db", db, rec.Token); !strings.Contains(out, "INVALID (revoked)") {
		t.Errorf("verify after revocation: %q", out)
	}
}

// TestVerifyJWKSRefusesLateSignatures: after `credential rotate`, a token
// the retired key signed after its retirement is refused by `sesame verify
// --jwks` (offline, from the published keys' windows), as by the issuer.
func TestVerifyJWKSRefusesLateSignatures(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	if code := run(ctx, []string{"migrate", "--db", db}); code != 0 {
		t.Fatalf("migrate: exit %d", code)
	}
	kek := newKEKFile(t)
	svc, st, err := openCredentialCommand(ctx, "test", signing, []string{"--db", db, "--kek-file", kek}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec, err := svc.Issue(ctx, &sesame.Score{Person: "p1", Status: sesame.StatusScored, Score: 702, Band: sesame.BandOf(702), ModelVersion: "m", AsOf: time.Now()},
		credential.IssueRequest{Kind: credential.KindScore})
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := svc.Store.Keys(ctx)
	retired := keys[0]
	priv, err := svc.Sealer.Open(retired.KID, retired.Sealed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // iat has whole seconds
	now := time.Now()
	late, _ := credential.Sign(credential.Claims{Issuer: "x", Subject: "p1", ID: "late", IssuedAt: now.Unix(), NotBefore: now.Unix(), Expiry: now.Add(time.Hour).Unix(),
		Statement: credential.Statement{Kind: credential.KindScore, Score: 900, Band: sesame.BandOf(900), AsOf: now.Format(time.DateOnly)}}, retired.KID, priv)
	set, err := svc.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(set)
	jwks := filepath.Join(dir, "jwks.json")
	os.WriteFile(jwks, body, 0o600)
	out, code := runCaptured(t, func() int { return run(ctx, []string{"verify", "--jwks", jwks, late}) })
	if code != 1 || !strings.Contains(out, "INVALID (key_retired)") {
		t.Errorf("verify --jwks, retired key signing after retirement: exit %d %q", code, out)
	}
	out, code = runCaptured(t, func() int { return run(ctx, []string{"verify", "--jwks", jwks, rec.Token}) })
	if code != 0 || !strings.HasPrefix(out, "VALID") {
		t.Errorf("verify --jwks, signed before retirement: exit %d %q", code, out)
	}
}

// TestVerifyStatusListOffline: `sesame verify --jwks K --status-list L`
// finds a revoked credential revoked, offline, from the issuer's signed
// status list; without --status-list it says revocation was not checked.
func TestVerifyStatusListOffline(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if code := run(ctx, []string{"migrate", "--db", filepath.Join(dir, "s.db")}); code != 0 {
		t.Fatalf("migrate: exit %d", code)
	}
	svc, st, err := openCredentialCommand(ctx, "test", signing, []string{"--db", filepath.Join(dir, "s.db"), "--kek-file", newKEKFile(t)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sc := &sesame.Score{Person: "p1", Status: sesame.StatusScored, Score: 702, Band: sesame.BandOf(702), ModelVersion: "m", AsOf: time.Now()}
	live, err := svc.Issue(ctx, sc, credential.IssueRequest{Kind: credential.KindScore})
	if err != nil {
		t.Fatal(err)
	}
	gone, _ := svc.Issue(ctx, sc, credential.IssueRequest{Kind: credential.KindScore})
	if err := svc.Revoke(ctx, "p1", gone.ID); err != nil {
		t.Fatal(err)
	}
	set, _ := svc.JWKS(ctx)
	body, _ := json.Marshal(set)
	list, err := svc.StatusList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jwks, statusList := filepath.Join(dir, "jwks.json"), filepath.Join(dir, "status.jwt")
	os.WriteFile(jwks, body, 0o600)
	os.WriteFile(statusList, []byte(list), 0o600)
	verify := func(args ...string) (string, int) {
		return runCaptured(t, func() int { return run(ctx, append([]string{"verify", "--jwks", jwks}, args...)) })
	}
	if out, code := verify("--status-list", statusList, gone.Token); code != 1 || !strings.Contains(out, "INVALID (revoked)") {
		t.Errorf("revoked, with the status list: exit %d %q", code, out)
	}
	if out, code := verify("--status-list", statusList, live.Token); code != 0 || !strings.Contains(out, "not revoked as of") || strings.Contains(out, "NOT CHECKED") {
		t.Errorf("live, with the status list: exit %d %q", code, out)
	}
	if out, code := verify(gone.Token); code != 0 || !strings.Contains(out, "NOT CHECKED") {
		t.Errorf("revoked, without a status list: exit %d %q (offline without a list cannot know)", code, out)
	}
	time.Sleep(1100 * time.Millisecond) // the list's iat has whole seconds
	if out, code := verify("--status-list", statusList, "--max-age", "1s", live.Token); code != 1 || !strings.Contains(out, "status_unknown") {
		t.Errorf("a list older than --max-age: exit %d %q", code, out)
	}
}
