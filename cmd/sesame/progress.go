package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// countProgress shows a count on stderr with its total (once known), rate
// and time left: one line redrawn in place on a terminal, a plain line
// every few seconds otherwise (logs, CI).
type countProgress struct {
	mu    sync.Mutex
	out   io.Writer
	tty   bool
	what  string
	unit  string
	total int64 // <0: not known (yet)
	every time.Duration
	last  time.Time
	now   func() time.Time
	// The rate is measured from the first count reported, not from the
	// start: a resumed job's first report is not work done in no time.
	firstAt time.Time
	firstN  int
	n       int
	drawn   bool
}

func newCountProgress(what, unit string, total int64) *countProgress {
	tty := term.IsTerminal(int(os.Stderr.Fd()))
	every := 5 * time.Second
	if tty {
		every = 200 * time.Millisecond
	}
	return &countProgress{out: os.Stderr, tty: tty, what: what, unit: unit, total: total, every: every, now: time.Now}
}

// setTotal gives the total once it is known (it may be counted while the
// work has already begun).
func (p *countProgress) setTotal(total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total = total
}

func (p *countProgress) set(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.firstAt.IsZero() {
		p.firstAt, p.firstN, p.last = now, n, now
	}
	p.n = n
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	line := progressLine(p.what, p.unit, n, p.total, p.rate(now))
	if p.tty {
		fmt.Fprintf(p.out, "\r\x1b[K%s", line)
		p.drawn = true
		return
	}
	fmt.Fprintln(p.out, line)
}

// rate is units per second since the first report, or 0 when too little
// time has passed to say.
func (p *countProgress) rate(now time.Time) float64 {
	d := now.Sub(p.firstAt).Seconds()
	if d < 0.5 {
		return 0
	}
	return float64(p.n-p.firstN) / d
}

func (p *countProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.out, "\r\x1b[K")
	}
}

// progressLine renders "rescore: 3,983 of 100,000 people (4.0%), 1,234/s, 1m18s left";
// the parts not known (total, rate) are left out rather than guessed.
func progressLine(what, unit string, n int, total int64, rate float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", what, groupThousands(int64(n)))
	if total >= 0 {
		fmt.Fprintf(&b, " of %s %s", groupThousands(total), unit)
		if total > 0 {
			fmt.Fprintf(&b, " (%.1f%%)", 100*float64(n)/float64(total))
		}
	} else {
		fmt.Fprintf(&b, " %s", unit)
	}
	if rate > 0 {
		fmt.Fprintf(&b, ", %s/s", groupThousands(int64(rate+0.5)))
		if total >= 0 && int64(n) < total {
			left := time.Duration(float64(total-int64(n)) / rate * float64(time.Second))
			fmt.Fprintf(&b, ", %s left", left.Round(time.Second))
		}
	}
	return b.String()
}

// groupThousands writes n with thousands separators: 74407790 → 74,407,790.
func groupThousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
