package model

import (
	"fmt"
	"math"
)

func checkScaling(s Scaling) error {
	switch {
	case s.PDO <= 0:
		return fmt.Errorf("scaling: points to double the odds must be positive, got %v", s.PDO)
	case s.AnchorOdds <= 0:
		return fmt.Errorf("scaling: anchor odds must be positive, got %v", s.AnchorOdds)
	case s.Min >= s.Max:
		return fmt.Errorf("scaling: score range %d–%d is empty", s.Min, s.Max)
	}
	return nil
}

// scaled fills the derived factor and offset.
func scaled(s Scaling) Scaling {
	s.Factor = s.PDO / math.Ln2
	s.Offset = s.AnchorScore - s.Factor*math.Log(s.AnchorOdds)
	return s
}

// scale converts every term's ln(odds of bad) into integer points. The
// constant part of the score (offset − factor × intercept) is spread evenly
// over the terms, so the score is exactly the sum of the terms' points and no
// hidden base exists. Rounding each bin to a whole point moves a score by at
// most half a point per term; the probability stays exact (it is computed
// from the logits).
func (m *Model) scale() {
	s := m.Scaling
	share := (s.Offset - s.Factor*m.Intercept) / float64(m.NumTerms())
	for i := range m.Features {
		for k := range m.Features[i].Bins {
			b := &m.Features[i].Bins[k]
			b.Points = int(math.Round(share - s.Factor*b.Logit))
		}
	}
	for p := range m.Interactions {
		in := &m.Interactions[p]
		for a := range in.Logits {
			for b := range in.Logits[a] {
				in.Points[a][b] = int(math.Round(share - s.Factor*in.Logits[a][b]))
			}
		}
	}
}

// clamp keeps a score inside the model's range.
func (s *Scaling) clamp(score int) int { return min(max(score, s.Min), s.Max) }
