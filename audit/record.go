package audit

import (
	"context"
	"time"

	"github.com/sesame-credit/sesame"
)

// Recorder appends access entries. Every read of a person's data by a
// partner or an operator goes through it, allowed or denied, before the
// answer is sent: if the entry cannot be written, the read fails.
type Recorder struct {
	Log sesame.AccessLog
	Now func() time.Time
}

// Record appends e, stamping its time.
func (r *Recorder) Record(ctx context.Context, e *sesame.AccessEntry) error {
	if r.Now != nil {
		e.At = r.Now().UTC()
	} else {
		e.At = time.Now().UTC()
	}
	return r.Log.AppendAccess(ctx, e)
}
