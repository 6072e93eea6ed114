package cluster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame/internal/replicatest"
	sesamenats "github.com/sesame-credit/sesame/nats"
	"github.com/sesame-credit/sesame/postgres/pgtest"
	"github.com/sesame-credit/sesame/score"
)

// TestReplicas runs three `sesame serve` replicas, built from the tree, on
// one PostgreSQL database and NATS JetStream, and checks that they behave
// as one deployment: a model activated through one replica is scored with
// by every replica within 2 s; a full rescore (activated, operator's or
// scheduled) scores each person once however many replicas share it, even
// when one is killed -9 in the middle; events sent over HTTP and NATS while
// a replica is killed -9 are neither lost nor duplicated, and nobody stays
// stale. With SESAME_TEST_RESTART_SERVICES=1 it also restarts PostgreSQL
// and NATS under load (the machine's own services: too disruptive for CI).
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-replica test: skipped in -short mode")
	}
	natsURL, err := replicatest.NATSURL()
	if err != nil {
		t.Skipf("no NATS server at %s (%v): start nats-server -js, or set SESAME_TEST_NATS", natsURL, err)
	}
	dsn := pgtest.FreshURL(t)
	bin := replicatest.Binary(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	start := time.Now()

	// A population, two models and everyone scored with the first.
	const people = 400
	train := filepath.Join(dir, "train.csv")
	replicatest.Run(t, bin, "simulate", "--db", dsn, "--people", fmt.Sprint(people), "--seed", "5")
	replicatest.Run(t, bin, "dataset", "build", "--db", dsn, "--as-of", "2025-11-01", "--horizon", "12m", "--backfill", "--out", train)
	versions := make([]string, 2)
	for i, seed := range []string{"42", "7"} {
		file := filepath.Join(dir, "model"+seed+".json")
		replicatest.Run(t, bin, "model", "train", "--data", train, "--label", "bad", "--exclude", "person", "--protected", "protected_sex", "--seed", seed, "--out", file)
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		versions[i] = score.ModelVersion(b)
		args := []string{"model", "register", "--db", dsn, file}
		if i == 0 {
			args = []string{"model", "register", "--db", dsn, "--activate", file}
		}
		replicatest.Run(t, bin, args...)
	}
	if versions[0] == versions[1] {
		t.Fatal("the two models have the same version")
	}
	replicatest.Run(t, bin, "rescore", "--db", dsn, "--fresh")
	t.Logf("prepared %d people and models %v in %s", people, versions, time.Since(start).Round(time.Millisecond))

	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	q := func(sql string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}

	// Names of this run's own: a concurrent run (another checkout, another
	// engineer) on the same NATS server would otherwise share the default
	// stream and consumer and take some of this run's events.
	tag := fmt.Sprintf("%x", time.Now().UnixNano())
	natsCfg := sesamenats.Config{Stream: "SESAME_REPLICAS_" + tag, Prefix: "replicas" + tag + ".sesame.events", Durable: "replicas-" + tag}
	base := []string{"--db", dsn, "--nats", natsURL, "--nats-stream", natsCfg.Stream, "--nats-subject", natsCfg.Prefix, "--nats-consumer", natsCfg.Durable,
		"--operator-token", "op", "--access-key", filepath.Join(dir, "access.key"),
		"--log-format", "text", "--rescore-range", "40", "--rescore-claim", "3s"}
	reps := make([]*replicatest.Replica, 3)
	for i := range reps {
		reps[i] = replicatest.Start(t, bin, fmt.Sprintf("replica%d", i), append(base, "--rescore-every", "0")...)
	}

	// 1. Activate the second model through replica 0: every replica scores
	// with it within 2 s, and its run scores each person once.
	activated := time.Now()
	if st, b := reps[0].Do(ctx, "POST", "/v1/operator/models/"+versions[1]+"/activate", "op", "", ""); st != 202 && st != 200 {
		t.Fatalf("activate: %d %s", st, b)
	}
	for _, r := range reps {
		for {
			st, b := r.Do(ctx, "POST", "/v1/people/p00000001/score/what-if", "op", "application/json", `{"features":{}}`)
			var a struct {
				Current struct {
					ModelVersion string `json:"model_version"`
				} `json:"current"`
			}
			json.Unmarshal(b, &a)
			if st == 200 && a.Current.ModelVersion == versions[1] {
				t.Logf("%s scores with the activated model %s after %s", r.Name, versions[1], time.Since(activated).Round(time.Millisecond))
				break
			}
			if time.Since(activated) > 2*time.Second {
				t.Fatalf("%s still scores with %q 2 s after the activation (status %d)", r.Name, a.Current.ModelVersion, st)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	run := waitRun(t, ctx, db, "activation", 90*time.Second)
	checkOnce(t, ctx, db, run, people, "model_version = $1", versions[1])
	checkRunCounts(t, ctx, db, reps, run, people)

	// A partner registered, a policy uploaded and the partner's keys
	// revoked, each through another replica: every replica follows within 2 s.
	everywhere := func(what string, ok func(r *replicatest.Replica) bool) {
		t.Helper()
		began := time.Now()
		for _, r := range reps {
			for !ok(r) {
				if time.Since(began) > 2*time.Second {
					t.Fatalf("%s: not on %s within 2 s", what, r.Name)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		t.Logf("%s: on every replica after %s", what, time.Since(began).Round(time.Millisecond))
	}
	st, b := reps[0].Do(ctx, "POST", "/v1/operator/partners", "op", "application/json", `{"id":"acme","name":"Acme"}`)
	var created struct {
		Key string `json:"api_key"`
	}
	if json.Unmarshal(b, &created); st != 201 || created.Key == "" {
		t.Fatalf("register a partner: %d %s", st, b)
	}
	products := func(r *replicatest.Replica) (int, map[string]string) {
		st, b := r.Do(ctx, "GET", "/v1/partner/products", created.Key, "", "")
		var out struct {
			Products []struct {
				ID      string `json:"id"`
				Version string `json:"policy_version"`
			} `json:"products"`
		}
		json.Unmarshal(b, &out)
		m := map[string]string{}
		for _, p := range out.Products {
			m[p.ID] = p.Version
		}
		return st, m
	}
	everywhere("partner registered through replica0", func(r *replicatest.Replica) bool { st, _ := products(r); return st == 200 })
	spec, _ := json.Marshal(map[string]string{"id": "bike_sharing", "name": "Bikes", "purpose": "bike_sharing",
		"policy": `scored && score >= 640 ? {"decision": "approve", "deposit_waived": 299.0} : {"decision": "decline"}`})
	st, b = reps[1].Do(ctx, "PUT", "/v1/operator/products/bike_sharing", "op", "application/json", string(spec))
	var uploaded struct {
		Version string `json:"policy_version"`
	}
	if json.Unmarshal(b, &uploaded); st != 200 || uploaded.Version == "" {
		t.Fatalf("upload a policy: %d %s", st, b)
	}
	everywhere("policy uploaded through replica1", func(r *replicatest.Replica) bool {
		_, m := products(r)
		return m["bike_sharing"] == uploaded.Version
	})
	if st, b := reps[2].Do(ctx, "DELETE", "/v1/operator/partners/acme/keys", "op", "", ""); st/100 != 2 {
		t.Fatalf("revoke keys: %d %s", st, b)
	}
	everywhere("keys revoked through replica2", func(r *replicatest.Replica) bool { st, _ := products(r); return st == 401 })

	// 2. An operator's full rescore with the first model again, and
	// replica 2 killed -9 while it holds a range: the others take the range
	// over when its claim expires, and still each person is scored once.
	// Taken before the activation: its run may score a range before the
	// answer comes back.
	killedAt := time.Now()
	if st, b := reps[1].Do(ctx, "POST", "/v1/operator/models/"+versions[0]+"/activate", "op", "", ""); st != 202 && st != 200 {
		t.Fatalf("activate: %d %s", st, b)
	}
	pid := fmt.Sprintf(":%d:", reps[2].PID())
	for {
		if q(`SELECT count(*) FROM rescore_ranges WHERE holder LIKE '%' || $1 || '%' AND done_at IS NULL`, pid) > 0 {
			reps[2].Kill()
			t.Logf("replica2 killed -9 holding a range, %s into the run", time.Since(killedAt).Round(time.Millisecond))
			break
		}
		if q(`SELECT count(*) FROM rescore_runs WHERE reason = 'activation' AND finished_at IS NULL`) == 0 {
			t.Log("the run finished before replica2 held a range: killing it anyway")
			reps[2].Kill()
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	run = waitRun(t, ctx, db, "activation", 90*time.Second)
	checkOnce(t, ctx, db, run, people, "model_version = $1 AND computed_at >= $2", versions[0], killedAt.UnixNano())
	holders := q(`SELECT count(DISTINCT split_part(holder, ':', 2)) FROM rescore_ranges WHERE run = $1`, run.id)
	t.Logf("run %d: %d ranges done by %d replicas", run.id, q(`SELECT count(*) FROM rescore_ranges WHERE run = $1`, run.id), holders)
	checkRunCounts(t, ctx, db, reps[:2], run, people) // replica2 is dead

	// 3. A scheduled rescore every 4 s on all three: one run per period for
	// the deployment, not one per replica.
	for i, r := range reps {
		r.Kill()
		reps[i] = replicatest.Start(t, bin, r.Name, append(base, "--rescore-every", "4s")...)
	}
	scheduled := time.Now()
	for q(`SELECT count(*) FROM rescore_runs WHERE reason = 'schedule' AND finished_at IS NOT NULL`) < 2 {
		if time.Since(scheduled) > 40*time.Second {
			t.Fatal("no two scheduled rescores finished within 40 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	elapsed := time.Since(scheduled)
	runs := q(`SELECT count(*) FROM rescore_runs WHERE reason = 'schedule'`)
	t.Logf("scheduled runs: %d in %s with 3 replicas and --rescore-every 4s", runs, elapsed.Round(time.Millisecond))
	if max := int64(elapsed/(4*time.Second)) + 1; runs > max {
		t.Errorf("%d scheduled runs in %s: more than one per period (%d)", runs, elapsed, max)
	}
	first := lastRun(t, ctx, db, "schedule", true)
	checkOnce(t, ctx, db, first, people, "computed_at >= $1 AND computed_at <= $2", first.created, first.finished)

	// 4. Events over HTTP and NATS, to all replicas, while replica 0 is
	// killed -9 and restarted. No scheduled rescore now: only the rescore
	// after events may bring their people up to date.
	for i, r := range reps {
		r.Kill()
		reps[i] = replicatest.Start(t, bin, r.Name, append(base, "--rescore-every", "0")...)
	}
	ing := newIngest(t, ctx, natsURL, natsCfg, reps)
	ing.start(people)
	time.Sleep(2 * time.Second)
	reps[0].Kill()
	t.Log("replica0 killed -9 during ingestion")
	time.Sleep(1500 * time.Millisecond)
	reps[0].Restart()
	time.Sleep(1500 * time.Millisecond)

	// 5. PostgreSQL and NATS restarted under load (opt-in).
	if os.Getenv("SESAME_TEST_RESTART_SERVICES") == "1" {
		restartService(t, "PostgreSQL", "pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart")
		time.Sleep(3 * time.Second)
		restartService(t, "NATS", "sh", "-c", "start-stop-daemon --stop --oknodo --retry 10 --exec /usr/sbin/nats-server && "+
			"start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log")
		time.Sleep(3 * time.Second)
	} else {
		t.Log("PostgreSQL and NATS restarts skipped: set SESAME_TEST_RESTART_SERVICES=1 to restart the machine's services under load")
	}
	ing.stop()
	ing.report(t, ctx, dsn)
	t.Logf("whole test: %s", time.Since(start).Round(time.Millisecond))
}

// restartService runs a restart command and waits a moment for the service.
func restartService(t *testing.T, name string, cmd ...string) {
	t.Helper()
	began := time.Now()
	out, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("restart %s: %v\n%s", name, err, out)
	}
	t.Logf("%s restarted under load in %s", name, time.Since(began).Round(time.Millisecond))
}

type runInfo struct {
	id                int64
	created, finished int64
}

// waitRun waits for the latest run of reason to finish.
func waitRun(t *testing.T, ctx context.Context, db *pgx.Conn, reason string, limit time.Duration) runInfo {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		r := lastRun(t, ctx, db, reason, false)
		if r.finished != 0 {
			t.Logf("%s run %d finished in %s", reason, r.id, time.Duration(r.finished-r.created).Round(time.Millisecond))
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("the %s run did not finish within %s", reason, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func lastRun(t *testing.T, ctx context.Context, db *pgx.Conn, reason string, finished bool) runInfo {
	t.Helper()
	var r runInfo
	cond := ""
	if finished {
		cond = " AND finished_at IS NOT NULL"
	}
	for {
		err := db.QueryRow(ctx, `SELECT id, created_at, COALESCE(finished_at, 0) FROM rescore_runs WHERE reason = $1`+cond+` ORDER BY id DESC LIMIT 1`, reason).
			Scan(&r.id, &r.created, &r.finished)
		if err == nil {
			return r
		}
		if err != pgx.ErrNoRows {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkOnce asserts that the scores matching cond cover every person once.
func checkOnce(t *testing.T, ctx context.Context, db *pgx.Conn, run runInfo, people int, cond string, args ...any) {
	t.Helper()
	var scored, rows, twice int64
	err := db.QueryRow(ctx, `SELECT count(*), COALESCE(sum(n), 0), count(*) FILTER (WHERE n > 1)
		FROM (SELECT person, count(*) AS n FROM scores WHERE `+cond+` GROUP BY person) x`, args...).Scan(&scored, &rows, &twice)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("run %d: %d people scored, %d scores, %d people scored more than once", run.id, scored, rows, twice)
	if scored != int64(people) || twice != 0 {
		t.Errorf("run %d: %d of %d people scored, %d more than once; want each exactly once", run.id, scored, people, twice)
	}
}

// checkRunCounts: the run's scored and insufficient-history counts, summed
// over ranges scored by several replicas, cover everyone, every replica's
// status reports them, and the replica finishing the last range recorded
// the drift measured over all of them.
func checkRunCounts(t *testing.T, ctx context.Context, db *pgx.Conn, reps []*replicatest.Replica, run runInfo, people int) {
	t.Helper()
	var holders, scored, insufficient int64
	if err := db.QueryRow(ctx, `SELECT count(DISTINCT holder), sum(scored), sum(insufficient) FROM rescore_ranges WHERE run = $1`, run.id).
		Scan(&holders, &scored, &insufficient); err != nil {
		t.Fatal(err)
	}
	if scored+insufficient != int64(people) {
		t.Errorf("run %d: %d scored + %d insufficient over its ranges, want %d people", run.id, scored, insufficient, people)
	}
	var rows int64
	deadline := time.Now().Add(5 * time.Second)
	for {
		// The drift is recorded just after the last range is marked done.
		err := db.QueryRow(ctx, `SELECT COALESCE((drift::jsonb->>'rows')::bigint, -1) FROM rescore_runs WHERE id = $1`, run.id).Scan(&rows)
		if err != nil {
			t.Fatal(err)
		}
		if rows >= 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("run %d: ranges scored by %d replicas, %d scored, %d insufficient history, drift measured over %d", run.id, holders, scored, insufficient, rows)
	if rows != scored {
		t.Errorf("run %d: drift measured over %d people, want the %d scored", run.id, rows, scored)
	}
	for _, r := range reps {
		st, b := r.Do(ctx, "GET", "/v1/operator/rescore", "op", "", "")
		var a struct {
			Last *struct {
				People       int64 `json:"people"`
				Scored       int64 `json:"scored"`
				Insufficient int64 `json:"insufficient_history"`
			} `json:"last"`
		}
		if err := json.Unmarshal(b, &a); st != 200 || err != nil || a.Last == nil || a.Last.Scored != scored || a.Last.Insufficient != insufficient {
			t.Errorf("%s: rescore status %d %s, want last scored %d and insufficient %d", r.Name, st, b, scored, insufficient)
		}
	}
}

// ingest sends events over HTTP (round robin over the replicas) and NATS
// and remembers which were acknowledged.
type ingest struct {
	ctx    context.Context
	cancel context.CancelFunc
	reps   []*replicatest.Replica
	pub    *sesamenats.Publisher
	tag    string
	wg     sync.WaitGroup

	mu    sync.Mutex
	acked map[string]bool // source/id
	sent  atomic.Int64
}

func newIngest(t *testing.T, ctx context.Context, natsURL string, cfg sesamenats.Config, reps []*replicatest.Replica) *ingest {
	nc, js, err := sesamenats.Connect(natsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	t.Cleanup(func() { js.DeleteStream(context.Background(), cfg.Stream) })
	ictx, cancel := context.WithCancel(ctx)
	return &ingest{ctx: ictx, cancel: cancel, reps: reps, pub: sesamenats.NewPublisher(js, cfg),
		tag: fmt.Sprintf("%x", time.Now().UnixNano()), acked: map[string]bool{}}
}

// batch is NDJSON of n events of source for people of the population.
func (in *ingest) batch(source string, k, n, people int) (string, []string) {
	var b strings.Builder
	ids := make([]string, n)
	now := time.Now().UTC().Format(time.RFC3339)
	for i := range n {
		id := fmt.Sprintf("%s-%d-%d", in.tag, k, i)
		person := fmt.Sprintf("p%08d", 1+(k*n+i)*7%people)
		fmt.Fprintf(&b, `{"source":%q,"id":%q,"person":%q,"kind":"public_record.listed","occurred_at":%q,"payload":{"record":%q,"type":"court_judgment"}}`+"\n",
			source, id, person, now, id)
		ids[i] = source + "/" + id
	}
	return b.String(), ids
}

func (in *ingest) start(people int) {
	const per = 10
	// HTTP: one sender per replica slot, so a dead replica only slows its own.
	for w := range in.reps {
		in.wg.Add(1)
		go func() {
			defer in.wg.Done()
			for k := w; in.ctx.Err() == nil; k += len(in.reps) {
				body, ids := in.batch("courthttp", k, per, people)
				in.sent.Add(int64(len(ids)))
				st, _ := in.reps[k%len(in.reps)].Do(in.ctx, "POST", "/v1/events", "op", "application/x-ndjson", body)
				if st == 200 {
					in.ack(ids)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	in.wg.Add(1)
	go func() {
		defer in.wg.Done()
		for k := 0; in.ctx.Err() == nil; k++ {
			body, ids := in.batch("courtnats", k, per, people)
			in.sent.Add(int64(len(ids)))
			pctx, cancel := context.WithTimeout(in.ctx, 2*time.Second)
			if in.pub.PublishNDJSON(pctx, "courtnats", []byte(body)) == nil {
				in.ack(ids)
			}
			cancel()
			time.Sleep(20 * time.Millisecond)
		}
	}()
}

func (in *ingest) ack(ids []string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, id := range ids {
		in.acked[id] = true
	}
}

func (in *ingest) stop() {
	in.cancel()
	in.wg.Wait()
}

// report waits for the acknowledged events to be stored and their people
// rescored, prints the counts and asserts 0 lost, 0 duplicated, 0 stale.
func (in *ingest) report(t *testing.T, ctx context.Context, dsn string) {
	t.Helper()
	var stored, distinct, lost, stale int64
	deadline := time.Now().Add(60 * time.Second)
	for {
		// A fresh connection each round: PostgreSQL may have restarted.
		db, err := pgx.Connect(ctx, dsn)
		if err == nil {
			rows, qerr := db.Query(ctx, `SELECT source || '/' || id FROM events WHERE id LIKE $1 || '-%'`, in.tag)
			storedIDs := map[string]bool{}
			stored = 0
			if qerr == nil {
				var id string
				_, qerr = pgx.ForEachRow(rows, []any{&id}, func() error { storedIDs[id] = true; stored++; return nil })
			}
			if qerr == nil {
				distinct = int64(len(storedIDs))
				lost = 0
				for id := range in.acked {
					if !storedIDs[id] {
						lost++
					}
				}
				// Stale: a person whose latest score is older than their latest event.
				qerr = db.QueryRow(ctx, `SELECT count(*) FROM (SELECT person, max(recorded_at) AS r FROM events GROUP BY person) e
					LEFT JOIN (SELECT person, max(computed_at) AS c FROM scores GROUP BY person) s USING (person)
					WHERE s.c IS NULL OR s.c < e.r`).Scan(&stale)
			}
			db.Close(ctx)
			if qerr == nil && lost == 0 && stale == 0 {
				break
			}
			err = qerr
		}
		if time.Now().After(deadline) {
			t.Logf("still waiting after 60 s (%v)", err)
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("events: sent %d, acknowledged %d, stored %d, lost %d, duplicated %d; stale people %d",
		in.sent.Load(), len(in.acked), stored, lost, stored-distinct, stale)
	if lost != 0 || stored != distinct || stale != 0 {
		t.Errorf("after recovery: %d lost, %d duplicated, %d stale people; want 0, 0, 0", lost, stored-distinct, stale)
	}
	if len(in.acked) == 0 {
		t.Error("no event was acknowledged")
	}
}
