package postgres_test

import (
	"testing"

	"github.com/sesame-credit/sesame/auth/authtest"
)

func TestSignInStoresContract(t *testing.T) {
	authtest.Run(t, func(t *testing.T) authtest.Stores {
		s := openFresh(t).Trust()
		return authtest.Stores{Sessions: s, Contacts: s, Passkeys: s}
	})
}

func TestContactEvents(t *testing.T) {
	db := openFresh(t)
	authtest.RunContactEvents(t, db.Events(), db.Trust())
}
