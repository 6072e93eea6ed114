package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesame-credit/sesame/client"
	"github.com/sesame-credit/sesame/postgres/pgtest"
)

// TestScorePipelineEndToEnd runs the operator's path on a small simulated
// population — simulate, dataset build, model train, register, rescore —
// then serves it and checks that an ingested event shows in the person's
// score through the API within a second, and that history only grows; on
// the embedded SQLite store and on PostgreSQL.
func TestScorePipelineEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline: skipped in -short mode")
	}
	t.Run("sqlite", func(t *testing.T) { testScorePipeline(t, filepath.Join(t.TempDir(), "e2e.db")) })
	t.Run("postgres", func(t *testing.T) { testScorePipeline(t, pgtest.FreshURL(t)) })
}

func testScorePipeline(t *testing.T, db string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	train, modelFile := filepath.Join(dir, "train.csv"), filepath.Join(dir, "model.json")
	for _, args := range [][]string{
		{"simulate", "--db", db, "--people", "600", "--seed", "3"},
		{"dataset", "build", "--db", db, "--as-of", "2025-11-01", "--horizon", "12m", "--backfill", "--out", train},
		{"model", "train", "--data", train, "--label", "bad", "--exclude", "person", "--protected", "protected_sex", "--seed", "42", "--out", modelFile},
		{"model", "register", "--db", db, "--activate", modelFile},
		{"rescore", "--db", db, "--fresh"},
	} {
		if code := run(ctx, args); code != 0 {
			t.Fatalf("sesame %s: exit %d", strings.Join(args, " "), code)
		}
	}

	// A partner with a consent, for a decision below.
	partnerKey, code := runCaptured(t, func() int { return run(ctx, []string{"partner", "add", "--db", db, "Acme Bank"}) })
	if code != 0 {
		t.Fatalf("partner add: exit %d", code)
	}
	partnerKey = strings.TrimSpace(partnerKey)
	if _, code := runCaptured(t, func() int {
		return run(ctx, []string{"consent", "grant", "--db", db, "--purpose", "loan", "--scope", "score", "p00000007", "acme-bank"})
	}); code != 0 {
		t.Fatalf("consent grant: exit %d", code)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	go run(ctx, []string{"serve", "--db", db, "--addr", addr, "--operator-token", "op", "--log-format", "text"})
	base := "http://" + addr
	get := func(path string, v any) int {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer op")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if v != nil {
			json.Unmarshal(b, v)
		}
		return resp.StatusCode
	}
	type scoreBody struct {
		Status  string `json:"status"`
		Score   int    `json:"score"`
		Reasons []struct {
			PointsLost float64 `json:"points_lost"`
		} `json:"reasons"`
	}
	var before scoreBody
	deadline := time.Now().Add(15 * time.Second)
	for get("/v1/people/p00000007/score", &before) != 200 {
		if time.Now().After(deadline) {
			t.Fatal("server not serving scores within 15 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if before.Status != "scored" || before.Score < 350 || before.Score > 950 {
		t.Fatalf("score before: %+v", before)
	}
	var hist struct {
		History []struct{ Score int } `json:"history"`
	}
	get("/v1/people/p00000007/score/history", &hist)
	n0 := len(hist.History)

	// A court judgment is listed now: within a second the person is rescored
	// (history gains an entry) and the score does not rise.
	event := fmt.Sprintf(`{"source":"court","id":"j1","person":"p00000007","kind":"public_record.listed","occurred_at":%q,"payload":{"record":"j1","type":"court_judgment"}}`,
		time.Now().UTC().Format(time.RFC3339))
	req, _ := http.NewRequest("POST", base+"/v1/events", strings.NewReader(event))
	req.Header.Set("Authorization", "Bearer op")
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("ingest: %v %v", resp, err)
	}
	resp.Body.Close()
	posted := time.Now()
	var after scoreBody
	for {
		get("/v1/people/p00000007/score/history", &hist)
		if len(hist.History) > n0 {
			break
		}
		if time.Since(posted) > time.Second {
			t.Fatalf("the ingested event did not reach the score within 1 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	get("/v1/people/p00000007/score", &after)
	// public_records_open is declared "more never earns points": a judgment
	// can never raise the score. (Whether it lowers it depends on the data:
	// of these 600 people, the 7 with a public record had no bad outcome.)
	if after.Score > before.Score {
		t.Errorf("a court judgment raised the score: %d → %d", before.Score, after.Score)
	}
	if len(hist.History) != n0+1 || hist.History[0].Score != after.Score || hist.History[1].Score != before.Score {
		t.Errorf("history should gain one entry on top of the old ones: %+v", hist.History)
	}
	// A decision and a full rescore, then every metric the shipped
	// dashboard and alert rules read is on /metrics.
	post := func(path, token, body string) int {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// The Go client on the real server: the operator reads the score and
	// its history, the partner asks for a decision.
	op := client.New(base, "op")
	if sc, err := op.Score(ctx, "p00000007"); err != nil || sc.Score != after.Score {
		t.Errorf("client Score: %+v %v, want %d", sc, err, after.Score)
	}
	if h, err := op.ScoreHistory(ctx, "p00000007", 0); err != nil || len(h) != n0+1 || h[0].Score != after.Score {
		t.Errorf("client ScoreHistory: %d entries, %v", len(h), err)
	}
	if d, err := client.New(base, partnerKey).Decide(ctx, "p00000007", "personal_loan", 10000); err != nil || d.ID == "" || d.Result.Decision == "" {
		t.Fatalf("client Decide: %+v %v", d, err)
	}
	if _, err := client.New(base, partnerKey).Decide(ctx, "p00000008", "personal_loan", 10000); err == nil {
		t.Error("a decision without consent was made")
	}
	if st := post("/v1/operator/rescore", "op", ""); st/100 != 2 {
		t.Fatalf("start rescore: status %d", st)
	}
	var rescore struct {
		Running bool `json:"running"`
		Last    *struct {
			People int `json:"people"`
		} `json:"last"`
	}
	for deadline := time.Now().Add(60 * time.Second); ; {
		get("/v1/operator/rescore", &rescore)
		if !rescore.Running && rescore.Last != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the full rescore did not finish within 60 s: %+v", rescore)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mreq, _ := http.NewRequest("GET", base+"/metrics", nil)
	mreq.Header.Set("Authorization", "Bearer op") // on the main address, operators only
	resp, err = http.DefaultClient.Do(mreq)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	checkDeployedMetrics(t, string(metrics))
	for _, want := range []string{`sesame_decisions_total{outcome=`, `sesame_people{band="none"}`, `sesame_consents_live 1`,
		`sesame_source_last_accepted_timestamp_seconds{source="court"}`, `sesame_model_active_info{version=`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
	var computed float64
	for _, line := range strings.Split(string(metrics), "\n") {
		if v, ok := strings.CutPrefix(line, "sesame_scores_computed_total "); ok {
			fmt.Sscan(v, &computed)
		}
	}
	if computed < 600 {
		t.Errorf("sesame_scores_computed_total = %v after a full rescore of 600 people and more", computed)
	}

	// Nobody without credentials reads a score.
	req, _ = http.NewRequest("GET", base+"/v1/people/p00000007/score", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("anonymous read: %v %v", resp.StatusCode, err)
	}
}
