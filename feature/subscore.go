package feature

import "github.com/sesame-credit/sesame"

// SubScore places a dimension's points on the score's own 350–950 scale:
// the dimension's total points (the sum over its features' points in the
// model artifact) between the fewest (worst) and the most (best) points its
// features allow. 350 means every feature of the dimension sits in its worst
// bin, 950 every one in its best; a dimension whose features cannot move the
// score (best == worst, e.g. connections for a model trained without vouches)
// is neutral at the middle of the scale, 650. The points themselves come
// from the model; this is only the documented mapping.
func SubScore(points, worst, best float64) int {
	if best <= worst {
		return (sesame.MinScore + sesame.MaxScore) / 2
	}
	x := (points - worst) / (best - worst)
	return sesame.ClampScore(int(float64(sesame.MinScore) + x*float64(sesame.MaxScore-sesame.MinScore) + 0.5))
}
