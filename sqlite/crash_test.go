package sqlite_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/ingest"
	"github.com/sesame-credit/sesame/ledgertest"
	"github.com/sesame-credit/sesame/sqlite"
)

// The crash test re-runs this test binary as a child that ingests
// continuously; these variables tell the child what to do.
const (
	crashEnvDB    = "SESAME_CRASH_CHILD_DB"
	crashEnvStart = "SESAME_CRASH_CHILD_START"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnvDB); path != "" {
		start, _ := strconv.Atoi(os.Getenv(crashEnvStart))
		if err := crashChild(path, start); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashEvent is event i of the endless stream the child ingests.
func crashEvent(i int) sesame.Event {
	return ledgertest.NewEvent("crash", "c"+strconv.Itoa(i), fmt.Sprintf("p%03d", i%200), sesame.KindPaymentMade,
		ledgertest.Base.Add(time.Duration(i)*time.Second), i)
}

// crashChild ingests events start, start+1, … through the real decoder and
// Loader, in batches of varying size, and prints "ack N" after each batch is
// committed, N being the number of events of the stream known to be stored.
func crashChild(path string, start int) error {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriter(pw)
		enc := json.NewEncoder(w)
		for i := start; ; i++ {
			e := crashEvent(i)
			if err := enc.Encode(&e); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
	}()
	dec, err := ingest.NewDecoder(pr, ingest.Options{Format: ingest.NDJSON})
	if err != nil {
		return err
	}
	out := bufio.NewWriter(os.Stdout)
	l := &ingest.Loader{Store: db.Events(), Batch: 100 + rand.IntN(900), OnBatch: func(b ingest.BatchReport) {
		// Line L of this run is event start+L-1; the batch is durable now.
		fmt.Fprintf(out, "ack %d\n", start+b.LastLine)
		out.Flush()
	}}
	_, err = l.Load(ctx, dec)
	return err
}

// TestCrashDurability kills an ingesting child with SIGKILL at random
// moments, restarts it where its acknowledgements say it got to, and checks
// that every acknowledged event is stored exactly once and that what is
// stored is whole batches: a gapless prefix of the stream.
func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	acked := 0
	const kills = 24
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	deadline := time.Now().Add(50 * time.Second)
	for k := 0; k < kills; k++ {
		if time.Now().After(deadline) {
			t.Fatalf("only %d kills within the time budget", k)
		}
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnvDB+"="+path, crashEnvStart+"="+strconv.Itoa(acked))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acks := make(chan int, 1024)
		firstAck := make(chan struct{})
		go func() {
			defer close(acks)
			sc := bufio.NewScanner(stdout)
			for first := true; sc.Scan(); first = false {
				if n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "ack ")); err == nil {
					acks <- n
				}
				if first {
					close(firstAck)
				}
			}
		}()
		// Kill at a random moment: every other time anywhere from start-up
		// on, otherwise once the child has committed at least one batch, so
		// that the ledger grows however slow the machine is.
		if k%2 == 1 {
			select {
			case <-firstAck:
			case <-time.After(10 * time.Second):
			}
		}
		time.Sleep(time.Duration(20+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		before := acked
		for n := range acks {
			acked = max(acked, n)
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("child %d ended by itself (%v): %s", k, err, stderr.String())
		}
		t.Logf("kill %d: acknowledged %d → %d", k, before, acked)
	}
	if acked == 0 {
		t.Fatal("no batch was ever acknowledged; the child may be failing to start")
	}

	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Reader().Query(`SELECT id FROM events`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[int]int{}
	highest := -1
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(strings.TrimPrefix(id, "c"))
		if err != nil {
			t.Fatalf("unexpected id %q", id)
		}
		seen[n]++
		highest = max(highest, n)
	}
	for i := 0; i < acked; i++ {
		switch seen[i] {
		case 1:
		case 0:
			t.Fatalf("acknowledged event %d is missing", i)
		default:
			t.Fatalf("event %d stored %d times", i, seen[i])
		}
	}
	// Batches are atomic and sequential, so the stored events are exactly
	// 0..highest: a gap would be a half-written batch.
	if len(seen) != highest+1 {
		t.Fatalf("stored %d distinct events but the highest is %d: a batch was half written", len(seen), highest)
	}
	t.Logf("%d kills; %d events acknowledged, %d stored (the excess committed but unacknowledged when killed)", kills, acked, len(seen))
}
