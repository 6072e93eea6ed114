package score

import (
	"bytes"
	"context"
	"math"
	"sync"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/model"
)

// shadowState caches the challenger's engine by version.
type shadowState struct {
	mu     sync.Mutex
	engine *Engine
}

// challenger returns the challenger's engine, or nil when there is none
// (or no ChallengerStore). A challenger that fails to load is logged and
// skipped: shadow scoring never stands in the way of the served scores.
func (s *Service) challenger(ctx context.Context) *Engine {
	if s.Shadow == nil {
		return nil
	}
	info, artifact, err := s.Shadow.Challenger(ctx)
	if err != nil {
		if sesame.ErrorCode(err) != sesame.ENOTFOUND && s.Log != nil {
			s.Log.Warn("shadow scoring: no challenger", "err", err.Error())
		}
		return nil
	}
	s.shadow.mu.Lock()
	defer s.shadow.mu.Unlock()
	if e := s.shadow.engine; e != nil && e.version == info.Version {
		return e
	}
	m, err := model.Read(bytes.NewReader(artifact))
	if err != nil {
		if s.Log != nil {
			s.Log.Warn("shadow scoring: challenger unreadable", "version", info.Version, "err", err.Error())
		}
		return nil
	}
	s.shadow.engine = NewEngine(m, info.Version, s.Profiler)
	return s.shadow.engine
}

// scoreShadow scores the people just scored by the active model again with
// the challenger, from the same feature values, and stores the results
// apart (ChallengerStore.SaveShadowScores): people and partners never read
// them. Errors are logged, never returned.
func (s *Service) scoreShadow(ctx context.Context, ch *Engine, served []*sesame.Score) {
	if ch == nil || len(served) == 0 {
		return
	}
	out := make([]*sesame.Score, 0, len(served))
	values := make([]float64, len(ch.names))
	for _, sc := range served {
		if sc.Status != sesame.StatusScored {
			out = append(out, &sesame.Score{Person: sc.Person, Status: sc.Status, ModelVersion: ch.version, AsOf: sc.AsOf})
			continue
		}
		for i, name := range ch.names {
			values[i] = math.NaN()
			if v, ok := sc.Features[name]; ok {
				values[i] = v
			}
		}
		out = append(out, ch.ScoreProfile(sc.Person, Profile{Values: values}, sc.AsOf))
	}
	if err := s.Shadow.SaveShadowScores(ctx, out); err != nil && s.Log != nil {
		s.Log.Warn("shadow scoring: save failed", "version", ch.version, "err", err.Error())
	}
}
