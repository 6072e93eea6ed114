package dispute_test

import (
	"bytes"
	"context"
	"github.com/sesame-credit/sesame/audit"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/dispute"
	"github.com/sesame-credit/sesame/feature"
	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/model/table"
	"github.com/sesame-credit/sesame/score"
	"github.com/sesame-credit/sesame/simulate"
	"github.com/sesame-credit/sesame/sqlite"
)

// scoredLedger is a SQLite ledger of simulated people, a model trained on
// them, and the score service over it with stored feature states.
func scoredLedger(t *testing.T, people int) (*sqlite.DB, *score.Service) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sesame.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g := simulate.New(simulate.Options{Seed: 7})
	var batch []sesame.Event
	for i := range people {
		batch = append(batch, g.Person(i)...)
	}
	if _, err := db.Events().Append(ctx, batch); err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	end := simulate.DefaultEnd
	if _, err := feature.BuildDataset(ctx, db.Events(), &csv, feature.DatasetOptions{AsOf: end.AddDate(-1, 0, 0), End: end,
		Outcome: feature.AllOutcomes, Backfilled: true}); err != nil {
		t.Fatal(err)
	}
	m, err := trainCSV(csv.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var artifact bytes.Buffer
	if err := m.Write(&artifact); err != nil {
		t.Fatal(err)
	}
	st := db.Scores()
	svc := &score.Service{Events: db.Events(), Scanner: db.Events(), Scores: st, Models: st, States: db.FeatureStates(),
		Profiler: score.NewFeatureProfiler(score.DefaultMinHistory)}
	info, err := svc.Register(ctx, artifact.Bytes(), "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ActivateModel(ctx, info.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RescoreAll(ctx, score.RescoreOptions{Fresh: true}); err != nil {
		t.Fatal(err)
	}
	return db, svc
}

func trainCSV(b []byte) (*model.Model, error) {
	t, err := table.Read(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	d, err := model.LoadDataset(t, model.DataSpec{Label: "bad", Exclude: []string{"person"}})
	if err != nil {
		return nil, err
	}
	cfg := model.Config{Seed: 42, Interactions: 0, Catalogue: score.ModelCatalogue()}
	cfg.Scaling = model.DefaultScaling()
	return model.Train(d, cfg)
}

// The deadline with an injected clock: a dispute still unanswered after 30
// days takes the record out of scoring and the person is rescored at once;
// before the deadline nothing changes.
func TestUnansweredDisputeIsSuppressedAndRescored(t *testing.T) {
	ctx := context.Background()
	db, scores := scoredLedger(t, 1500)
	person := simulate.PersonID(3)
	// A court listing the person disputes: it costs points while it counts.
	listed := sesame.Event{Version: sesame.EnvelopeVersion, Source: "court", ID: "j-1", Person: person,
		Kind: sesame.KindPublicRecordListed, OccurredAt: simulate.DefaultEnd.AddDate(0, -2, 0),
		Payload: &sesame.PublicRecordListed{Record: "j-1", Type: "judgment"}}
	if _, err := db.Events().Append(ctx, []sesame.Event{listed}); err != nil {
		t.Fatal(err)
	}
	if err := scores.Refresh(ctx, person); err != nil {
		t.Fatal(err)
	}
	before, err := db.Scores().LatestScore(ctx, person)
	if err != nil {
		t.Fatal(err)
	}
	if before.Features["public_records_open"] != 1 {
		t.Fatalf("the listing does not count before the dispute: %v", before.Features["public_records_open"])
	}

	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	svc := &dispute.Service{Store: db.Disputes(), Scores: scores, Now: func() time.Time { return now },
		Audit: &audit.Recorder{Log: db.AccessLog()}}
	d, err := svc.Open(ctx, person, listed.Key(), "I never had a court case", "")
	if err != nil {
		t.Fatal(err)
	}
	if !d.Deadline.Equal(now.Add(30 * 24 * time.Hour)) {
		t.Fatalf("deadline %s, want 30 days on", d.Deadline)
	}
	now = now.Add(30*24*time.Hour - time.Minute)
	if expired, err := svc.Expire(ctx); err != nil || len(expired) != 0 {
		t.Fatalf("a minute before the deadline: %v, %v", expired, err)
	}
	if sc, _ := db.Scores().LatestScore(ctx, person); sc.Score != before.Score {
		t.Fatalf("rescored before the deadline: %d → %d", before.Score, sc.Score)
	}
	now = now.Add(time.Minute)
	expired, err := svc.Expire(ctx)
	if err != nil || len(expired) != 1 || expired[0].Status != sesame.DisputeExpired || expired[0].Person != person {
		t.Fatalf("at the deadline: %+v, %v", expired, err)
	}
	after, err := db.Scores().LatestScore(ctx, person)
	if err != nil {
		t.Fatal(err)
	}
	if after.Features["public_records_open"] != 0 {
		t.Fatalf("the suppressed listing still counts: public_records_open %v", after.Features["public_records_open"])
	}
	if after.Score <= before.Score {
		t.Fatalf("score %d after the record was suppressed, %d before: want it higher", after.Score, before.Score)
	}
	// Every step is in the person's tamper-evident access log.
	entries, err := db.AccessLog().AccessEntries(ctx, person, 10)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, e := range entries {
		steps = append(steps, e.Actor+" "+e.Action)
	}
	if !slices.Contains(steps, "person dispute.open") || !slices.Contains(steps, "sesame:deadline dispute.suppress") {
		t.Fatalf("the access log's steps %q, want the opening and the suppression", steps)
	}
	// A full rescore from the stored states agrees: the listing is gone.
	if _, err := scores.RescoreAll(ctx, score.RescoreOptions{Fresh: true}); err != nil {
		t.Fatal(err)
	}
	if again, _ := db.Scores().LatestScore(ctx, person); again.Score != after.Score {
		t.Fatalf("a full rescore gives %d, the dispute's rescore %d", again.Score, after.Score)
	}
	// Too late to answer now.
	if _, err := svc.Answer(ctx, listed.Key(), sesame.DisputeVerified, "found it"); sesame.ErrorCode(err) != sesame.ECONFLICT {
		t.Fatalf("an answer after the deadline: %v, want conflict", err)
	}
}

// A source's answer: verified keeps the record; deleted rescores without it.
func TestSourceAnswers(t *testing.T) {
	ctx := context.Background()
	db, scores := scoredLedger(t, 1500)
	person := simulate.PersonID(4)
	var listings []sesame.Event
	for _, id := range []string{"j-1", "j-2"} {
		listings = append(listings, sesame.Event{Version: sesame.EnvelopeVersion, Source: "court", ID: id, Person: person,
			Kind: sesame.KindPublicRecordListed, OccurredAt: simulate.DefaultEnd.AddDate(0, -2, 0),
			Payload: &sesame.PublicRecordListed{Record: id, Type: "judgment"}})
	}
	if _, err := db.Events().Append(ctx, listings); err != nil {
		t.Fatal(err)
	}
	if err := scores.Refresh(ctx, person); err != nil {
		t.Fatal(err)
	}
	svc := &dispute.Service{Store: db.Disputes(), Scores: scores}
	for _, e := range listings {
		if _, err := svc.Open(ctx, person, e.Key(), "not mine", "letter from the court"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Answer(ctx, listings[0].Key(), sesame.DisputeVerified, "on file"); err != nil {
		t.Fatal(err)
	}
	if sc, _ := db.Scores().LatestScore(ctx, person); sc.Features["public_records_open"] != 2 {
		t.Fatalf("after a verified answer: public_records_open %v, want 2", sc.Features["public_records_open"])
	}
	if _, err := svc.Answer(ctx, listings[1].Key(), sesame.DisputeDeleted, "filed against the wrong person"); err != nil {
		t.Fatal(err)
	}
	if sc, _ := db.Scores().LatestScore(ctx, person); sc.Features["public_records_open"] != 1 {
		t.Fatalf("after a deletion: public_records_open %v, want 1", sc.Features["public_records_open"])
	}
	for _, bad := range []struct {
		reason, field string
	}{{"", "reason"}, {string(make([]byte, dispute.MaxText+1)), "reason"}} {
		if _, err := svc.Open(ctx, person, listings[0].Key(), bad.reason, ""); sesame.ErrorCode(err) != sesame.EINVALID {
			t.Errorf("reason %q: %v, want invalid", bad.reason[:min(len(bad.reason), 10)], err)
		}
	}
}
