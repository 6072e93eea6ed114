package postgres_test

import (
	"testing"

	"github.com/sesame-credit/sesame/consenttest"
)

func TestTrustStoresContract(t *testing.T) {
	consenttest.Run(t, func(t *testing.T) consenttest.Stores {
		s := openFresh(t).Trust()
		return consenttest.Stores{Partners: s, Sessions: s, Consents: s, AccessLog: s, Decisions: s}
	})
}
