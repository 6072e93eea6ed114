package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// AccessLogStore is the access log (sesame.AccessLog): the access_log
// table, its Merkle tree (access_tree) and signed heads (access_heads).
// Entries are appended by group commit: concurrent reads' entries share
// one write transaction, and with synchronous=FULL each caller returns only
// once its entry is committed and synced.
type AccessLogStore struct{ db *DB }

// AccessLog returns the access log of this database.
func (db *DB) AccessLog() *AccessLogStore { return &AccessLogStore{db: db} }

var _ sesame.AccessLog = (*AccessLogStore)(nil)

// newAccessWriter appends access entries in the transactions of the log
// file's one writer.
func newAccessWriter(db *DB) *audit.Writer {
	return audit.NewWriter(func(ctx context.Context, fn func(audit.AppendTx) error) error {
		return db.accessWriteTx(ctx, func(tx *sql.Tx) error { return fn(&appendTx{tx: tx}) })
	})
}

// AppendAccess returns once e is committed and synced, with e's Seq,
// PersonPrev, PrevHash and Hash set. A caller whose ctx ends first gets
// ctx.Err() and must treat the read as not allowed.
func (s *AccessLogStore) AppendAccess(ctx context.Context, e *sesame.AccessEntry) error {
	return s.db.access.Append(ctx, e)
}

// appendTx is audit.AppendTx on a write transaction. A group's rows go in
// a few multi-row statements: per statement, the driver's crossing into C
// costs more than SQLite's work for a row.
type appendTx struct{ tx *sql.Tx }

func (t *appendTx) Head(ctx context.Context) (seq int64, hash string, leaves int64, err error) {
	err = t.tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT seq FROM access_log ORDER BY seq DESC LIMIT 1), 0),
		COALESCE((SELECT hash FROM access_log ORDER BY seq DESC LIMIT 1), ''),
		COALESCE((SELECT idx + 1 FROM access_tree WHERE level = 0 ORDER BY idx DESC LIMIT 1), 0)`).Scan(&seq, &hash, &leaves)
	return seq, hash, leaves, err
}

func (t *appendTx) LastOf(ctx context.Context, people []string) (map[string]int64, error) {
	list, err := json.Marshal(people)
	if err != nil {
		return nil, err
	}
	// max(seq) of one person reads the last entry of their index range;
	// GROUP BY person would read every entry of everyone in the group.
	rows, err := t.tx.QueryContext(ctx, `SELECT value, last FROM (SELECT p.value,
		(SELECT max(seq) FROM access_log WHERE person = p.value) AS last FROM json_each(?) p) WHERE last IS NOT NULL`, string(list))
	if err != nil {
		return nil, err
	}
	last := make(map[string]int64, len(people))
	return last, sqlrow.PersonSeqs(rows, last)
}

func (t *appendTx) Nodes(ctx context.Context, ids []sesame.TreeNode) (map[sesame.TreeNode][]byte, error) {
	return treeNodes(ctx, t.tx, ids)
}

func (t *appendTx) EntryHashes(ctx context.Context, fn func(string) error) error {
	rows, err := t.tx.QueryContext(ctx, `SELECT hash FROM access_log ORDER BY seq`)
	if err != nil {
		return err
	}
	return sqlrow.Each(rows, func(row sqlrow.Row) error {
		h, err := sqlrow.String(row)
		if err != nil {
			return err
		}
		return fn(h)
	})
}

func (t *appendTx) Insert(ctx context.Context, entries []*sesame.AccessEntry, nodes []audit.StoredNode) error {
	for len(entries) > 0 {
		chunk := entries[:min(len(entries), 500)]
		entries = entries[len(chunk):]
		args := make([]any, 0, 13*len(chunk))
		for _, e := range chunk {
			args = append(args, sqlrow.AccessValues(e)...)
		}
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO access_log (`+sqlrow.AccessColumns+`) VALUES `+placeholders(len(chunk), 13), args...); err != nil {
			return err
		}
	}
	for len(nodes) > 0 {
		chunk := nodes[:min(len(nodes), 1000)]
		nodes = nodes[len(chunk):]
		args := make([]any, 0, 3*len(chunk))
		for _, n := range chunk {
			args = append(args, n.Level, n.Index, n.Hash)
		}
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO access_tree (level, idx, hash) VALUES `+placeholders(len(chunk), 3), args...); err != nil {
			return err
		}
	}
	return nil
}

// placeholders returns rows groups of width question marks: "(?,?),(?,?)"
// (width 1: "?,?").
func placeholders(rows, width int) string {
	group := "(" + strings.TrimSuffix(strings.Repeat("?,", width), ",") + ")"
	if width == 1 {
		group = "?"
	}
	return strings.TrimSuffix(strings.Repeat(group+",", rows), ",")
}

// queryer is what reads of the tree need: the read pool or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// treeNodes reads the asked-for nodes in one query.
func treeNodes(ctx context.Context, q queryer, ids []sesame.TreeNode) (map[sesame.TreeNode][]byte, error) {
	out := make(map[sesame.TreeNode][]byte, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 400)]
		ids = ids[len(chunk):]
		args := make([]any, 0, 2*len(chunk))
		for _, id := range chunk {
			args = append(args, id.Level, id.Index)
		}
		rows, err := q.QueryContext(ctx, `SELECT level, idx, hash FROM access_tree WHERE (level, idx) IN (VALUES `+placeholders(len(chunk), 2)+`)`, args...)
		if err != nil {
			return nil, err
		}
		if err := sqlrow.EachNode(rows, func(n sesame.TreeNode, h []byte) error {
			out[n] = h
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// accessReadColumns are what an entry is read from.
const accessReadColumns = sqlrow.AccessColumns + `, erased_by`

func (s *AccessLogStore) AccessEntries(ctx context.Context, person string, limit int) ([]*sesame.AccessEntry, error) {
	return s.AccessEntriesBefore(ctx, person, 0, min(max(limit, 0), 1000))
}

func (s *AccessLogStore) AccessEntriesBefore(ctx context.Context, person string, before int64, limit int) ([]*sesame.AccessEntry, error) {
	before, limit = sqlrow.Page(before, limit)
	return s.query(ctx, nil, `SELECT `+accessReadColumns+` FROM access_log WHERE person = ? AND seq < ? ORDER BY seq DESC LIMIT ?`, person, before, limit)
}

func (s *AccessLogStore) ScanAccess(ctx context.Context, fn func(e *sesame.AccessEntry) error) error {
	_, err := s.query(ctx, fn, `SELECT `+accessReadColumns+` FROM access_log ORDER BY seq`)
	return err
}

// query reads entries, handing each to fn, or collecting them when fn is nil.
func (s *AccessLogStore) query(ctx context.Context, fn func(e *sesame.AccessEntry) error, q string, args ...any) ([]*sesame.AccessEntry, error) {
	rows, err := s.db.accessR.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: access log: %w", err)
	}
	var out []*sesame.AccessEntry
	err = sqlrow.Each(rows, func(row sqlrow.Row) error {
		e, err := sqlrow.ScanAccess(row)
		if err != nil || fn == nil {
			out = append(out, e)
			return err
		}
		return fn(e)
	})
	return out, err
}

func (s *AccessLogStore) AccessTree(ctx context.Context, ids []sesame.TreeNode) (int64, map[sesame.TreeNode][]byte, error) {
	var size int64
	var hashes map[sesame.TreeNode][]byte
	err := readTx(ctx, s.db.accessR, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT idx + 1 FROM access_tree WHERE level = 0 ORDER BY idx DESC LIMIT 1), 0)`).Scan(&size); err != nil {
			return err
		}
		var err error
		hashes, err = treeNodes(ctx, tx, ids)
		return err
	})
	if err != nil {
		return 0, nil, fmt.Errorf("sqlite: access tree: %w", err)
	}
	return size, hashes, nil
}

func (s *AccessLogStore) ScanAccessTree(ctx context.Context, fn func(n sesame.TreeNode, hash []byte) error) error {
	rows, err := s.db.accessR.QueryContext(ctx, `SELECT level, idx, hash FROM access_tree ORDER BY level, idx`)
	if err != nil {
		return fmt.Errorf("sqlite: access tree: %w", err)
	}
	return sqlrow.EachNode(rows, fn)
}

func (s *AccessLogStore) SaveAccessHead(ctx context.Context, h *sesame.SignedHead) error {
	return s.db.accessWriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO access_heads (`+sqlrow.HeadColumns+`) VALUES (?,?,?,?,?,?)`, sqlrow.HeadValues(h)...)
		return err
	})
}

func (s *AccessLogStore) AccessHeads(ctx context.Context, limit int) ([]*sesame.SignedHead, error) {
	return s.AccessHeadsAfter(ctx, time.Time{}, 0, limit)
}

func (s *AccessLogStore) AccessHeadsAfter(ctx context.Context, at time.Time, size int64, limit int) ([]*sesame.SignedHead, error) {
	if limit <= 0 {
		limit = -1
	}
	q, args := `SELECT `+sqlrow.HeadColumns+` FROM access_heads`, []any{}
	if !at.IsZero() {
		q += ` WHERE at <= ?1 AND (at < ?1 OR size < ?2)`
		args = append(args, at.UnixNano(), size)
	}
	rows, err := s.db.accessR.QueryContext(ctx, q+fmt.Sprintf(` ORDER BY at DESC, size DESC LIMIT ?%d`, len(args)+1), append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: access heads: %w", err)
	}
	return sqlrow.Collect(rows, sqlrow.ScanHead)
}

// importJournal moves the entries of an access journal file left by an
// older version (PATH-access, one JSON line per entry, which it indexed
// into access_log in the background) into access_log, so that no entry it
// acknowledged is lost, and renames the file to PATH-access.imported. It
// stops at the first line that does not parse or link to the entry before
// it: a torn tail that was never acknowledged.
func (db *DB) importJournal(ctx context.Context) error {
	name := db.path + "-access"
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	err = db.WriteTx(ctx, func(tx *sql.Tx) error {
		var last int64
		var prev string
		err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1`).Scan(&last, &prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			var l struct {
				Seq                                                     int64
				At                                                      int64
				Person, Actor, Action, Scope, Purpose, Consent, Outcome string
				Reason                                                  string
				PrevHash                                                string `json:"prev_hash"`
				Hash                                                    string
			}
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				break
			}
			if l.Seq <= last {
				continue // indexed already
			}
			if l.Seq != last+1 || l.PrevHash != prev {
				break
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO access_log (seq, at, person, actor, action, scope, purpose, consent, outcome, reason, prev_hash, hash)
				VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`, l.Seq, l.At, l.Person, l.Actor, l.Action, l.Scope, l.Purpose, l.Consent, l.Outcome, l.Reason, l.PrevHash, l.Hash); err != nil {
				return err
			}
			last, prev = l.Seq, l.Hash
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: importing the access journal %s: %w", name, err)
	}
	return os.Rename(name, name+".imported")
}
