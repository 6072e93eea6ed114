package score

import (
	"context"
	"strings"

	"github.com/sesame-credit/sesame"
)

// Promote makes version the active model, recording why. The caller
// rescores (or a running server rescores on activation).
func (s *Service) Promote(ctx context.Context, version, reason string) (sesame.Promotion, error) {
	return s.promote(ctx, version, "promote", reason)
}

// Rollback makes the model active before the last promotion or rollback
// active again, recording why.
func (s *Service) Rollback(ctx context.Context, reason string) (sesame.Promotion, error) {
	if s.Shadow == nil {
		return sesame.Promotion{}, sesame.Errorf(sesame.EUNAVAILABLE, "promotions are not kept on this store")
	}
	log, err := s.Shadow.Promotions(ctx)
	if err != nil {
		return sesame.Promotion{}, err
	}
	if len(log) == 0 || log[0].Previous == "" {
		return sesame.Promotion{}, sesame.Errorf(sesame.ECONFLICT, "nothing to roll back to: no model was active before the last promotion")
	}
	return s.promote(ctx, log[0].Previous, "rollback", reason)
}

func (s *Service) promote(ctx context.Context, version, action, reason string) (sesame.Promotion, error) {
	if s.Shadow == nil {
		return sesame.Promotion{}, sesame.Errorf(sesame.EUNAVAILABLE, "promotions are not kept on this store")
	}
	if strings.TrimSpace(reason) == "" {
		return sesame.Promotion{}, sesame.Errorf(sesame.EINVALID, "reason: a %s needs a reason, kept with it (--reason)", action)
	}
	return s.Shadow.Promote(ctx, sesame.Promotion{Version: version, Action: action, Reason: reason})
}
