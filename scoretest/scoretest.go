// Package scoretest is the contract every score store meets: the latest
// score and the append-only history, the model registry with one active
// version, and the checkpoints of long jobs. Each implementation runs Run
// from its own tests, as the ledger's implementations run ledgertest.Run.
package scoretest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
)

// Store is what a score store implements.
type Store interface {
	sesame.ScoreStore
	sesame.ModelStore
	sesame.ScaleStore
	sesame.ChallengerStore
}

// Opened is a fresh, empty store and a way to run raw SQL on its database,
// used to show that history cannot be rewritten behind the store's back.
type Opened struct {
	Store Store
	Exec  func(ctx context.Context, sql string) error
}

// Run runs the contract against stores made by open, one per test.
func Run(t *testing.T, open func(t *testing.T) Opened) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Opened)
	}{
		{"HistoryIsAppendOnly", testHistoryIsAppendOnly},
		{"LatestKeepsWholeScore", testLatestKeepsWholeScore},
		{"InsufficientHistory", testInsufficientHistory},
		{"BatchOfManyPeople", testBatchOfManyPeople},
		{"HistoryLimit", testHistoryLimit},
		{"HistoryPages", testHistoryPages},
		{"ConcurrentSaves", testConcurrentSaves},
		{"ModelRegistryKeepsOneActive", testModelRegistry},
		{"Checkpoints", testCheckpoints},
		{"ChunkWithCheckpoint", testChunk},
		{"PointsScaleIsSetOnce", testPointsScale},
		{"ChallengerShadowAndPromotions", testChallenger},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var asOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func scored(person string, s int, month int) *sesame.Score {
	return &sesame.Score{Person: person, Status: sesame.StatusScored, Score: s, Band: sesame.BandOf(s),
		ModelVersion: "m1", AsOf: asOf.AddDate(0, month, 0), Features: map[string]float64{"utilisation": float64(month)}}
}

func save(t *testing.T, st Store, scores ...*sesame.Score) {
	t.Helper()
	if err := st.SaveScores(context.Background(), scores); err != nil {
		t.Fatal(err)
	}
}

func testHistoryIsAppendOnly(t *testing.T, o Opened) {
	ctx := context.Background()
	for i, s := range []int{610, 655, 702} {
		save(t, o.Store, scored("p1", s, i))
	}
	hist, err := o.Store.ScoreHistory(ctx, "p1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || hist[0].Score != 702 || hist[2].Score != 610 || hist[0].Band != sesame.Excellent {
		t.Fatalf("history = %+v, want 702, 655, 610 newest first", hist)
	}
	if !hist[0].AsOf.Equal(asOf.AddDate(0, 2, 0)) || hist[0].ModelVersion != "m1" || hist[0].Status != sesame.StatusScored {
		t.Errorf("newest point = %+v", hist[0])
	}
	if hist[0].Seq <= hist[1].Seq {
		t.Errorf("seqs %d, %d: newer history must have a larger seq", hist[0].Seq, hist[1].Seq)
	}
	for _, q := range []string{`UPDATE scores SET score = 950`, `DELETE FROM scores`} {
		if err := o.Exec(ctx, q); err == nil {
			t.Errorf("%s succeeded; history must be append-only", q)
		}
	}
	if again, _ := o.Store.ScoreHistory(ctx, "p1", 10); !reflect.DeepEqual(again, hist) {
		t.Errorf("history changed: %+v", again)
	}
	if _, err := o.Store.LatestScore(ctx, "nobody"); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Errorf("unknown person: %v, want not_found", err)
	}
	if h, err := o.Store.ScoreHistory(ctx, "nobody", 10); err != nil || len(h) != 0 || h == nil {
		t.Errorf("unknown person's history = %#v, %v; want an empty list", h, err)
	}
}

func testLatestKeepsWholeScore(t *testing.T, o Opened) {
	ctx := context.Background()
	want := &sesame.Score{Person: "p2", Status: sesame.StatusScored, Score: 688, Band: sesame.BandOf(688),
		Dimensions:   []sesame.DimensionScore{{Dimension: sesame.CreditHistory, Score: 701, Points: 12.5}, {Dimension: sesame.Identity, Score: 640, Points: -3.25}},
		Reasons:      []sesame.Reason{{Feature: "utilisation", Dimension: sesame.Fulfilment, Text: "High utilisation", PointsLost: 21.5}},
		Tips:         []sesame.Tip{{Feature: "utilisation", Action: "Pay your card balances down to 30% of their limits", Gain: 17, Target: 0.3}},
		ModelVersion: "m2", AsOf: asOf, Features: map[string]float64{"utilisation": 0.82, "on_time_share": 1}}
	save(t, o.Store, scored("p2", 600, 0), want)
	got, err := o.Store.LatestScore(ctx, "p2")
	if err != nil {
		t.Fatal(err)
	}
	if !got.AsOf.Equal(want.AsOf) {
		t.Errorf("as_of %v, want %v", got.AsOf, want.AsOf)
	}
	got.AsOf = want.AsOf
	if !reflect.DeepEqual(got, want) {
		t.Errorf("latest = %+v\nwant     %+v", got, want)
	}
	// A store that serves the API body as stored serves exactly what
	// encoding/json makes of the score — features never among it.
	{
		js := o.Store
		body, err := js.LatestScoreJSON(ctx, "p2")
		wantBody, _ := json.Marshal(want)
		if err != nil || !bytes.Equal(body, wantBody) || bytes.Contains(body, []byte(`"features"`)) {
			t.Errorf("stored API body %s, %v\nwant            %s", body, err, wantBody)
		}
		if _, err := js.LatestScoreJSON(ctx, "nobody"); sesame.ErrorCode(err) != sesame.ENOTFOUND {
			t.Errorf("unknown person's body: %v, want not_found", err)
		}
	}
}

func testInsufficientHistory(t *testing.T, o Opened) {
	ctx := context.Background()
	want := &sesame.Score{Person: "p3", Status: sesame.StatusInsufficientHistory, ModelVersion: "m1", AsOf: asOf,
		Missing: []string{"at least 6 months of records", "a credit line, a bill or a rental"}}
	save(t, o.Store, want)
	got, err := o.Store.LatestScore(ctx, "p3")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != want.Status || got.Score != 0 || !reflect.DeepEqual(got.Missing, want.Missing) {
		t.Errorf("latest = %+v, want %+v", got, want)
	}
	hist, _ := o.Store.ScoreHistory(ctx, "p3", 10)
	if len(hist) != 1 || hist[0].Status != sesame.StatusInsufficientHistory || hist[0].Score != 0 {
		t.Errorf("history = %+v", hist)
	}
}

func testBatchOfManyPeople(t *testing.T, o Opened) {
	ctx := context.Background()
	var batch []*sesame.Score
	for i := 0; i < 2500; i++ {
		batch = append(batch, scored(fmt.Sprintf("p%05d", i), 350+i%601, 0))
	}
	save(t, o.Store, batch...)
	for _, i := range []int{0, 1, 1234, 2499} {
		got, err := o.Store.LatestScore(ctx, fmt.Sprintf("p%05d", i))
		if err != nil || got.Score != 350+i%601 {
			t.Errorf("person %d: %+v, %v", i, got, err)
		}
	}
	if err := o.Store.SaveScores(ctx, nil); err != nil {
		t.Errorf("empty batch: %v", err)
	}
}

func testHistoryLimit(t *testing.T, o Opened) {
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		save(t, o.Store, scored("p4", 600+i, i))
	}
	hist, err := o.Store.ScoreHistory(ctx, "p4", 2)
	if err != nil || len(hist) != 2 || hist[0].Score != 604 || hist[1].Score != 603 {
		t.Fatalf("history limit 2 = %+v, %v", hist, err)
	}
	if all, _ := o.Store.ScoreHistory(ctx, "p4", 0); len(all) != 5 {
		t.Errorf("limit 0 gave %d points, want all 5", len(all))
	}
}

// testHistoryPages: a history longer than the 1000 entries a page may
// hold reads page by page from the last seq, with no repeats or gaps, and
// others' scores in between do not show.
func testHistoryPages(t *testing.T, o Opened) {
	ctx := context.Background()
	const n = 1203
	for i := range n {
		save(t, o.Store, scored("p6", 350+i%600, i%24), scored("p7", 600, i%24))
	}
	var got []int
	var before int64
	for pages := 0; pages <= n/100+1; pages++ {
		h, err := o.Store.ScoreHistoryBefore(ctx, "p6", before, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range h {
			if before != 0 && p.Seq >= before {
				t.Fatalf("seq %d on the page before %d", p.Seq, before)
			}
			got = append(got, p.Score)
		}
		if len(h) < 100 {
			break
		}
		before = h[len(h)-1].Seq
	}
	if len(got) != n {
		t.Fatalf("paged %d entries, want %d", len(got), n)
	}
	for i, s := range got {
		if want := 350 + (n-1-i)%600; s != want {
			t.Fatalf("entry %d has score %d, want %d (newest first)", i, s, want)
		}
	}
}

// testConcurrentSaves: refreshes of the same person from several goroutines
// (on-event rescoring beside a full refresh) all land in the history, and
// the latest score is one of them.
func testConcurrentSaves(t *testing.T, o Opened) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				if err := o.Store.SaveScores(ctx, []*sesame.Score{scored("p5", 500+g*10+i, i)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	hist, _ := o.Store.ScoreHistory(ctx, "p5", 100)
	if len(hist) != 40 {
		t.Fatalf("history has %d points, want 40", len(hist))
	}
	latest, err := o.Store.LatestScore(ctx, "p5")
	if err != nil || latest.Score != hist[0].Score {
		t.Errorf("latest %+v, %v; newest history point %+v", latest, err, hist[0])
	}
}

func testModelRegistry(t *testing.T, o Opened) {
	ctx := context.Background()
	st := o.Store
	if _, _, err := st.ActiveModel(ctx); sesame.ErrorCode(err) != sesame.EUNAVAILABLE {
		t.Fatalf("no model: %v, want unavailable", err)
	}
	for _, v := range []string{"a", "b"} {
		info := sesame.ModelInfo{Version: v, Kind: "additive", CreatedAt: time.Now(), AUC: 0.78, Note: "v " + v}
		if err := st.SaveModel(ctx, info, []byte(`{"v":"`+v+`"}`)); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveModel(ctx, info, []byte(`{"v":"`+v+`"}`)); err != nil {
			t.Fatalf("saving %s again: %v (must be idempotent)", v, err)
		}
	}
	for _, v := range []string{"a", "b"} {
		if err := st.ActivateModel(ctx, v); err != nil {
			t.Fatal(err)
		}
		info, art, err := st.ActiveModel(ctx)
		if err != nil || info.Version != v || string(art) != `{"v":"`+v+`"}` || info.AUC != 0.78 || info.Note != "v "+v {
			t.Fatalf("active = %+v %s %v, want %s", info, art, err, v)
		}
	}
	if err := st.ActivateModel(ctx, "zzz"); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("unknown version: %v", err)
	}
	if _, err := st.ModelArtifact(ctx, "zzz"); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("unknown artifact: %v", err)
	}
	if art, err := st.ModelArtifact(ctx, "a"); err != nil || string(art) != `{"v":"a"}` {
		t.Fatalf("artifact a = %s, %v", art, err)
	}
	ms, err := st.Models(ctx)
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, m := range ms {
		if m.Active {
			active++
			if m.Version != "b" {
				t.Errorf("active model %s, want b", m.Version)
			}
		}
	}
	if len(ms) != 2 || active != 1 {
		t.Fatalf("models = %+v", ms)
	}
	// The drift measured at registration is stored with the version.
	psi := 0.31
	drift := &sesame.ModelDrift{People: 1200, ScorePSI: &psi, InputCSI: map[string]float64{"utilisation": 0.42, "late_payments": 0.01}}
	if err := st.SaveModel(ctx, sesame.ModelInfo{Version: "c", Kind: "additive", CreatedAt: time.Now(), Drift: drift}, []byte(`{"v":"c"}`)); err != nil {
		t.Fatal(err)
	}
	if ms, err = st.Models(ctx); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		switch {
		case m.Version == "c" && (m.Drift == nil || m.Drift.People != 1200 || m.Drift.ScorePSI == nil || *m.Drift.ScorePSI != psi || m.Drift.InputCSI["utilisation"] != 0.42):
			t.Errorf("version c's registration drift came back as %+v", m.Drift)
		case m.Version != "c" && m.Drift != nil:
			t.Errorf("version %s, registered without a population, has drift %+v", m.Version, m.Drift)
		}
	}
}

func testCheckpoints(t *testing.T, o Opened) {
	ctx := context.Background()
	st := o.Store
	if p, err := st.Checkpoint(ctx, "rescore"); p != "" || err != nil {
		t.Fatalf("fresh checkpoint %q, %v", p, err)
	}
	for _, pos := range []string{"p500", "p900"} {
		if err := st.SaveCheckpoint(ctx, "rescore", pos); err != nil {
			t.Fatal(err)
		}
		if p, _ := st.Checkpoint(ctx, "rescore"); p != pos {
			t.Fatalf("checkpoint %q, want %q", p, pos)
		}
	}
	if p, _ := st.Checkpoint(ctx, "other"); p != "" {
		t.Errorf("another job sees %q", p)
	}
	if err := st.SaveCheckpoint(ctx, "rescore", ""); err != nil {
		t.Fatal(err)
	}
	if p, _ := st.Checkpoint(ctx, "rescore"); p != "" {
		t.Fatalf("cleared checkpoint %q", p)
	}
}

// testChunk: a rescore's chunk, prepared apart, is stored with its job's
// checkpoint.
func testChunk(t *testing.T, o Opened) {
	ctx := context.Background()
	st := o.Store
	p, err := st.PrepareScores([]*sesame.Score{scored("c1", 700, 0), scored("c2", 400, 0)})
	if err != nil || p.Len() != 2 {
		t.Fatalf("prepared %v, %v", p, err)
	}
	if err := st.SaveChunk(ctx, p, "rescore", "c2"); err != nil {
		t.Fatal(err)
	}
	if pos, _ := st.Checkpoint(ctx, "rescore"); pos != "c2" {
		t.Fatalf("checkpoint after the chunk %q, want c2", pos)
	}
	for _, person := range []string{"c1", "c2"} {
		if _, err := st.LatestScore(ctx, person); err != nil {
			t.Fatalf("%s after the chunk: %v", person, err)
		}
	}
}

func testPointsScale(t *testing.T, o Opened) {
	ctx := context.Background()
	first := sesame.PointsScale{AnchorScore: 600, AnchorOdds: 30, PDO: 40, FixedAt: asOf}
	got, err := o.Store.FixPointsScale(ctx, first)
	if err != nil || !got.Same(first) || !got.FixedAt.Equal(asOf) {
		t.Fatalf("first scale: %+v, %v; want %+v", got, err, first)
	}
	other := sesame.PointsScale{AnchorScore: 500, AnchorOdds: 20, PDO: 20, FixedAt: asOf.Add(time.Hour)}
	got, err = o.Store.FixPointsScale(ctx, other)
	if err != nil || !got.Same(first) || !got.FixedAt.Equal(asOf) {
		t.Fatalf("a second scale replaced the first: %+v, %v", got, err)
	}
}

func testChallenger(t *testing.T, o Opened) {
	ctx := context.Background()
	st := o.Store
	if _, _, err := st.Challenger(ctx); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("no challenger yet: %v", err)
	}
	for _, v := range []string{"champ", "chall"} {
		if err := st.SaveModel(ctx, sesame.ModelInfo{Version: v, Kind: "additive", CreatedAt: asOf}, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetChallenger(ctx, "nope"); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("unknown challenger: %v", err)
	}
	if err := st.SetChallenger(ctx, "chall"); err != nil {
		t.Fatal(err)
	}
	if info, art, err := st.Challenger(ctx); err != nil || info.Version != "chall" || string(art) != "chall" {
		t.Fatalf("challenger = %+v %s %v", info, art, err)
	}
	shadow := &sesame.Score{Person: "p1", Status: sesame.StatusScored, Score: 640, Band: sesame.BandOf(640), ModelVersion: "chall", AsOf: asOf}
	if err := st.SaveShadowScores(ctx, []*sesame.Score{shadow}); err != nil {
		t.Fatal(err)
	}
	shadow.Score, shadow.Band = 655, sesame.BandOf(655)
	if err := st.SaveShadowScores(ctx, []*sesame.Score{shadow}); err != nil {
		t.Fatal(err)
	}
	if got, err := st.ShadowScore(ctx, "p1", "chall"); err != nil || got.Score != 655 || got.Status != sesame.StatusScored || !got.AsOf.Equal(asOf) {
		t.Fatalf("shadow score = %+v, %v", got, err)
	}
	if _, err := st.LatestScore(ctx, "p1"); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("a shadow score reached the served scores: %v", err)
	}
	p1, err := st.Promote(ctx, sesame.Promotion{Version: "champ", Action: "promote", Reason: "first model"})
	if err != nil || p1.Previous != "" {
		t.Fatalf("first promotion: %+v %v", p1, err)
	}
	p2, err := st.Promote(ctx, sesame.Promotion{Version: "chall", Action: "promote", Reason: "AUC +0.01 on the last window"})
	if err != nil || p2.Previous != "champ" || p2.Seq <= p1.Seq {
		t.Fatalf("second promotion: %+v %v", p2, err)
	}
	if info, _, err := st.ActiveModel(ctx); err != nil || info.Version != "chall" {
		t.Fatalf("active after promotion: %+v %v", info, err)
	}
	if _, _, err := st.Challenger(ctx); sesame.ErrorCode(err) != sesame.ENOTFOUND {
		t.Fatalf("a promoted challenger is still the challenger: %v", err)
	}
	if _, err := st.Promote(ctx, sesame.Promotion{Version: "chall", Action: "promote", Reason: "again"}); sesame.ErrorCode(err) != sesame.ECONFLICT {
		t.Fatalf("promoting the active model: %v", err)
	}
	log, err := st.Promotions(ctx)
	if err != nil || len(log) != 2 || log[0].Reason != "AUC +0.01 on the last window" || log[1].Version != "champ" {
		t.Fatalf("promotions = %+v %v", log, err)
	}
}
