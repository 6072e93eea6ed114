package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// checkpointer copies the WAL back into the database file on a connection
// and goroutine of its own, so that the writer's commits do not. With
// SQLite's automatic checkpoint, the commit that takes the WAL past its
// threshold copies every page back and syncs the database file before it
// returns — tens of milliseconds on the one writer while ingestion waits.
// Here the copy runs beside the writer, on another core: a PASSIVE
// checkpoint blocks neither writers nor readers. The writer keeps its
// automatic checkpoint only as a bound, far above (walBoundPages), for
// when this one cannot keep up or fails.
type checkpointer struct {
	conn     *sql.DB
	stop     chan struct{}
	done     sync.WaitGroup
	stopOnce sync.Once
}

const (
	// checkpointEvery is how often the WAL is copied back. Each round
	// that copies anything also syncs the database file, which competes
	// with commits' syncs for the disk; bench/RESULTS.md compares rounds.
	// A round with nothing to copy costs a read of the WAL index.
	checkpointEvery = 500 * time.Millisecond
	// walBoundPages is the writer's own automatic checkpoint (256 MiB of
	// 4 KiB pages).
	walBoundPages = 65536
)

func startCheckpointer(ctx context.Context, path string) (*checkpointer, error) {
	// Not query_only: a checkpoint writes the database file.
	conn, err := sql.Open(driverName, dsn(path, commonDSN()))
	if err != nil {
		return nil, fmt.Errorf("sqlite: checkpointer: %w", err)
	}
	conn.SetMaxOpenConns(1) // kept open: idle and lifetime limits are off by default
	if err := conn.PingContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sqlite: checkpointer: %w", err)
	}
	c := &checkpointer{conn: conn, stop: make(chan struct{})}
	c.done.Add(1)
	go c.loop()
	return c, nil
}

func (c *checkpointer) loop() {
	defer c.done.Done()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		// busy is 1 when another checkpoint was running; frames held by a
		// long read are copied on a later round.
		var busy, log, copied int
		err := c.conn.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied)
		if err != nil && !failing {
			slog.Warn("sqlite: background checkpoint failed; the writer's own checkpoint bounds the WAL meanwhile", "err", err)
		}
		failing = err != nil
	}
}

func (c *checkpointer) close() error {
	var err error
	c.stopOnce.Do(func() {
		close(c.stop)
		c.done.Wait()
		err = c.conn.Close()
	})
	return err
}
