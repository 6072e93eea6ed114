package portaltest

import (
	"github.com/sesame-credit/sesame/credential"
	"github.com/sesame-credit/sesame/portal"
)

// Fixture is a portal configuration wired to the fakes, with handles on them.
type Fixture struct {
	Config   portal.Config
	Auth     *Auth
	Consents *Consents
	Events   *Events
	Creds    *credential.Service
}

// NewFixture wires every dependency to a fake; credentials use the real
// credential service over an in-memory store.
func NewFixture() *Fixture {
	sealer, err := credential.NewSealer(make([]byte, credential.KEKSize)) // a test KEK
	if err != nil {
		panic(err)
	}
	f := &Fixture{Auth: NewAuth("alice", "bob"), Consents: NewConsents(), Events: NewEvents()}
	f.Creds = &credential.Service{Store: &credential.MemStore{}, Sealer: sealer, Issuer: "http://sesame.test"}
	f.Config = portal.Config{Auth: f.Auth, Scores: NewScores(), Events: f.Events, Disputes: &Disputes{Events: f.Events},
		Consents: f.Consents, AccessLog: AccessLog{}, Benefits: Benefits{}, Credentials: f.Creds, DemoMode: true}
	return f
}
