package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sesame-credit/sesame/auth/authtest"
)

func TestSignInStoresContract(t *testing.T) {
	authtest.Run(t, func(t *testing.T) authtest.Stores {
		db, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s := db.Sessions()
		return authtest.Stores{Sessions: s, Contacts: s, Passkeys: s}
	})
}

func TestContactEvents(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	authtest.RunContactEvents(t, db.Events(), db.Sessions())
}
