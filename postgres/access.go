package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
)

// The access log on PostgreSQL: the same tables and contract as package
// sqlite's (access_log, access_tree, access_heads). Appends share
// transactions by group commit; each replica has its own, and an advisory
// lock orders them so that the chain and the tree stay linear across
// replicas. A commit returns once the WAL is flushed (synchronous_commit
// on, PostgreSQL's default), so a read is answered after its entry is on
// disk.

// accessLogLock is the advisory lock of access-log appends ("sesame.access").
const accessLogLock = 0x5e5a_6e0a_cce5

// newAccessWriter appends access entries in transactions that hold the
// advisory lock.
func newAccessWriter(db *DB) *audit.Writer {
	return audit.NewWriter(func(ctx context.Context, fn func(audit.AppendTx) error) error {
		return db.Tx(ctx, func(tx pgx.Tx) error {
			// Local to the transaction: a server whose database is set to
			// asynchronous commit still syncs access entries.
			if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = on`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(accessLogLock)); err != nil {
				return err
			}
			return fn(&appendTx{tx: tx})
		})
	})
}

func (s *TrustStore) AppendAccess(ctx context.Context, e *sesame.AccessEntry) error {
	return s.db.access.Append(ctx, e)
}

// appendTx is audit.AppendTx on a transaction holding the advisory lock.
type appendTx struct{ tx pgx.Tx }

func (t *appendTx) Head(ctx context.Context) (seq int64, hash string, leaves int64, err error) {
	err = t.tx.QueryRow(ctx, `SELECT COALESCE((SELECT seq FROM access_log ORDER BY seq DESC LIMIT 1), 0),
		COALESCE((SELECT hash FROM access_log ORDER BY seq DESC LIMIT 1), ''),
		COALESCE((SELECT idx + 1 FROM access_tree WHERE level = 0 ORDER BY idx DESC LIMIT 1), 0)`).Scan(&seq, &hash, &leaves)
	return seq, hash, leaves, err
}

func (t *appendTx) LastOf(ctx context.Context, people []string) (map[string]int64, error) {
	rows, err := t.tx.Query(ctx, `SELECT person, max(seq) FROM access_log WHERE person = ANY($1) GROUP BY person`, people)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	last := make(map[string]int64, len(people))
	for rows.Next() {
		var p string
		var seq int64
		if err := rows.Scan(&p, &seq); err != nil {
			return nil, err
		}
		last[p] = seq
	}
	return last, rows.Err()
}

func (t *appendTx) Nodes(ctx context.Context, ids []sesame.TreeNode) (map[sesame.TreeNode][]byte, error) {
	return treeNodes(ctx, t.tx, ids)
}

func (t *appendTx) EntryHashes(ctx context.Context, fn func(string) error) error {
	rows, err := t.tx.Query(ctx, `SELECT hash FROM access_log ORDER BY seq`)
	if err != nil {
		return err
	}
	hashes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, h := range hashes {
		if err := fn(h); err != nil {
			return err
		}
	}
	return nil
}

func (t *appendTx) Insert(ctx context.Context, entries []*sesame.AccessEntry, nodes []audit.StoredNode) error {
	b := &pgx.Batch{}
	for _, e := range entries {
		b.Queue(`INSERT INTO access_log (`+accessColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
			e.Seq, ns(e.At), e.Person, e.Actor, e.Action, string(e.Scope), string(e.Purpose), e.Consent, e.Outcome, e.Reason, e.PersonPrev, e.PrevHash, e.Hash)
	}
	for _, n := range nodes {
		b.Queue(`INSERT INTO access_tree (level, idx, hash) VALUES ($1,$2,$3)`, int64(n.Level), n.Index, n.Hash)
	}
	return t.tx.SendBatch(ctx, b).Close()
}

// querier is the pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func treeNodes(ctx context.Context, q querier, ids []sesame.TreeNode) (map[sesame.TreeNode][]byte, error) {
	out := make(map[sesame.TreeNode][]byte, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	levels, idxs := make([]int64, len(ids)), make([]int64, len(ids))
	for i, id := range ids {
		levels[i], idxs[i] = int64(id.Level), id.Index
	}
	rows, err := q.Query(ctx, `SELECT t.level, t.idx, t.hash FROM access_tree t
		JOIN unnest($1::bigint[], $2::bigint[]) AS w(level, idx) ON t.level = w.level AND t.idx = w.idx`, levels, idxs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var level, idx int64
		var h []byte
		if err := rows.Scan(&level, &idx, &h); err != nil {
			return nil, err
		}
		out[sesame.TreeNode{Level: uint8(level), Index: idx}] = h
	}
	return out, rows.Err()
}

// accessColumns are written by Insert; erased_by only by an erasure.
const accessColumns = `seq, at, person, actor, action, scope, purpose, consent, outcome, reason, person_prev, prev_hash, hash`

const accessReadColumns = accessColumns + `, erased_by`

func scanAccess(row pgx.Row) (*sesame.AccessEntry, error) {
	var e sesame.AccessEntry
	var at int64
	var scope, purpose string
	if err := row.Scan(&e.Seq, &at, &e.Person, &e.Actor, &e.Action, &scope, &purpose, &e.Consent, &e.Outcome, &e.Reason, &e.PersonPrev, &e.PrevHash, &e.Hash, &e.ErasedBy); err != nil {
		return nil, err
	}
	e.At, e.Scope, e.Purpose = fromNS(at), sesame.Scope(scope), sesame.Purpose(purpose)
	return &e, nil
}

func (s *TrustStore) AccessEntries(ctx context.Context, person string, limit int) ([]*sesame.AccessEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.db.pool.Query(ctx, `SELECT `+accessReadColumns+` FROM access_log WHERE person = $1 ORDER BY seq DESC LIMIT $2`, person, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAccess)
}

func (s *TrustStore) ScanAccess(ctx context.Context, fn func(e *sesame.AccessEntry) error) error {
	rows, err := s.db.pool.Query(ctx, `SELECT `+accessReadColumns+` FROM access_log ORDER BY seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAccess(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *TrustStore) AccessTree(ctx context.Context, ids []sesame.TreeNode) (size int64, hashes map[sesame.TreeNode][]byte, err error) {
	err = pgx.BeginTxFunc(ctx, s.db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COALESCE((SELECT idx + 1 FROM access_tree WHERE level = 0 ORDER BY idx DESC LIMIT 1), 0)`).Scan(&size); err != nil {
			return err
		}
		hashes, err = treeNodes(ctx, tx, ids)
		return err
	})
	return size, hashes, err
}

func (s *TrustStore) ScanAccessTree(ctx context.Context, fn func(n sesame.TreeNode, hash []byte) error) error {
	rows, err := s.db.pool.Query(ctx, `SELECT level, idx, hash FROM access_tree ORDER BY level, idx`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var level, idx int64
		var h []byte
		if err := rows.Scan(&level, &idx, &h); err != nil {
			return err
		}
		if err := fn(sesame.TreeNode{Level: uint8(level), Index: idx}, h); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *TrustStore) SaveAccessHead(ctx context.Context, h *sesame.SignedHead) error {
	_, err := s.db.pool.Exec(ctx, `INSERT INTO access_heads (size, at, root, public_key, signature) VALUES ($1,$2,$3,$4,$5)`,
		h.Size, ns(h.At), h.Root, h.PublicKey, h.Signature)
	return err
}

func (s *TrustStore) AccessHeads(ctx context.Context, limit int) ([]*sesame.SignedHead, error) {
	q := `SELECT size, at, root, public_key, signature FROM access_heads ORDER BY at DESC, size DESC`
	args := []any{}
	if limit > 0 {
		q += ` LIMIT $1`
		args = append(args, limit)
	}
	rows, err := s.db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row pgx.Row) (*sesame.SignedHead, error) {
		var h sesame.SignedHead
		var at int64
		err := row.Scan(&h.Size, &at, &h.Root, &h.PublicKey, &h.Signature)
		h.At = fromNS(at)
		return &h, err
	})
}
