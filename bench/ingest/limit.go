package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ingest"
)

// runLimit inserts the same rows the file run stores into the same schema
// with one prepared INSERT in one transaction. Decoding, canonical encoding
// and fingerprints are done before the clock starts: what is measured is
// only what SQLite must do for these rows.
func runLimit(ctx context.Context, env *Env) (Measured, error) {
	type row struct {
		e       sesame.Event
		payload []byte
		fp      [32]byte
	}
	f, err := os.Open(env.Input)
	if err != nil {
		return Measured{}, err
	}
	dec, err := ingest.NewDecoder(f, ingest.Options{Format: ingest.NDJSON})
	if err != nil {
		return Measured{}, err
	}
	rows := make([]row, 0, env.N)
	for {
		rec, err := dec.Next()
		if err != nil {
			break
		}
		if rec.Err != nil {
			return Measured{}, rec.Err
		}
		p, fp, err := rec.Event.Canonical()
		if err != nil {
			return Measured{}, err
		}
		rows = append(rows, row{rec.Event, p, fp})
	}
	f.Close()
	db, err := env.NewDB(ctx, "limit")
	if err != nil {
		return Measured{}, err
	}
	defer db.Close()

	start := time.Now()
	err = db.WriteTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO events
			(source, id, person, kind, occurred_at, occurred_tz, recorded_at, version, payload, fingerprint)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		now := time.Now().UnixNano()
		for i := range rows {
			e := &rows[i].e
			_, off := e.OccurredAt.Zone()
			if _, err := st.ExecContext(ctx, e.Source, e.ID, e.Person, string(e.Kind), e.OccurredAt.UnixNano(), off, now, e.Version, rows[i].payload, rows[i].fp[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Measured{}, fmt.Errorf("bulk insert: %w", err)
	}
	return Measured{Events: len(rows), Took: time.Since(start)}, nil
}
