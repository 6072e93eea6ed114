package sqlite

import (
	"fmt"
	"os"

	"github.com/sesame-credit/sesame/audit"
)

// walSync makes the access log's commits durable after the fact: its writer
// commits with synchronous=NORMAL, writing to the WAL without syncing it,
// and a sync of the WAL file makes durable every transaction committed
// before it began. What such a sync misses is durable already: SQLite syncs
// the WAL before a checkpoint copies it back, the database file after, and
// reuses the WAL only after a complete checkpoint.
type walSync struct {
	audit.Flusher
	file *os.File
}

// openWALSync opens the WAL of the database at path, which must exist: the
// caller keeps a connection open, so SQLite does not delete it.
func openWALSync(path string) (*walSync, error) {
	f, err := os.Open(path + "-wal")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open the access log's WAL: %w", err)
	}
	return &walSync{Flusher: audit.Flusher{Flush: f.Sync}, file: f}, nil
}

func (s *walSync) close() error { return s.file.Close() }
