package sesame

import (
	"encoding/base64"
	"encoding/binary"
	"time"
)

// Cursor is a position in one person's list of events: just after the event
// that occurred at OccurredAt (Unix nanoseconds) with ledger sequence Seq.
// Stores hand it to clients encoded (EventPage.Next), so clients treat it as
// opaque; it stays valid while events are appended, because the order it
// follows (occurred_at, then seq) never changes for stored events.
type Cursor struct {
	OccurredAt int64
	Seq        int64
}

const cursorVersion = 1

// Encode returns the cursor as a URL-safe string.
func (c Cursor) Encode() string {
	var b [17]byte
	b[0] = cursorVersion
	binary.BigEndian.PutUint64(b[1:], uint64(c.OccurredAt))
	binary.BigEndian.PutUint64(b[9:], uint64(c.Seq))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// DecodeCursor parses a cursor made by Encode; anything else is an EINVALID error.
func DecodeCursor(s string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 17 || b[0] != cursorVersion {
		return Cursor{}, &Error{Code: EINVALID, Message: "invalid cursor: pass the value of next from the previous page unchanged",
			Details: []FieldError{{Field: "cursor", Reason: "is not a cursor this server issued"}}}
	}
	return Cursor{OccurredAt: int64(binary.BigEndian.Uint64(b[1:])), Seq: int64(binary.BigEndian.Uint64(b[9:]))}, nil
}

// ZoneOffset returns a location for a UTC offset in seconds, as stores need
// to give an event's time back in the zone it was sent with.
func ZoneOffset(seconds int) *time.Location {
	if seconds == 0 {
		return time.UTC
	}
	return time.FixedZone("", seconds)
}
