package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// The ledger's append loop talks to the driver directly instead of through
// database/sql: per row, database/sql converts and boxes every argument,
// takes locks and (with a cancellable context) the driver starts a goroutine
// to watch it. At a few microseconds per row that was a third of the cost of
// an append. Only the hot loop does this; everything else uses database/sql.

// rawWrite runs fn on the writer's connection between BEGIN IMMEDIATE and
// COMMIT, rolling back when fn or the commit fails. Holding the pool's only
// connection serialises it with WriteTx, as any write must be.
func (db *DB) rawWrite(ctx context.Context, fn func(c *sqlite3.SQLiteConn) error) error {
	conn, err := db.writer.Conn(ctx)
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

// rawStmts are the append loop's statements, prepared on one driver
// connection. They are only touched while that connection is held, so they
// need no lock of their own.
type rawStmts struct {
	conn   *sqlite3.SQLiteConn
	insert *sqlite3.SQLiteStmt
	lookup *sqlite3.SQLiteStmt
}

// on returns the statements prepared on c, preparing them when c is not the
// connection they were prepared on (the first use, or the pool replaced it).
func (r *rawStmts) on(c *sqlite3.SQLiteConn) (*rawStmts, error) {
	if r.conn == c && r.insert != nil {
		return r, nil
	}
	r.close()
	ins, err := c.Prepare(insertEventSQL)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare insert: %w", err)
	}
	look, err := c.Prepare(lookupEventSQL)
	if err != nil {
		ins.Close()
		return nil, fmt.Errorf("sqlite: prepare lookup: %w", err)
	}
	r.conn, r.insert, r.lookup = c, ins.(*sqlite3.SQLiteStmt), look.(*sqlite3.SQLiteStmt)
	return r, nil
}

func (r *rawStmts) close() error {
	var errs []error
	if r.insert != nil {
		errs = append(errs, r.insert.Close())
	}
	if r.lookup != nil {
		errs = append(errs, r.lookup.Close())
	}
	r.conn, r.insert, r.lookup = nil, nil, nil
	return errors.Join(errs...)
}

// queryRow runs a one-row query and scans it into dest.
func queryRow(st *sqlite3.SQLiteStmt, args []driver.NamedValue, dest []driver.Value) error {
	rows, err := st.QueryContext(context.Background(), args)
	if err != nil {
		return err
	}
	defer rows.Close()
	return rows.Next(dest)
}
