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
