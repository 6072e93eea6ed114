package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// Watermarks returns the store of the sources' watermarks.
func (db *DB) Watermarks() *WatermarkStore { return &WatermarkStore{db: db} }

// WatermarkStore keeps each source's watermark in source_watermarks.
type WatermarkStore struct{ db *DB }

var _ sesame.WatermarkStore = (*WatermarkStore)(nil)

// SetWatermark moves source's watermark forward to completeTo (never back).
func (s *WatermarkStore) SetWatermark(ctx context.Context, source string, completeTo time.Time) (sesame.Watermark, error) {
	var to, at int64
	err := s.db.pool.QueryRow(ctx, `INSERT INTO source_watermarks (source, complete_to, updated_at) VALUES ($1,$2,$3)
		ON CONFLICT (source) DO UPDATE SET complete_to = GREATEST(source_watermarks.complete_to, excluded.complete_to), updated_at = excluded.updated_at
		RETURNING complete_to, updated_at`, source, ns(completeTo), ns(time.Now())).Scan(&to, &at)
	if err != nil {
		return sesame.Watermark{}, fmt.Errorf("postgres: set watermark: %w", err)
	}
	return sesame.Watermark{Source: source, CompleteTo: fromNS(to), UpdatedAt: fromNS(at)}, nil
}

// Watermarks returns every source's watermark, by source name.
func (s *WatermarkStore) Watermarks(ctx context.Context) ([]sesame.Watermark, error) {
	return sqlrow.Watermarks(ctx, s.db.q())
}
