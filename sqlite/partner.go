package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// PartnerStore keeps partners and their key hashes (sesame.PartnerStore):
// the same statements as on PostgreSQL (sqlrow.PartnerSQL).
type PartnerStore struct{ sqlrow.PartnerSQL }

// Partners returns the partner store of this database.
func (db *DB) Partners() *PartnerStore {
	return &PartnerStore{sqlrow.PartnerSQL{Q: db.q(), IsUnique: isUniqueViolation}}
}

var _ sesame.PartnerStore = (*PartnerStore)(nil)

// Time columns of the trust tables are Unix nanoseconds, NULL for "never"
// (package sqlrow reads and writes them for both engines).
var (
	tsNS     = sqlrow.NS
	tsNullNS = sqlrow.NullNS
)

// isUniqueViolation reports a PRIMARY KEY or UNIQUE conflict.
func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// exec runs one statement in a write transaction (so that it takes the
// write lock up front, like every write) and returns the rows it changed.
func (db *DB) exec(ctx context.Context, q string, args ...any) (n int64, err error) {
	err = db.WriteTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return n, err
}
