// Command score is the score-read benchmark harness: it builds a scored
// population the way an operator would (sesame simulate, dataset build,
// model train, model register, rescore — timing the full rescore), then
// measures in one run:
//
//   - in-process scoring: score + band + dimensions + reasons + tips per person;
//   - HTTP GET /v1/people/{id}/score against `sesame serve` on the database,
//     each read's access entry committed and synced before its answer, from
//     a closed-loop Go load generator over loopback;
//   - the durable limit: a plain loop doing the same group-committed insert
//     and sync of access entries, with as many callers as clients, on the
//     same database with no server;
//   - a bare net/http handler returning a fixed JSON body of the same size
//     (the ceiling of HTTP on this machine).
//
// Usage: go run ./bench/score [-people 100000] [-db PATH] [-clients 16] [-duration 10s]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/bench/internal/proc"
	"github.com/sesame-credit/sesame/bench/loadgen"
	"github.com/sesame-credit/sesame/client"
	"github.com/sesame-credit/sesame/consent"
	"github.com/sesame-credit/sesame/score"
	"github.com/sesame-credit/sesame/simulate"
	"github.com/sesame-credit/sesame/sqlite"
)

func main() {
	people := flag.Int("people", 100000, "people in the population")
	dbPath := flag.String("db", "", "database to (re)use (default: a new one in a temporary folder)")
	clients := flag.Int("clients", 16, "concurrent HTTP clients")
	duration := flag.Duration("duration", 10*time.Second, "measured time of each HTTP run")
	rescoreFlag := flag.Bool("rescore", true, "time a full rescore (sesame rescore --fresh) first; false reuses the stored scores of -db")
	repeat := flag.Int("repeat", 1, "HTTP runs of each kind, alternating sesame and the bare handler")
	binFlag := flag.String("bin", "", "a `sesame` binary to serve with (default: built from ./cmd/sesame), e.g. an older build to compare")
	duringIngest := flag.Bool("during-ingest", true, "also measure GET score while another client posts batches of 1,000 events to the same server")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of `sesame serve` during the (first) GET score run to this file")
	serveBareBody := flag.String("serve-bare", "", "(internal) serve the body in `FILE` as the bare handler and print its URL: the bench runs itself so, so that the bare handler is a process of its own like sesame serve")
	flag.Parse()
	if *serveBareBody != "" {
		serveBare(*serveBareBody)
		return
	}
	ctx := context.Background()

	dir, err := os.MkdirTemp("", "bench-score")
	check(err)
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "sesame")
	if *binFlag != "" {
		bin = *binFlag
	} else {
		run("go", "build", "-o", bin, "./cmd/sesame")
	}
	if *dbPath == "" {
		*dbPath = filepath.Join(dir, "bench.db")
	}
	built := false
	if _, err := os.Stat(*dbPath); err != nil {
		built = true
		train, modelFile := filepath.Join(dir, "train.csv"), filepath.Join(dir, "model.json")
		t0 := time.Now()
		run(bin, "simulate", "--db", *dbPath, "--people", strconv.Itoa(*people), "--seed", "42")
		log.Printf("simulated %d people in %s", *people, time.Since(t0).Round(time.Second))
		run(bin, "dataset", "build", "--db", *dbPath, "--as-of", "2025-11-01", "--horizon", "12m", "--backfill", "--out", train)
		run(bin, "model", "train", "--data", train, "--label", "bad", "--exclude", "person", "--protected", "protected_sex", "--seed", "42", "--out", modelFile)
		run(bin, "model", "register", "--db", *dbPath, "--activate", modelFile)
	}
	var rescore time.Duration
	var rescoreSaid string // the command's own summary: how many, and from what
	if *rescoreFlag {
		t0 := time.Now()
		cmd := exec.Command(bin, "rescore", "--db", *dbPath, "--fresh")
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			log.Fatalf("sesame rescore: %v", err)
		}
		rescore = time.Since(t0)
		rescoreSaid = strings.TrimSpace(string(out))
	}

	// In process.
	db, err := sqlite.Open(ctx, *dbPath)
	check(err)
	st := db.Scores()
	svc := &score.Service{Events: db.Events(), Scanner: db.Events(), Scores: st, Models: st,
		Profiler: score.NewFeatureProfiler(score.DefaultMinHistory)}
	eng, err := svc.Load(ctx)
	check(err)
	asOf := time.Now()
	var profiles []score.Profile
	for i := 0; i < 1000; i++ {
		evs, err := svc.PersonEvents(ctx, simulate.PersonID(i), asOf)
		check(err)
		profiles = append(profiles, svc.Profiler.Profile(evs, asOf))
	}
	n := 0
	t0 := time.Now()
	for time.Since(t0) < 3*time.Second {
		for i := range profiles {
			eng.ScoreProfile("p", profiles[i], asOf)
		}
		n += len(profiles)
	}
	perScore := time.Since(t0) / time.Duration(n)
	latest, err := st.LatestScore(ctx, simulate.PersonID(1))
	check(err)

	var scored int
	check(db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM score_latest`).Scan(&scored))
	db.Close()
	if scored < *people {
		log.Printf("only %d people have a stored score; requests go to those", scored)
		*people = scored
	}

	// Over HTTP.
	srv := startServe(bin, *dbPath, *cpuProfile != "")
	defer func() { srv.stop() }()
	base := srv.base
	get := func(url string) []byte {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer bench")
		resp, err := http.DefaultClient.Do(req)
		check(err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			log.Fatalf("GET %s: %s %s", url, resp.Status, body)
		}
		return body
	}
	body := get(base + "/v1/people/" + simulate.PersonID(1) + "/score")
	bare := startBare(body)
	defer bare.stop()
	bareURL := bare.base
	// Both servers are read through the Go client, which decodes each
	// answer (the same score body from both), on one pool of connections.
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *clients, MaxConnsPerHost: *clients, DisableCompression: true}}
	// getScore is a GET of a random person's score, as an operator.
	getScore := func(ctx context.Context, c, i int) error {
		_, err := (&client.Client{BaseURL: base, Token: "bench", HTTP: hc}).Score(ctx, simulate.PersonID(rand.IntN(*people)))
		return err
	}
	// measure runs the load of request against target and returns, with
	// the result, target's CPU time per request and the load generator's
	// (this process's: in the bare handler's runs, nothing else runs here).
	measure := func(target *server, request func(ctx context.Context, c, i int) error) (loadgen.Result, time.Duration, time.Duration) {
		pid := target.cmd.Process.Pid
		cpu0, self0 := proc.CPUTimeOf(pid), proc.CPUTime()
		run, err := loadgen.Run(ctx, loadgen.Options{Clients: *clients, Duration: *duration, Do: request})
		check(err)
		n := time.Duration(max(1, run.Requests))
		return run, (proc.CPUTimeOf(pid) - cpu0) / n, (proc.CPUTime() - self0) / n
	}
	getBare := func(ctx context.Context, c, i int) error {
		_, err := (&client.Client{BaseURL: bareURL, HTTP: hc}).Score(ctx, "x")
		return err
	}
	var scoreRuns, bareRuns, limitRuns []loadgen.Result
	var scoreCPU []time.Duration // sesame serve's CPU time per request of each run
	// The bare handler's and the load generator's CPU per request.
	var bareCPU, loadCPU []time.Duration
	for rep := 0; rep < *repeat; rep++ {
		var prof chan []byte
		if *cpuProfile != "" && rep == 0 {
			prof = make(chan []byte, 1)
			go func() {
				prof <- get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, int((*duration+time.Second)/time.Second)))
			}()
		}
		scoreRun, cpu, _ := measure(srv, getScore)
		scoreCPU = append(scoreCPU, cpu)
		if prof != nil {
			check(os.WriteFile(*cpuProfile, <-prof, 0o644))
		}
		// The durable limit, with the server stopped: the same entries,
		// appended by the store's group commit from as many callers.
		srv.stop()
		limitRuns = append(limitRuns, durableLimit(ctx, *dbPath, *clients, *people, *duration))
		srv = startServe(bin, *dbPath, false)
		base = srv.base
		// The bare handler runs while sesame serve idles (its process
		// stays up, as a second server on the machine would).
		bareRun, cpu, load := measure(bare, getBare)
		bareCPU, loadCPU = append(bareCPU, cpu), append(loadCPU, load)
		scoreRuns, bareRuns = append(scoreRuns, scoreRun), append(bareRuns, bareRun)
	}
	var during loadgen.Result
	var ingested, ingestErrors int64
	var ingestTime time.Duration
	if *duringIngest {
		ictx, cancel := context.WithCancel(ctx)
		load := &ingestLoad{base: base, token: "bench", people: *people, batch: 1000}
		t0 := time.Now()
		load.start(ictx)
		during, err = loadgen.Run(ctx, loadgen.Options{Clients: *clients, Duration: *duration, Do: getScore})
		cancel()
		load.wg.Wait()
		check(err)
		ingestTime = time.Since(t0)
		ingested, ingestErrors = load.stored.Load(), load.errors.Load()
	}
	srv.stop()
	entries := accessEntries(ctx, *dbPath)

	how := "built by this run: sesame simulate --seed 42, dataset build, model train and register, rescore (the operator path)"
	if !built {
		how = "reused " + *dbPath + ", built before this run"
	}
	fmt.Printf("\npopulation: %d people with a stored score (%s), model %s, example score %d (%s)\n",
		scored, how, latest.ModelVersion, latest.Score, latest.Band)
	if *rescoreFlag {
		fmt.Printf("full rescore (sesame rescore --fresh; a new database's first one refolds everyone from the ledger, later ones start from the stored feature states): %s = %.0f people/s\n  %s\n",
			rescore.Round(time.Millisecond), float64(scored)/rescore.Seconds(), rescoreSaid)
	} else {
		fmt.Printf("full rescore: not run (-rescore=false)\n")
	}
	fmt.Printf("in process: score + band + dimensions + reasons + tips: %s per person (%d scored)\n", perScore, n)
	fmt.Printf("HTTP, %d clients, %s each, response %d bytes, operator token (each read consent-gated, its access entry committed and synced before the answer: %d entries now, all verified):\n",
		*clients, *duration, len(body), entries)
	for i := range scoreRuns {
		fmt.Printf("  GET /v1/people/{id}/score   %s\n", scoreRuns[i])
		fmt.Printf("    (sesame serve used %.1f µs of CPU per request)\n", float64(scoreCPU[i])/1e3)
		fmt.Printf("  durable limit (%d callers)  %s\n", *clients, limitRuns[i])
		fmt.Printf("    (AppendAccess in a loop on the same database, no server: the same group-committed insert and sync)\n")
		fmt.Printf("  bare net/http, same body    %s\n", bareRuns[i])
		fmt.Printf("    (the bare handler, a process of its own, used %.1f µs of CPU per request; the load generator %.1f µs)\n",
			float64(bareCPU[i])/1e3, float64(loadCPU[i])/1e3)
		fmt.Printf("  GET score                   %.0f%% of the durable limit, %.0f%% of the bare handler\n",
			100*scoreRuns[i].RPS/limitRuns[i].RPS, 100*scoreRuns[i].RPS/bareRuns[i].RPS)
	}
	if *duringIngest {
		fmt.Printf("  GET score while ingesting   %s\n", during)
		fmt.Printf("    (meanwhile one client posted batches of 1,000 events: %d events stored in %s = %.0f events/s, %d failed requests)\n",
			ingested, ingestTime.Round(time.Millisecond), float64(ingested)/ingestTime.Seconds(), ingestErrors)
	}
}

// durableLimit appends access entries like a server's reads do, from
// callers goroutines for duration, through the store's group commit.
func durableLimit(ctx context.Context, path string, callers, people int, duration time.Duration) loadgen.Result {
	db, err := sqlite.Open(ctx, path)
	check(err)
	defer db.Close()
	log := db.AccessLog()
	r, err := loadgen.Run(ctx, loadgen.Options{Clients: callers, Duration: duration, Do: func(ctx context.Context, c, i int) error {
		return log.AppendAccess(ctx, &sesame.AccessEntry{At: time.Now(), Person: simulate.PersonID(rand.IntN(people)), Actor: "operator:bench",
			Action: consent.ActionOperatorRead, Scope: sesame.ScopeFull, Outcome: sesame.AccessAllowed, Reason: "score"})
	}})
	check(err)
	return r
}

// accessEntries counts the access log's entries (every measured read
// must have left one) and checks that their chain is intact.
func accessEntries(ctx context.Context, path string) int {
	db, err := sqlite.Open(ctx, path)
	check(err)
	defer db.Close()
	r, err := audit.Verify(ctx, db.AccessLog(), audit.Options{})
	check(err)
	if !r.OK {
		log.Fatalf("the access log's chain is broken after the run: %+v", r.Problems)
	}
	return r.Entries
}

func run(name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("%s %v: %v", name, args, err)
	}
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// server is a server process the benchmark runs: sesame serve, or the
// bare handler.
type server struct {
	cmd  *exec.Cmd
	base string
	log  *os.File // sesame serve's stderr; nil for the bare handler
}

// startServe starts `sesame serve` on db at a free loopback port, with
// extra flags, and waits until it is ready.
func startServe(bin, db string, pprof bool, extra ...string) *server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	addr := ln.Addr().String()
	ln.Close()
	args := []string{"serve", "--db", db, "--addr", addr, "--operator-token", "bench", "--rescore-every", "0"} // the default log format (JSON), to a file
	if pprof {
		args = append(args, "--pprof")
	}
	cmd := exec.Command(bin, append(args, extra...)...)
	// Its log goes to a file, as an operator's would: through a pipe, this
	// process would spend its CPU (which the load generator needs) copying
	// the lines, in sesame's runs but not the bare handler's.
	logFile, err := os.CreateTemp("", "bench-score-serve-*.log")
	check(err)
	cmd.Stderr = logFile
	dieWithParent(cmd)
	check(cmd.Start())
	s := &server{cmd: cmd, base: "http://" + addr, log: logFile}
	for deadline := time.Now().Add(60 * time.Second); ; {
		if resp, err := http.Get(s.base + "/readyz"); err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			return s
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			said, _ := os.ReadFile(logFile.Name())
			log.Fatalf("sesame serve not ready after a minute; it said:\n%s", said[max(0, len(said)-4096):])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop kills the server, as a crash would: what it acknowledged must be
// in the database regardless.
func (s *server) stop() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
	if s.log != nil {
		s.log.Close()
		os.Remove(s.log.Name())
	}
}

// startBare runs this program with -serve-bare: the bare handler in a
// process of its own, as sesame serve is, serving body.
func startBare(body []byte) *server {
	f, err := os.CreateTemp("", "bench-bare-body")
	check(err)
	defer os.Remove(f.Name())
	_, err = f.Write(body)
	check(errors.Join(err, f.Close()))
	cmd := exec.Command(os.Args[0], "-serve-bare", f.Name())
	cmd.Stderr = os.Stderr
	dieWithParent(cmd)
	out, err := cmd.StdoutPipe()
	check(err)
	check(cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		log.Fatalf("bare handler: %v", err)
	}
	return &server{cmd: cmd, base: strings.TrimSpace(line)}
}

// serveBare is the bare handler's process: a plain net/http handler that
// answers every request with the body in file, the ceiling any real handler
// on the same machine can approach.
func serveBare(file string) {
	body, err := os.ReadFile(file)
	check(err)
	url, _, err := loadgen.BareServer(body)
	check(err)
	fmt.Println(url)
	select {}
}
