package sesame

import (
	"context"
	"time"
)

// The score scale. Every score Sesame shows lies in [MinScore, MaxScore].
const (
	MinScore = 350
	MaxScore = 950
)

// Dimension is one of the five views of a person's reliability. Every
// feature belongs to exactly one.
type Dimension string

const (
	CreditHistory Dimension = "credit_history" // how past credit was repaid
	Fulfilment    Dimension = "fulfilment"     // capacity to keep commitments: utilisation, income, rentals and orders
	Behaviour     Dimension = "behaviour"      // regularity of payments, bills and spending
	Identity      Dimension = "identity"       // verified, stable identity facts
	Connections   Dimension = "connections"    // opt-in vouches; neutral when absent
)

// Dimensions lists the five dimensions in display order.
var Dimensions = []Dimension{CreditHistory, Fulfilment, Behaviour, Identity, Connections}

// Valid reports whether d is one of the five dimensions.
func (d Dimension) Valid() bool {
	for _, x := range Dimensions {
		if x == d {
			return true
		}
	}
	return false
}

// Band is the name of a score range, the part of a score most people and
// most products look at.
type Band string

const (
	Poor      Band = "poor"      // 350–549
	Fair      Band = "fair"      // 550–599
	Good      Band = "good"      // 600–649
	VeryGood  Band = "very_good" // 650–699
	Excellent Band = "excellent" // 700–950
)

// Bands lists the bands from lowest to highest with their lower bounds.
var Bands = []struct {
	Band Band
	Min  int
}{{Poor, 350}, {Fair, 550}, {Good, 600}, {VeryGood, 650}, {Excellent, 700}}

// BandOf returns the band of a score; scores outside the scale are clamped first.
func BandOf(score int) Band {
	score = ClampScore(score)
	b := Poor
	for _, x := range Bands {
		if score >= x.Min {
			b = x.Band
		}
	}
	return b
}

// BandMin returns the lowest score of band b, or 0 when b is not a band.
func BandMin(b Band) int {
	for _, x := range Bands {
		if x.Band == b {
			return x.Min
		}
	}
	return 0
}

// Rank orders bands: poor 0 … excellent 4; -1 when b is not a band.
func (b Band) Rank() int {
	for i, x := range Bands {
		if x.Band == b {
			return i
		}
	}
	return -1
}

// ClampScore clamps s into [MinScore, MaxScore].
func ClampScore(s int) int {
	return max(MinScore, min(MaxScore, s))
}

// Score is a person's score as of a time, with everything needed to explain
// it. Who may read which part is decided by consent (see Consent); the person
// always sees all of it.
type Score struct {
	Person string `json:"person"`
	// Status is "scored", or "insufficient_history" when the person's events
	// do not support a score; then Score is 0 and Missing says what is lacking.
	Status     string           `json:"status"`
	Score      int              `json:"score,omitempty"`
	Band       Band             `json:"band,omitempty"`
	Dimensions []DimensionScore `json:"dimensions,omitempty"`
	Reasons    []Reason         `json:"reasons,omitempty"`
	Tips       []Tip            `json:"tips,omitempty"`
	Missing    []string         `json:"missing,omitempty"`
	// SelfAdded names what the person added to their own record that counts
	// in this score, and SelfAddedPoints how far it raised it; partners see
	// both. Self-added facts only ever raise a score (docs/model.md).
	SelfAdded       []SelfAdded `json:"self_added,omitempty"`
	SelfAddedPoints int         `json:"self_added_points,omitempty"`
	ModelVersion    string      `json:"model_version"`
	AsOf            time.Time   `json:"as_of"`
	// DataAsOf says, for each source of the person's records, how far its
	// data was complete when this score read it (the earlier of AsOf and
	// the source's watermark), and whether it was stale: a stale source
	// is shown as such, never taken for delinquency.
	DataAsOf []SourceAsOf `json:"data_as_of,omitempty"`
	// Features are the profile values the score was computed from, by name.
	// Never shown to partners; policies may read a documented subset.
	Features map[string]float64 `json:"-"`
}

// SourceAsOf is how far one source's data was complete for a score.
type SourceAsOf struct {
	Source string    `json:"source"`
	AsOf   time.Time `json:"as_of"`
	Stale  bool      `json:"stale,omitempty"`
}

// Score statuses.
const (
	StatusScored              = "scored"
	StatusInsufficientHistory = "insufficient_history"
)

// DimensionScore is one dimension's sub-score on the same 350–950 scale: the
// dimension's points placed between the worst and best its features allow.
type DimensionScore struct {
	Dimension Dimension `json:"dimension"`
	Score     int       `json:"score"`
	Points    float64   `json:"points"` // the dimension's share of the score
}

// Reason is one factor that cost the person points, with the exact number
// of points below the best attainable (adverse-action style): a stable
// reason code (docs/reasons.md), the sentence in the reader's language
// quoting the person's own value, and the feature that lost the most points
// of the code's factor.
type Reason struct {
	Code       string    `json:"code"`
	Feature    string    `json:"feature"`
	Dimension  Dimension `json:"dimension"`
	Text       string    `json:"text"`
	Value      string    `json:"value,omitempty"` // the person's value in its unit ("45%"); "" when none is recorded
	PointsLost float64   `json:"points_lost"`
}

// MaxReasons is how many reasons a score gives by its points lost. One more
// may follow: recent applications for credit (ReasonInquiries), when they
// cost points and are not among the first MaxReasons, as FICO gives
// inquiries as a fifth reason.
const MaxReasons = 4

// ReasonInquiries is the reason code of recent applications for credit
// (hard inquiries), the one code that may come fifth.
const ReasonInquiries = "R34"

// Tip is a change the person can make and the exact points it would add
// under the current model.
type Tip struct {
	Feature string  `json:"feature"`
	Code    string  `json:"code,omitempty"` // the reason code the tip answers
	Action  string  `json:"action"`
	Gain    int     `json:"gain"`
	Target  float64 `json:"target"`      // the feature value the tip aims at, in the model's unit (0.1)
	Goal    string  `json:"target_text"` // the target in the person's unit ("10%")
}

// ScoreReader gives the latest stored score of a person. Every caller other
// than the person goes through a consent check first (package consent).
type ScoreReader interface {
	// LatestScore returns the person's most recent score, or an ENOTFOUND error.
	LatestScore(ctx context.Context, person string) (*Score, error)
}
