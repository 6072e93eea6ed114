package score

import (
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
)

// DefaultMinHistory is how long before the as-of time a person's first
// event must lie for a score; less is "not enough history".
const DefaultMinHistory = 90 * 24 * time.Hour

// FeatureProfiler is the Profiler of the platform: the feature catalogue,
// the same code that builds training sets.
type FeatureProfiler struct{ P *feature.Profiler }

// NewFeatureProfiler returns the catalogue's profiler requiring minHistory.
func NewFeatureProfiler(minHistory time.Duration) FeatureProfiler {
	return FeatureProfiler{P: &feature.Profiler{MinHistory: minHistory}}
}

func (p FeatureProfiler) Names() []string { return p.P.Names() }

func (p FeatureProfiler) Profile(events []sesame.Event, asOf time.Time) Profile {
	v, missing := p.P.Profile(events, asOf)
	return Profile{Values: v, Missing: missing}
}

// Tips returns the catalogue's tips; the profile order is the catalogue's,
// so i is the catalogue position.
func (p FeatureProfiler) Tips(i int, current float64) []TipTarget { return feature.TipsAt(i, current) }
