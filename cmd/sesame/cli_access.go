package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/user"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/consent"
)

// A command that reads a person's data from the store (score, tips,
// events) is a look like an operator's over HTTP: it is written to the
// person's access log, durably, before anything is printed.

// actorFlag registers --actor: who is reading, for the access log.
func actorFlag(fs *flag.FlagSet) *string {
	return fs.String("actor", envOr("SESAME_ACTOR", ""), "who is reading, as the person's access log names it (env SESAME_ACTOR; default: the OS user)")
}

// logCLIRead appends the read to the person's access log as
// "cli:ACTOR" and returns once it is durable.
func logCLIRead(ctx context.Context, st *store, actor, person, what string) error {
	if actor == "" {
		if u, err := user.Current(); err == nil && u.Username != "" {
			actor = u.Username
		} else if actor = os.Getenv("USER"); actor == "" {
			return fmt.Errorf("cannot tell who is reading %s's data for their access log: pass --actor NAME", person)
		}
	}
	rec := &audit.Recorder{Log: trustOf(st).AccessLog}
	return rec.Record(ctx, &sesame.AccessEntry{Person: person, Actor: "cli:" + actor, Action: consent.ActionOperatorRead,
		Scope: sesame.ScopeFull, Outcome: sesame.AccessAllowed, Reason: what})
}
