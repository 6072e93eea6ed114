package http

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	nethttp "net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/consent"
	"github.com/sesame-credit/sesame/policy"
	"github.com/sesame-credit/sesame/score"
	"github.com/sesame-credit/sesame/sqlite"
)

// countingScores counts reads of each person's score at the ScoreReader:
// the matrix test proves that no read happens outside a live consent.
type countingScores struct {
	sesame.ScoreReader
	mu    sync.Mutex
	reads map[string]int
}

func (c *countingScores) LatestScore(ctx context.Context, person string) (*sesame.Score, error) {
	c.mu.Lock()
	c.reads[person]++
	c.mu.Unlock()
	return c.ScoreReader.LatestScore(ctx, person)
}

// countingStore is the score store behind the /v1/people/{id}/score
// routes, counting its reads (latest score and history) with the same
// counter.
type countingStore struct {
	sesame.ScoreStore
	c *countingScores
}

func (s countingStore) LatestScore(ctx context.Context, person string) (*sesame.Score, error) {
	return s.c.LatestScore(ctx, person)
}

func (s countingStore) LatestScoreJSON(ctx context.Context, person string) ([]byte, error) {
	s.c.mu.Lock()
	s.c.reads[person]++
	s.c.mu.Unlock()
	return s.ScoreStore.LatestScoreJSON(ctx, person)
}

func (s countingStore) ScoreHistory(ctx context.Context, person string, limit int) ([]sesame.ScorePoint, error) {
	s.c.mu.Lock()
	s.c.reads[person]++
	s.c.mu.Unlock()
	return s.ScoreStore.ScoreHistory(ctx, person, limit)
}

func (c *countingScores) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.reads {
		n += v
	}
	return n
}

// trustServer is a real server on a real SQLite database with partners,
// people, scores and consents, served over loopback by httptest.
type trustServer struct {
	t       testing.TB
	srv     *Server
	http    *httptest.Server
	db      *sqlite.DB
	trust   *Trust
	scores  *countingScores
	keys    map[string]string // partner id → API key
	session map[string]string // person → session token
	now     time.Time
}

const testOperator = "operator-test-token"

func newTrustServer(t testing.TB, demo bool) *trustServer {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sesame.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	scores := &countingScores{ScoreReader: db.Scores(), reads: map[string]int{}}
	catalog, err := policy.NewCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	consents := &consent.Service{Store: db.Consents(), Partners: db.Partners(), ProductThresholds: catalog.ScoreThresholds}
	gate := &consent.Gate{Consents: consents, Scores: scores, Audit: &audit.Recorder{Log: db.AccessLog()}}
	tr := &Trust{
		Partners:  &auth.Partners{Store: db.Partners()},
		People:    &auth.People{Store: db.Sessions(), Demo: demo},
		Consents:  consents,
		Gate:      gate,
		Decider:   &policy.Decider{Catalog: catalog, Gate: gate, Store: db.Decisions(), Badges: db.Record()},
		Decisions: db.Decisions(),
		Badges:    db.Record(),
		AccessLog: db.AccessLog(),
		Scores:    scores,
		Demo:      demo,
	}
	srv := NewServer(Config{})
	srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv.Auth.AddToken(testOperator, Principal{Role: RoleOperator, Name: "op"})
	srv.UseTrust(tr)
	// The person and operator score routes, on the same counted reads (no
	// model is active: what-if answers 503).
	st := countingStore{ScoreStore: db.Scores(), c: scores}
	srv.Scores = &score.Service{Events: db.Events(), Scanner: db.Events(), Scores: st, Models: db.Scores(),
		Profiler: score.NewFeatureProfiler(score.DefaultMinHistory)}
	hs := httptest.NewServer(validating(t, srv.Handler()))
	t.Cleanup(hs.Close)
	return &trustServer{t: t, srv: srv, http: hs, db: db, trust: tr, scores: scores, keys: map[string]string{}, session: map[string]string{}, now: time.Now().UTC()}
}

type answer struct {
	status int
	header nethttp.Header
	body   string
}

func (a answer) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(a.body), v); err != nil {
		t.Fatalf("answer %d %q: %v", a.status, a.body, err)
	}
}

// do sends a request; token is a bearer token ("" for none).
func (ts *trustServer) do(method, path, token, body string, hdr ...string) answer {
	ts.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := nethttp.NewRequest(method, ts.http.URL+path, rd)
	if err != nil {
		ts.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := &nethttp.Client{CheckRedirect: func(*nethttp.Request, []*nethttp.Request) error { return nethttp.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, string(b)}
}

func (ts *trustServer) addPartner(id string, redirect ...string) string {
	ts.t.Helper()
	body, _ := json.Marshal(map[string]any{"id": id, "name": "Partner " + id, "redirect_uris": redirect})
	a := ts.do("POST", "/v1/operator/partners", testOperator, string(body))
	if a.status != 201 {
		ts.t.Fatalf("add partner: %d %s", a.status, a.body)
	}
	var k struct {
		APIKey string `json:"api_key"`
	}
	a.json(ts.t, &k)
	ts.keys[id] = k.APIKey
	return k.APIKey
}

func (ts *trustServer) login(person string) string {
	ts.t.Helper()
	token, _, err := ts.trust.People.LoginLink(context.Background(), person)
	if err != nil {
		ts.t.Fatal(err)
	}
	a := ts.do("POST", "/v1/auth/login", "", `{"token":"`+token+`"}`)
	if a.status != 200 {
		ts.t.Fatalf("login: %d %s", a.status, a.body)
	}
	var s sessionAnswer
	a.json(ts.t, &s)
	ts.session[person] = s.Session
	return s.Session
}

func (ts *trustServer) score(person string, score int) {
	ts.t.Helper()
	sc := &sesame.Score{Person: person, Status: sesame.StatusScored, Score: score, Band: sesame.BandOf(score), ModelVersion: "m1", AsOf: ts.now,
		Dimensions: []sesame.DimensionScore{{Dimension: sesame.CreditHistory, Score: score + 10}},
		Reasons:    []sesame.Reason{{Code: "R11", Feature: "utilisation_now", Dimension: sesame.Fulfilment, Text: "High use of credit limits", PointsLost: 21}},
		Features:   map[string]float64{"income_monthly": 9000, "income_verified": 1}}
	if score == 0 {
		sc = &sesame.Score{Person: person, Status: sesame.StatusInsufficientHistory, ModelVersion: "m1", AsOf: ts.now, Missing: []string{"credit history"}}
	}
	if err := ts.db.Scores().SaveScores(context.Background(), []*sesame.Score{sc}); err != nil {
		ts.t.Fatal(err)
	}
}

// consent stores a consent directly (for expired and revoked ones that the
// API would not create in the past).
func (ts *trustServer) consent(person, partner string, purpose sesame.Purpose, scope sesame.Scope, granted, expires, revoked time.Time) {
	ts.t.Helper()
	c := &sesame.Consent{ID: "con_" + person + "_" + partner, Person: person, Partner: partner, Purpose: purpose, Scope: scope, GrantedAt: granted, ExpiresAt: expires, RevokedAt: revoked}
	if err := ts.db.Consents().CreateConsent(context.Background(), c); err != nil {
		ts.t.Fatal(err)
	}
}
