package sesame

import (
	"context"
	"time"
)

// Stats are the counts an operator's dashboard shows about the business:
// where people stand, how many consents are live, what credentials and
// decisions have been made. They are read from the database, so that every
// replica reports the same figures.
type Stats struct {
	// PeopleByBand counts people by the band of their latest score; those
	// scored with too little history are under NoBand.
	PeopleByBand map[Band]int64
	// LiveConsents are granted, not revoked and not expired at the time asked.
	LiveConsents       int64
	CredentialsIssued  int64 // every credential ever issued, revoked ones included
	CredentialsRevoked int64
	Decisions          []DecisionCount
}

// NoBand stands for the people whose latest score has no band (too little history).
const NoBand Band = "none"

// DecisionCount is how many decisions one product has made with one outcome
// (approve, decline, refer).
type DecisionCount struct {
	Product string
	Outcome string
	N       int64
}

// StatsReader reads Stats; both stores implement it. It scans tables, so
// callers read it every minute or so, not on every request.
type StatsReader interface {
	Stats(ctx context.Context, now time.Time) (Stats, error)
}
