// Package notice delivers the outbox's notices to partners' and sources'
// webhooks, at least once: each POST carries the notice's id as its
// Idempotency-Key and an HMAC-SHA256 signature of the body, and a failed
// attempt is retried with exponential backoff until it succeeds or
// MaxAttempts is spent.
package notice

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// SignatureHeader carries "t=UNIX,v1=HEX": HEX is the HMAC-SHA256, with
// the webhook's secret, of "UNIX." followed by the body. A receiver
// recomputes it, and refuses old timestamps to stop replays.
const SignatureHeader = "Sesame-Signature"

// Sign returns the SignatureHeader value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a SignatureHeader value against body, accepting it within
// tolerance of now.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) bool {
	var ts string
	for _, part := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(part, "t="); ok {
			ts = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	t := time.Unix(sec, 0)
	if d := now.Sub(t); d > tolerance || d < -tolerance {
		return false
	}
	return hmac.Equal([]byte(Sign(secret, t, body)), []byte(header))
}

// Deliverer takes due notices to their webhooks.
type Deliverer struct {
	Outbox sesame.Outbox
	Client *http.Client     // default: 10 s timeout
	Now    func() time.Time // default time.Now; tests move it
	// Backoff is the wait after the n-th failed attempt (n ≥ 1); default
	// 30 s · 2^(n−1), at most 6 h.
	Backoff func(n int) time.Duration
	// MaxAttempts is when to give up (default 20, about four days).
	MaxAttempts int
	Log         *slog.Logger
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deliverer) backoff(n int) time.Duration {
	if d.Backoff != nil {
		return d.Backoff(n)
	}
	w := 30 * time.Second << min(n-1, 20)
	return min(w, 6*time.Hour)
}

// DeliverDue makes one attempt at every notice due now and reports how many
// were delivered and how many failed.
func (d *Deliverer) DeliverDue(ctx context.Context) (delivered, failed int, err error) {
	due, err := d.Outbox.Due(ctx, d.now(), 100)
	if err != nil {
		return 0, 0, err
	}
	for i := range due {
		n := &due[i]
		if sendErr := d.send(ctx, n); sendErr != nil {
			failed++
			next := d.now().Add(d.backoff(n.Attempts + 1))
			max := d.MaxAttempts
			if max <= 0 {
				max = 20
			}
			if n.Attempts+1 >= max {
				next = time.Time{} // given up: left in the outbox with its last error
			}
			if err := d.Outbox.Failed(ctx, n.ID, next, sendErr.Error()); err != nil {
				return delivered, failed, err
			}
			continue
		}
		delivered++
		if err := d.Outbox.Delivered(ctx, n.ID, d.now()); err != nil {
			return delivered, failed, err
		}
	}
	return delivered, failed, nil
}

func (d *Deliverer) send(ctx context.Context, n *sesame.Notice) error {
	w, err := d.Outbox.Webhook(ctx, n.Recipient)
	if err != nil {
		return err
	}
	body, err := json.Marshal(struct {
		ID        string          `json:"id"`
		Recipient string          `json:"recipient"`
		Topic     string          `json:"topic"`
		Body      json.RawMessage `json:"body"`
		CreatedAt time.Time       `json:"created_at"`
	}{n.ID, n.Recipient, n.Topic, n.Body, n.CreatedAt})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", n.ID)
	req.Header.Set(SignatureHeader, Sign(w.Secret, d.now(), body))
	c := d.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("webhook answered %d", res.StatusCode)
	}
	return nil
}

// Run delivers every interval until ctx ends.
func (d *Deliverer) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, failed, err := d.DeliverDue(ctx); err != nil {
			d.log().Error("notices: delivering", "err", err)
		} else if failed > 0 {
			d.log().Warn("notices: some webhooks failed; retrying with backoff", "failed", failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (d *Deliverer) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}
