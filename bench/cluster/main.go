// Command cluster is the issue-20 benchmark of a deployment of several
// `sesame serve` replicas on one PostgreSQL, beside one replica on SQLite,
// in one run on the same machine. For SQLite and for 1, 2 and 3 PostgreSQL
// replicas (real processes, started afresh for each) it measures:
//
//   - logged GET score reads/s: GET /v1/people/{id}/score with the
//     operator token (each read's access entry committed before its
//     answer), from closed-loop clients spread evenly over the replicas;
//   - HTTP ingest events/s: POST /v1/events batches of new events for
//     existing people, spread the same way (each accepted event is durable
//     before the answer, and its person is rescored after it);
//   - full rescore people/s: POST /v1/operator/rescore on the first replica,
//     the deployment's periodic full rescore, queued in ranges of -range
//     people that every replica claims, from the run's start to its last
//     range done.
//
// Each engine's population is built the operator's way (sesame simulate
// --seed 42, dataset build and model train on SQLite, model register, one
// warm-up rescore). PostgreSQL gets a schema of its own, dropped at the end.
// With -record FILE the table replaces its section of FILE (bench/RESULTS.md).
//
// Usage (from the repository root):
//
//	go run ./bench/cluster [-people 5000] [-replicas 1,2,3] [-duration 5s] [-range 1000] [-record bench/RESULTS.md]
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/bench/loadgen"
	"github.com/sesame-credit/sesame/client"
	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/simulate"
)

// cleanups run at the end, also when the run fails: the replicas are
// killed and the PostgreSQL schema dropped.
var cleanups []func()

func main() {
	people := flag.Int("people", 5000, "people in each engine's population")
	replicaList := flag.String("replicas", "1,2,3", "numbers of PostgreSQL replicas to measure, comma-separated")
	duration := flag.Duration("duration", 5*time.Second, "measured time of each read and ingest run")
	clients := flag.Int("clients", 16, "concurrent clients of the read run, spread over the replicas")
	ingestClients := flag.Int("ingest-clients", 4, "concurrent clients of the ingest run, spread over the replicas")
	batch := flag.Int("batch", 500, "events per POST /v1/events")
	pgServer := flag.String("pg", envOr("SESAME_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL server `URL` (a schema of this run's is made and dropped)")
	rangePeople := flag.Int("range", 1000, "people per range of the full rescore (serve --rescore-range): a run splits across the replicas only when it has more ranges than one")
	record := flag.String("record", "", "replace the bench/cluster section of this `FILE` (e.g. bench/RESULTS.md) with the table")
	binFlag := flag.String("bin", "", "a `sesame` binary to run (default: built from ./cmd/sesame)")
	flag.Parse()
	var replicas []int
	for _, f := range strings.Split(*replicaList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fatalf("-replicas: %q is not a positive number", f)
		}
		replicas = append(replicas, n)
	}
	defer runCleanups()
	ctx := context.Background()
	// Other work on the machine moves every figure; the table says how much
	// there was.
	load0 := loadAverage()

	dir, err := os.MkdirTemp("", "bench-cluster")
	check(err)
	cleanups = append(cleanups, func() { os.RemoveAll(dir) })
	bin := *binFlag
	if bin == "" {
		bin = filepath.Join(dir, "sesame")
		run("go", "build", "-o", bin, "./cmd/sesame")
	}
	accessKey := filepath.Join(dir, "access.key") // one for every replica, as docs/deploy.md says

	// The populations: simulated, a model trained on SQLite's and
	// registered in both, everyone scored once (the warm-up: a database's
	// first rescore folds everyone from the ledger).
	t0 := time.Now()
	sqlitePath := filepath.Join(dir, "bench.db")
	train, modelFile := filepath.Join(dir, "train.csv"), filepath.Join(dir, "model.json")
	n := strconv.Itoa(*people)
	run(bin, "simulate", "--db", sqlitePath, "--people", n, "--seed", "42")
	run(bin, "dataset", "build", "--db", sqlitePath, "--as-of", "2025-11-01", "--horizon", "12m", "--backfill", "--out", train)
	run(bin, "model", "train", "--data", train, "--label", "bad", "--exclude", "person", "--protected", "protected_sex", "--seed", "42", "--out", modelFile)
	run(bin, "model", "register", "--db", sqlitePath, "--activate", modelFile)
	run(bin, "rescore", "--db", sqlitePath)
	pgURL := freshSchema(ctx, *pgServer)
	run(bin, "simulate", "--db", pgURL, "--people", n, "--seed", "42")
	run(bin, "model", "register", "--db", pgURL, "--activate", modelFile)
	run(bin, "rescore", "--db", pgURL)
	log.Printf("populations built in %s", time.Since(t0).Round(time.Second))

	type column struct {
		name                    string
		reads, ingest           loadgen.Result
		eventsPerSec, rescorePS float64
		rescoreSaid             string
	}
	var cols []column
	measure := func(name, db string, n int) {
		log.Printf("%s: starting %d replica(s)", name, n)
		var bases []string
		var servers []*server
		for range n {
			s := startServe(bin, db, accessKey, *rangePeople)
			servers = append(servers, s)
			bases = append(bases, s.base)
		}
		defer func() {
			for _, s := range servers {
				s.stop()
			}
		}()
		col := column{name: name}
		col.reads = reads(ctx, bases, *people, *clients, *duration)
		col.rescorePS, col.rescoreSaid = rescore(ctx, bases[0])
		col.ingest, col.eventsPerSec = ingest(ctx, bases, name, *people, *ingestClients, *batch, *duration)
		log.Printf("%s: %.0f reads/s, %.0f events/s, %.0f people/s", name, col.reads.RPS, col.eventsPerSec, col.rescorePS)
		cols = append(cols, col)
	}
	measure("SQLite ×1", sqlitePath, 1)
	for _, r := range replicas {
		measure(fmt.Sprintf("PostgreSQL ×%d", r), pgURL, r)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "`go run ./bench/cluster -people %d -replicas %s -duration %s -range %d` — %d people (sesame simulate --seed 42), %d CPUs, load average %s at the start and %s at the end (the machine's other work), %s:\n\n",
		*people, *replicaList, *duration, *rangePeople, *people, runtime.NumCPU(), load0, loadAverage(), time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "| replicas | logged GET score reads/s | HTTP ingest events/s | full rescore people/s |\n|---|---:|---:|---:|\n")
	for _, c := range cols {
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %.0f |\n", c.name, c.reads.RPS, c.eventsPerSec, c.rescorePS)
	}
	fmt.Fprintf(&b, "\n```\n")
	for _, c := range cols {
		fmt.Fprintf(&b, "%s\n  reads  (%d clients)        %s\n  ingest (%d clients × %d)   %s\n  rescore                   %s\n",
			c.name, *clients, c.reads, *ingestClients, *batch, c.ingest, c.rescoreSaid)
	}
	fmt.Fprintf(&b, "```\n")
	fmt.Print("\n" + b.String())
	if *record != "" {
		check(recordSection(*record, b.String()))
		log.Printf("recorded in %s", *record)
	}
}

// reads runs logged GET score reads of random people through the client
// package, client c on replica c mod len(bases).
func reads(ctx context.Context, bases []string, people, clients int, d time.Duration) loadgen.Result {
	cs := clientsOf(bases, clients)
	res, err := loadgen.Run(ctx, loadgen.Options{Clients: clients, Duration: d, Do: func(ctx context.Context, c, i int) error {
		_, err := cs[c%len(cs)].Score(ctx, simulate.PersonID(mrand.IntN(people)))
		return err
	}})
	check(err)
	if res.Errors > 0 {
		log.Printf("reads: %d errors", res.Errors)
	}
	return res
}

// ingest posts batches of new events (a payment each, for random existing
// people) and returns the run and the events accepted per second.
func ingest(ctx context.Context, bases []string, run string, people, clients, batch int, d time.Duration) (loadgen.Result, float64) {
	cs := clientsOf(bases, clients)
	tag := strings.NewReplacer(" ", "", "×", "x").Replace(run)
	var accepted atomic.Int64
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	res, err := loadgen.Run(ctx, loadgen.Options{Clients: clients, Duration: d, Warmup: -1, Do: func(ctx context.Context, c, i int) error {
		events := make([]sesame.Event, batch)
		for j := range events {
			id := fmt.Sprintf("%s-%d-%d-%d", tag, c, i, j)
			events[j] = ledgertest.NewEvent("bench", id, simulate.PersonID(mrand.IntN(people)), sesame.KindPaymentMade, at.Add(time.Duration(j)*time.Millisecond), j)
		}
		r, err := cs[c%len(cs)].Ingest(ctx, events)
		if err != nil {
			return err
		}
		if r.Accepted != batch {
			return fmt.Errorf("%d of %d accepted", r.Accepted, batch)
		}
		accepted.Add(int64(r.Accepted))
		return nil
	}})
	check(err)
	if res.Errors > 0 {
		log.Printf("ingest: %d failed batches", res.Errors)
	}
	return res, float64(accepted.Load()) / d.Seconds()
}

// rescore starts the full rescore on base and waits for it; the rate is
// the server's own count of people over its own elapsed time.
func rescore(ctx context.Context, base string) (float64, string) {
	do := func(method string) map[string]any {
		req, _ := http.NewRequestWithContext(ctx, method, base+"/v1/operator/rescore", nil)
		req.Header.Set("Authorization", "Bearer bench")
		resp, err := http.DefaultClient.Do(req)
		check(err)
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		if resp.StatusCode >= 300 {
			fatalf("%s /v1/operator/rescore: %s %v", method, resp.Status, v)
		}
		return v
	}
	do("POST")
	for tries := 1; ; {
		time.Sleep(200 * time.Millisecond)
		st := do("GET")
		if st["running"] == true {
			continue
		}
		if e, _ := st["last_error"].(string); e != "" {
			// The database is shared with other work, which may end its
			// sessions; a rescore resumes from its checkpoint when run again.
			if tries == 3 {
				fatalf("rescore failed %d times, last: %s", tries, e)
			}
			log.Printf("rescore failed (%s); running it again", e)
			tries++
			do("POST")
			continue
		}
		last, _ := st["last"].(map[string]any)
		people, _ := last["people"].(float64)
		elapsed, _ := last["elapsed_ns"].(float64)
		if people == 0 || elapsed == 0 {
			fatalf("rescore status without a summary: %v", st)
		}
		secs := elapsed / 1e9
		return people / secs, fmt.Sprintf("%.0f people in %.2f s (mode %v, %v scored)", people, secs, last["mode"], last["scored"])
	}
}

// clientsOf returns one API client per load client, client c on replica
// c mod len(bases), each with connections enough for its share.
func clientsOf(bases []string, clients int) []*client.Client {
	cs := make([]*client.Client, clients)
	for c := range cs {
		cl := client.New(bases[c%len(bases)], "bench")
		cl.HTTP = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}
		cs[c] = cl
	}
	return cs
}

// freshSchema makes a schema of this run's on the server and returns a URL
// selecting it; it is dropped when the run ends.
func freshSchema(ctx context.Context, server string) string {
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		fatalf("PostgreSQL at %s: %v (start it, or pass -pg URL)", server, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	rand.Read(b[:])
	schema := "bench_cluster_" + hex.EncodeToString(b[:])
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
	check(err)
	cleanups = append(cleanups, func() {
		if c, err := pgx.Connect(context.Background(), server); err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(server)
	check(err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// server is one `sesame serve` replica.
type server struct {
	cmd  *exec.Cmd
	base string
	log  *os.File
}

// startServe starts a replica on db at a free loopback port and waits
// until it is ready. Its log goes to a file, as an operator's would.
func startServe(bin, db, accessKey string, rangePeople int) *server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	addr := ln.Addr().String()
	ln.Close()
	logFile, err := os.CreateTemp("", "bench-cluster-serve-*.log")
	check(err)
	cmd := exec.Command(bin, "serve", "--db", db, "--addr", addr, "--operator-token", "bench", "--rescore-every", "0",
		"--rescore-range", strconv.Itoa(rangePeople), "--metrics-addr", "", "--access-key", accessKey)
	cmd.Stderr = logFile
	check(cmd.Start())
	s := &server{cmd: cmd, base: "http://" + addr, log: logFile}
	cleanups = append(cleanups, s.stop)
	for deadline := time.Now().Add(60 * time.Second); ; {
		if resp, err := http.Get(s.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			said, _ := os.ReadFile(logFile.Name())
			fatalf("sesame serve not ready after a minute; it said:\n%s", said[max(0, len(said)-4096):])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *server) stop() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
	s.log.Close()
	os.Remove(s.log.Name())
}

// recordSection replaces the text between this harness's markers in file
// (appending a section when there is none).
func recordSection(file, text string) error {
	const begin, end = "<!-- bench/cluster: begin -->", "<!-- bench/cluster: end -->"
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	s := string(b)
	body := begin + "\n" + text + end
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i >= 0 && j > i {
		s = s[:i] + body + s[j+len(end):]
	} else {
		s = strings.TrimRight(s, "\n") + "\n\n## One deployment, many servers (issue 20)\n\n" + body + "\n"
	}
	return os.WriteFile(file, []byte(s), 0o644)
}

func run(name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
}

func runCleanups() {
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	cleanups = nil
}

func check(err error) {
	if err != nil {
		runCleanups()
		log.Fatal(err)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func fatalf(format string, args ...any) {
	runCleanups()
	log.Fatalf(format, args...)
}

// loadAverage is the 1-minute load average (Linux; "?" elsewhere).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}
