package postgres_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/postgres"
	"github.com/sesame-credit/sesame/postgres/pgtest"
)

const accessCrashEnv = "SESAME_PG_ACCESS_CRASH_URL"

// TestAccessLogCrashChild is the child of TestAccessLogCrash: logged reads'
// appends from 32 goroutines, of people in every partition, forever,
// printing each entry once AppendAccess has returned (the read would be
// answered then).
func TestAccessLogCrashChild(t *testing.T) {
	url := os.Getenv(accessCrashEnv)
	if url == "" {
		t.Skip("run by TestAccessLogCrash")
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	log := db.Trust()
	var mu sync.Mutex
	for g := range 32 {
		go func() {
			for i := 0; ; i++ {
				e := &sesame.AccessEntry{At: time.Now(), Person: fmt.Sprintf("p%03d", (g*7+i)%200), Actor: "partner:crash", Action: "score.read",
					Scope: sesame.ScopeScore, Purpose: sesame.PurposeLoan, Consent: "con_1", Outcome: sesame.AccessAllowed, Reason: fmt.Sprint(i)}
				if err := log.AppendAccess(context.Background(), e); err != nil {
					fmt.Fprintln(os.Stderr, "append:", err)
					os.Exit(1)
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "ACK %d %s\n", e.Seq, e.Hash)
				mu.Unlock()
			}
		}()
	}
	select {}
}

// TestAccessLogCrash kills a process appending to the partitioned access
// log on PostgreSQL at random moments, 8 times: every entry whose append
// returned is in the log afterwards, as written, and the log verifies as
// `sesame audit verify` checks it (every partition's chain, the person
// links, the tree, which the seqs of the appends cut off fill as void
// entries), so only what was never acknowledged is missing.
func TestAccessLogCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	url := pgtest.FreshURL(t)
	ctx := context.Background()
	acked := map[int64]string{}
	for round := range 8 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAccessLogCrashChild$")
		cmd.Env = append(os.Environ(), accessCrashEnv+"="+url)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Killed at a random moment once it has acknowledged something
		// (start-up takes a while on a busy machine), or after 20 s.
		kill := time.AfterFunc(20*time.Second, func() { cmd.Process.Signal(syscall.SIGKILL) })
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			var seq int64
			var hash string
			if _, err := fmt.Sscanf(sc.Text(), "ACK %d %s", &seq, &hash); err == nil {
				acked[seq] = hash
				if n++; n == 1 {
					kill.Reset(time.Duration(50+rand.IntN(500)) * time.Millisecond)
				}
			}
		}
		kill.Stop()
		cmd.Wait()
		if n == 0 {
			t.Fatalf("round %d: the child acknowledged nothing", round)
		}
		db, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		stored, voids := map[int64]string{}, 0
		if err := db.Trust().ScanAccess(ctx, func(e *sesame.AccessEntry) error {
			stored[e.Seq] = e.Hash
			if audit.IsVoid(e) {
				voids++
			}
			return nil
		}); err != nil {
			t.Fatalf("round %d: reading the log after the crash: %v", round, err)
		}
		r, err := audit.Verify(ctx, db.Trust(), audit.Options{})
		db.Close()
		if err != nil || !r.OK {
			t.Fatalf("round %d: log after the crash: %+v %v", round, r, err)
		}
		var lost []string
		for seq, h := range acked {
			if stored[seq] != h {
				lost = append(lost, fmt.Sprint(seq))
			}
		}
		if len(lost) > 0 {
			t.Fatalf("round %d: %d acknowledged entries lost or changed: %s", round, len(lost), strings.Join(lost[:min(10, len(lost))], " "))
		}
		t.Logf("round %d: %d entries acknowledged, %d stored (%d void), all acknowledged present, log verifies", round, n, len(stored), voids)
	}
}
