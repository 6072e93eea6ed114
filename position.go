package sesame

import "time"

// Position is a place in a list read newest first, given as the item a
// page ends at: the item created at At with id ID. The next page holds the
// items after it — created before At, or at At with a greater id — so a
// reader pages through a list of any length, items added meanwhile or not,
// with no repeats or gaps. The zero Position reads from the newest.
type Position struct {
	At time.Time
	ID string
}

// IsZero reports whether p reads from the newest item.
func (p Position) IsZero() bool { return p.At.IsZero() && p.ID == "" }
