package sqliteraw

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// WriteTx runs fn on a connection of writer, the driver's own, between
// BEGIN IMMEDIATE and COMMIT, rolling back when fn or the commit fails.
// Saving a chunk of scores talks to the driver directly instead of through
// database/sql: per row, database/sql converts and boxes every argument,
// takes locks and (with a cancellable context) the driver starts a
// goroutine to watch it.
func WriteTx(ctx context.Context, writer *sql.DB, fn func(c *sqlite3.SQLiteConn) error) error {
	conn, err := writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: writer connection: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*sqlite3.SQLiteConn)
		if !ok {
			return fmt.Errorf("sqlite: unexpected driver connection %T", dc)
		}
		if _, err := c.Exec("BEGIN IMMEDIATE", nil); err != nil {
			return fmt.Errorf("sqlite: begin: %w", err)
		}
		if err := fn(c); err != nil {
			c.Exec("ROLLBACK", nil)
			return err
		}
		if _, err := c.Exec("COMMIT", nil); err != nil {
			c.Exec("ROLLBACK", nil)
			return fmt.Errorf("sqlite: commit: %w", err)
		}
		return nil
	})
}
