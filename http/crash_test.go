package http

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	nethttp "net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/consent"
	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/sqlite"
)

// The HTTP crash test re-runs this test binary as a child serving the API;
// this variable tells the child where its database is.
const crashEnvDB = "SESAME_HTTP_CRASH_CHILD_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnvDB); path != "" {
		if err := crashServer(path); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && !testing.Short() {
		// The whole suite ran: every documented operation must have been
		// answered, and that answer validated, at least once.
		if missing := unvalidatedOps(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "no test received a validated answer from %d documented operations:\n  %s\n", len(missing), strings.Join(missing, "\n  "))
			code = 1
		}
	}
	os.Exit(code)
}

// crashServer serves the API on a SQLite file until it is killed, printing
// its address once it listens.
func crashServer(path string) error {
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		return err
	}
	srv := NewServer(Config{})
	srv.Events = db.Events()
	srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv.Auth.AddToken(operatorToken, Principal{Role: RoleOperator, Name: "crash"})
	srv.UseTrust(&Trust{Partners: &auth.Partners{Store: db.Partners()}, People: &auth.People{Store: db.Sessions()},
		Gate: &consent.Gate{Audit: &audit.Recorder{Log: db.AccessLog()}}, AccessLog: db.AccessLog()})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("listening %s\n", ln.Addr())
	return srv.Serve(context.Background(), ln, nil)
}

// startCrashChild starts the k-th child server on the database at path and
// returns it with its base URL.
func startCrashChild(t *testing.T, exe, path string, k int) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnvDB+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatalf("child %d did not start: %v %s", k, err, stderr.String())
	}
	return cmd, "http://" + strings.TrimSpace(strings.TrimPrefix(line, "listening "))
}

// TestCrashAcknowledgedBatchesSurvive posts batches from concurrent clients
// (so that they share transactions) to a server that is killed with
// SIGKILL at random moments, 20 times. After each restart the batches that
// were in flight are sent again, and must come back accepted or duplicate,
// never conflicting; at the end every event of every acknowledged batch is
// stored, exactly once.
func TestCrashAcknowledgedBatchesSurvive(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	const kills, clients, batch = 20, 3, 150
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	var (
		mu       sync.Mutex
		acked    = map[string]bool{} // ids of events in acknowledged batches
		inFlight [][]byte            // bodies sent but not acknowledged
		nextID   int
	)
	newBody := func() []byte {
		mu.Lock()
		defer mu.Unlock()
		if n := len(inFlight); n > 0 {
			b := inFlight[n-1]
			inFlight = inFlight[:n-1]
			return b
		}
		var buf bytes.Buffer
		for range batch {
			e := ledgertest.NewEvent("crash", fmt.Sprint("c", nextID), fmt.Sprintf("p%02d", nextID%50), sesame.KindPaymentMade,
				ledgertest.Base.Add(time.Duration(nextID)*time.Second), nextID)
			nextID++
			line, _ := json.Marshal(&e)
			buf.Write(line)
			buf.WriteByte('\n')
		}
		return buf.Bytes()
	}
	client := &nethttp.Client{Timeout: 10 * time.Second}

	for k := range kills {
		cmd, base := startCrashChild(t, exe, path, k)
		url := base + "/v1/events"

		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					body := newBody()
					a, err := postBatch(client, url, body)
					mu.Lock()
					if err != nil {
						inFlight = append(inFlight, body) // unknown outcome: send again later
						mu.Unlock()
						return
					}
					for _, r := range a.Results {
						if r.Status != "accepted" && r.Status != "duplicate" {
							mu.Unlock()
							t.Errorf("resent batch: line %d %s (%s)", r.Line, r.Status, r.Reason)
							return
						}
						acked[r.ID] = true
					}
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(30+rng.IntN(300)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(stop)
		wg.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("child %d ended by itself: %s", k, cmd.Stderr)
		}
		if t.Failed() {
			return
		}
	}
	if len(acked) == 0 {
		t.Fatal("no batch was acknowledged")
	}

	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := map[string]int{}
	for p := range 50 {
		f := sesame.EventFilter{Person: fmt.Sprintf("p%02d", p), Limit: 1000}
		for {
			page, err := db.Events().Events(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Events {
				stored[e.ID]++
			}
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
	}
	for id := range acked {
		if stored[id] != 1 {
			t.Fatalf("acknowledged event %s stored %d times", id, stored[id])
		}
	}
	t.Logf("%d kills; %d events acknowledged, %d stored (the rest were in flight)", kills, len(acked), len(stored))
}

func postBatch(client *nethttp.Client, url string, body []byte) (ingestAnswer, error) {
	req, _ := nethttp.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+operatorToken)
	resp, err := client.Do(req)
	if err != nil {
		return ingestAnswer{}, err
	}
	defer resp.Body.Close()
	var a ingestAnswer
	if resp.StatusCode != 200 {
		return a, fmt.Errorf("status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return a, err
	}
	return a, nil
}

// TestCrashAnsweredReadsAreLogged reads events of a new person per request,
// as an operator, from concurrent clients, against a server killed with
// SIGKILL at random moments, 10 times: every read that was answered has its
// entry in the person's access log afterwards, and the log verifies.
func TestCrashAnsweredReadsAreLogged(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "reads.db")
	const kills, clients = 10, 8
	var mu sync.Mutex
	var answered []string // people whose read was answered
	next := 0
	client := &nethttp.Client{Timeout: 10 * time.Second}
	for k := range kills {
		cmd, base := startCrashChild(t, exe, path, k)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					mu.Lock()
					person := fmt.Sprintf("r%06d", next)
					next++
					mu.Unlock()
					req, _ := nethttp.NewRequest("GET", base+"/v1/people/"+person+"/events", nil)
					req.Header.Set("Authorization", "Bearer "+operatorToken)
					resp, err := client.Do(req)
					if err != nil {
						continue // killed mid-request: not answered
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == 200 {
						mu.Lock()
						answered = append(answered, person)
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(time.Duration(200+rand.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(stop)
		wg.Wait()
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	logged := map[string]bool{}
	if err := db.AccessLog().ScanAccess(context.Background(), func(e *sesame.AccessEntry) error { logged[e.Person] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, p := range answered {
		if !logged[p] {
			missing = append(missing, p)
		}
	}
	if len(answered) == 0 || len(missing) > 0 {
		t.Fatalf("%d reads answered, %d without an entry: %v", len(answered), len(missing), missing[:min(10, len(missing))])
	}
	r, err := audit.Verify(context.Background(), db.AccessLog(), audit.Options{})
	if err != nil || !r.OK {
		t.Fatalf("the log after the kills: %+v %v", r, err)
	}
	t.Logf("%d reads answered across %d kills, each with its entry; %d entries in all", len(answered), kills, r.Entries)
}
