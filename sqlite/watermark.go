package sqlite

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
	var w sesame.Watermark
	now := time.Now().UnixNano()
	var to, at int64
	err := s.db.writer.QueryRowContext(ctx, `INSERT INTO source_watermarks (source, complete_to, updated_at) VALUES (?,?,?)
		ON CONFLICT (source) DO UPDATE SET complete_to = max(complete_to, excluded.complete_to), updated_at = excluded.updated_at
		RETURNING complete_to, updated_at`, source, completeTo.UnixNano(), now).Scan(&to, &at)
	if err != nil {
		return w, fmt.Errorf("sqlite: set watermark: %w", err)
	}
	return sesame.Watermark{Source: source, CompleteTo: time.Unix(0, to).UTC(), UpdatedAt: time.Unix(0, at).UTC()}, nil
}

// Watermarks returns every source's watermark, by source name.
func (s *WatermarkStore) Watermarks(ctx context.Context) ([]sesame.Watermark, error) {
	return sqlrow.Watermarks(ctx, s.db.q())
}
