package sqlite

import (
	"database/sql"
	"errors"
	"math"

	"github.com/mattn/go-sqlite3"
	"github.com/sesame-credit/sesame"
)

// personKey is the rowid under which a person's latest score is stored
// (migration 012): the FNV-1a 64 hash of their id, kept to the positive
// rowids, so that a lookup descends one B-tree rather than the person
// index and then the table. Two people can share a key: the one stored
// second goes under another rowid, and a lookup that finds someone else,
// or no one, under the key falls back to the person index, so the answer
// never depends on the hash.
func personKey(person string) int64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(person); i++ {
		h ^= uint64(person[i])
		h *= prime
	}
	return int64(h & math.MaxInt64)
}

// driverName names SQLite connections that also know sesame_person_key
// (personKey, migration 012) and sesame_erasure_key (sesame.ErasureKey).
const driverName = "sqlite3_sesame"

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			return errors.Join(c.RegisterFunc("sesame_person_key", personKey, true),
				c.RegisterFunc("sesame_erasure_key", sesame.ErasureKey, true))
		},
	})
}
