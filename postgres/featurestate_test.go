package postgres_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/postgres"
	"github.com/sesame-credit/sesame/score"
	"github.com/sesame-credit/sesame/simulate"
)

var _ score.StateStore = (*postgres.FeatureStateStore)(nil)

// The raw scan must give the training set the typed scan gives, byte for
// byte, whatever the batch size: tiny batches end mid-person (the person is
// then left to the next batch), and a person with more rows than a batch is
// read alone.
func TestDatasetRawEqualsTyped(t *testing.T) {
	ctx := context.Background()
	db := openFresh(t)
	g := simulate.New(simulate.Options{Seed: 11})
	var batch []sesame.Event
	for i := 0; i < 120; i++ {
		batch = append(batch, g.Person(i)...)
	}
	if _, err := db.Events().Append(ctx, batch); err != nil {
		t.Fatal(err)
	}
	asOf := simulate.DefaultEnd.AddDate(0, -12, 0)
	opt := feature.DatasetOptions{AsOf: asOf, End: simulate.DefaultEnd, Outcome: feature.AllOutcomes,
		MinHistory: 90 * 24 * time.Hour, Protected: []string{"sex"}, Backfilled: true, Workers: 2}
	var typed bytes.Buffer
	want, err := feature.BuildDataset(ctx, db.Events(), &typed, opt)
	if err != nil {
		t.Fatal(err)
	}
	if want.Rows == 0 {
		t.Fatalf("no rows: %+v", want)
	}
	states := db.FeatureStates()
	end, err := states.LedgerEnd(ctx)
	if err != nil || end != int64(len(batch)) {
		t.Fatalf("ledger end %d, %v; appended %d", end, err, len(batch))
	}
	for _, rows := range []int{100_000, 37, 5} {
		restore := postgres.SetRawScanRows(rows)
		var raw bytes.Buffer
		got, err := feature.BuildDatasetRaw(ctx, func(ctx context.Context, fn func([]feature.RawPerson, func()) error) error {
			return states.ScanEvents(ctx, "", end, fn)
		}, &raw, opt)
		restore()
		if err != nil {
			t.Fatal(err)
		}
		if got != want || !bytes.Equal(raw.Bytes(), typed.Bytes()) {
			t.Fatalf("batches of %d rows: raw %+v (%d bytes), typed %+v (%d bytes)", rows, got, raw.Len(), want, typed.Len())
		}
	}
}

// A snapshot rescore checkpoints "person NUL seq"; the position must come
// back as saved, backslashes and all.
func TestCheckpointKeepsNUL(t *testing.T) {
	ctx := context.Background()
	st := openFresh(t).Scores()
	for _, pos := range []string{"p-1\x00123", `a\0b\\c` + "\x00" + `\`, "plain"} {
		if err := st.SaveCheckpoint(ctx, "job", pos); err != nil {
			t.Fatal(err)
		}
		got, err := st.Checkpoint(ctx, "job")
		if err != nil || got != pos {
			t.Fatalf("saved %q, read %q (%v)", pos, got, err)
		}
	}
}
