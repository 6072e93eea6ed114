// Package replicatest runs `sesame serve` replicas as real processes built
// from the tree, for tests and benchmarks of a deployment of several
// servers: start them, talk to them, kill -9 and restart them.
package replicatest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// Binary builds ./cmd/sesame once per test binary and returns its path
// (removed by Cleanup).
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "sesame-replicatest-")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(buildDir, "sesame"), "github.com/sesame-credit/sesame/cmd/sesame").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "sesame")
}

// Cleanup removes the binary Binary built; call it from TestMain after
// the tests ran.
func Cleanup() {
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

// Run runs a CLI command of the binary and returns its stdout; the test
// fails when it exits non-zero.
func Run(t testing.TB, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("sesame %s: %v\n%s", strings.Join(args, " "), err, tail(errb.String(), 2000))
	}
	return out.String()
}

// NATSURL is the JetStream server tests use ($SESAME_TEST_NATS or the
// machine's own); reachable says whether it answers.
func NATSURL() (addr string, reachable error) {
	addr = os.Getenv("SESAME_TEST_NATS")
	if addr == "" {
		addr = "nats://127.0.0.1:4222"
	}
	u, err := url.Parse(addr)
	if err != nil {
		return addr, err
	}
	c, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err != nil {
		return addr, err
	}
	c.Close()
	return addr, nil
}

// Replica is one `sesame serve` process.
type Replica struct {
	Name string
	Addr string // HOST:PORT it listens on (kept across restarts)
	bin  string
	args []string
	log  string // its stderr, appended across restarts
	t    testing.TB

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Start runs `bin serve --addr <free port> --metrics-addr "" args...` and
// waits until /healthz answers. The process is killed when the test ends.
func Start(t testing.TB, bin, name string, args ...string) *Replica {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := &Replica{Name: name, Addr: addr, bin: bin, args: args, log: filepath.Join(t.TempDir(), name+".log"), t: t}
	r.start()
	t.Cleanup(func() {
		r.Kill()
		if t.Failed() {
			b, _ := os.ReadFile(r.log)
			t.Logf("%s's log (end):\n%s", name, tail(string(b), 4000))
		}
	})
	return r
}

func (r *Replica) start() {
	r.t.Helper()
	f, err := os.OpenFile(r.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		r.t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(r.bin, append([]string{"serve", "--addr", r.Addr, "--metrics-addr", ""}, r.args...)...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.mu.Lock()
	r.cmd = cmd
	r.mu.Unlock()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(r.URL() + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(r.log)
			r.t.Fatalf("%s exited before it was healthy:\n%s", r.Name, tail(string(b), 3000))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s not healthy within 60 s", r.Name)
		}
	}
}

// URL is the replica's base URL.
func (r *Replica) URL() string { return "http://" + r.Addr }

// PID is the process id of the running process (0 when killed).
func (r *Replica) PID() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil || r.cmd.Process == nil {
		return 0
	}
	return r.cmd.Process.Pid
}

// Kill sends SIGKILL — no shutdown, no flush — and waits for the exit.
func (r *Replica) Kill() {
	r.mu.Lock()
	cmd := r.cmd
	r.cmd = nil
	r.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGKILL)
	for i := 0; i < 200; i++ {
		if cmd.ProcessState != nil || syscall.Kill(cmd.Process.Pid, 0) != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Restart starts the replica again on the same address and arguments.
func (r *Replica) Restart() {
	r.t.Helper()
	r.Kill()
	r.start()
}

// Do sends a request with a bearer token and returns the status and body
// (status 0 when the replica did not answer).
func (r *Replica) Do(ctx context.Context, method, path, token, contentType, body string) (int, []byte) {
	req, err := http.NewRequestWithContext(ctx, method, r.URL()+path, strings.NewReader(body))
	if err != nil {
		return 0, nil
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
