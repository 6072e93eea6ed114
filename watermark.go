package sesame

import (
	"context"
	"time"
)

// Watermark is a source's word that its data is complete up to CompleteTo:
// every fact it holds about anyone, up to then, has been sent. Facts from a
// source are judged as of the earlier of now and its watermark, so that a
// payment due after the data stopped is never taken for an unpaid one.
// Sources set it (ingest API, CLI, NATS header, importers, simulate);
// operators and people read it.
type Watermark struct {
	Source     string    `json:"source"`
	CompleteTo time.Time `json:"complete_to"`
	// UpdatedAt is when the source last said so.
	UpdatedAt time.Time `json:"updated_at"`
}

// DefaultStaleAfter is how long a source may stay silent (its watermark
// not moving) before its data is shown as stale.
const DefaultStaleAfter = 45 * 24 * time.Hour

// Stale reports whether the source's data is older than staleAfter at now.
func (w Watermark) Stale(now time.Time, staleAfter time.Duration) bool {
	if staleAfter <= 0 {
		staleAfter = DefaultStaleAfter
	}
	return now.Sub(w.CompleteTo) > staleAfter
}

// WatermarkStore keeps each source's watermark. A watermark only moves
// forward: setting an earlier time than the one stored keeps the stored one,
// so that a retried or reordered message is safe.
type WatermarkStore interface {
	// SetWatermark records that source's data is complete up to
	// completeTo and returns the watermark now stored.
	SetWatermark(ctx context.Context, source string, completeTo time.Time) (Watermark, error)
	// Watermarks returns every source's watermark, by source name.
	Watermarks(ctx context.Context) ([]Watermark, error)
}

// ValidateWatermark checks a watermark a source sends at now: a named
// source, a time, and not in the future (a source cannot have reported what
// has not happened yet; a minute of clock skew is allowed).
func ValidateWatermark(source string, completeTo, now time.Time) error {
	if !ValidID(source) {
		return Errorf(EINVALID, "source must be an id (letters, digits and . _ : @ -, up to 128)")
	}
	if completeTo.IsZero() {
		return Errorf(EINVALID, "complete_to is required: the time up to which the source's data is complete")
	}
	if completeTo.After(now.Add(time.Minute)) {
		return Errorf(EINVALID, "complete_to %s is in the future: a source can only vouch for data up to now", completeTo.UTC().Format(time.RFC3339))
	}
	return nil
}
