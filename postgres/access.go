package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/internal/sqlrow"
)

// The access log on PostgreSQL: the same tables and contract as package
// sqlite's (access_log, access_tree, access_heads), in partitions (package
// audit, partition.go; migration 143). A logged read appends its entry to
// its person's partition, by the replica's group commit (each group taken
// once the one before it has committed), in a transaction that takes only
// the locks of the partitions its group holds entries of: reads of people
// in other partitions, on this replica or another, do not wait for it. An append
// returns once a synchronous commit after its batch's has flushed the WAL
// past it (appendSealed), so a read is answered after its entry is on disk.
//
// The Merkle tree is extended over the new entries in seq order by
// whoever next needs it (a proof, a signed head, the verifier, the notice
// feed), under the tree's own lock (extendTree).

// accessLogLock is the advisory lock of the tree's extension, and of the
// appends of entries written before the partitions ("sesame.access").
const accessLogLock = 0x5e5a_6e0a_cce5

// accessAppendLock is held shared by every partitioned append, so that the
// tree's extension can wait for the appends in flight to end before it
// takes a missing seq for one that will never come ("sesame.access.app").
const accessAppendLock = 0x5e5a_6e0a_cce6

// newAccessWriter appends access entries to the one global chain of the
// log as it was before the partitions, holding the advisory lock: only the
// building of a tree for entries that predate it (DB.Open) uses it now.
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

// accessDepth is how many groups the group commit has in flight: a
// group's locks are released at its commit, before the WAL flush
// (appendSealed), and the group commit takes the next group then, holding
// everything that queued meanwhile, while the ones before it wait for the
// disk. One group commit spans every partition: it answers the most reads
// with one transaction (bench/RESULTS.md compares it with one a share of
// the partitions).
const accessDepth = 8

// newAccessGroupCommit returns the replica's group commit of the access log.
func newAccessGroupCommit(db *DB) *audit.GroupCommit {
	return &audit.GroupCommit{Depth: accessDepth, Write: func(ctx context.Context, entries []*sesame.AccessEntry, committed func()) error {
		if err := db.appendSealed(ctx, entries, committed); err != nil {
			return fmt.Errorf("access log: %w", err)
		}
		return nil
	}}
}

// AppendAccess returns once e is committed and synced in its person's
// partition, with e's Seq, Part, ChainPrev, PersonPrev, PrevHash and Hash
// set.
func (s *TrustStore) AppendAccess(ctx context.Context, e *sesame.AccessEntry) error {
	return s.db.group.Append(ctx, e)
}

// appendSealed appends a group of entries, of one partition or several, in
// one transaction of two round trips, and returns once it is on disk. The
// first takes the partitions' locks (in ascending order, so that groups of
// this replica or another never wait for each other in a cycle) in one
// statement and reads their heads, the people's last entries and the seqs
// in the next; the entries are sealed here (audit.SealPartition: hashing
// in PL/pgSQL, even an entry in one expression, cost the database more
// than the extra round trip); the second inserts them in one statement and
// commits. The commit is asynchronous, so the locks are released before
// the WAL flush, and the same round trip then commits a transaction that
// writes a WAL record of its own (a logical message) synchronously: its
// flush covers everything before it, the group's commit included, so when
// it returns the group is on disk.
//
// committed is called once the group's commit has returned, before the
// flush; on an error the group commit calls it when this returns.
func (db *DB) appendSealed(ctx context.Context, entries []*sesame.AccessEntry, committed func()) error {
	if len(entries) == 0 {
		return nil
	}
	g := newAccessGroup(entries)
	conn, err := db.accessPool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A connection left in a transaction by an error is closed, not
	// reused, by Release: its transaction ends with it.
	defer conn.Release()

	// Two statements after BEGIN: the locks, then (with a snapshot taken
	// once they are held) the heads, the seqs and the people's last
	// entries. A statement costs the database more than what these do.
	var read accessHeads
	b := &pgx.Batch{}
	b.Queue(`BEGIN`)
	b.Queue(accessLocksSQL, int64(accessAppendLock), g.parts, "off")
	b.Queue(accessHeadsSQL, g.parts, len(entries), g.people).QueryRow(read.scan)
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	sealed, err := g.seal(read)
	if err != nil {
		return err
	}

	b = &pgx.Batch{}
	b.Queue(accessInsertSQL, insertArgs(sealed)...)
	b.Queue(`COMMIT`)
	b.Queue(`SELECT pg_logical_emit_message(true, 'sesame.access', '')`)
	br := conn.SendBatch(ctx, b)
	for range 2 { // the insert and the commit
		if _, err := br.Exec(); err != nil {
			br.Close()
			return err
		}
	}
	committed()
	if _, err := br.Exec(); err != nil {
		br.Close()
		return err
	}
	return br.Close()
}

// appendOn appends entries in tx, an erasure's transaction, sealed as a
// group commit seals them (the same locks, reads and insert), and sets
// their seals. The entries are durable when tx commits.
func appendOn(ctx context.Context, tx pgx.Tx, entries []*sesame.AccessEntry) error {
	g := newAccessGroup(entries)
	if _, err := tx.Exec(ctx, accessLocksSQL, int64(accessAppendLock), g.parts, "on"); err != nil {
		return err
	}
	var read accessHeads
	if err := read.scan(tx.QueryRow(ctx, accessHeadsSQL, g.parts, len(entries), g.people)); err != nil {
		return err
	}
	sealed, err := g.seal(read)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, accessInsertSQL, insertArgs(sealed)...)
	return err
}

// accessLocksSQL sets the transaction's synchronous_commit ($3), takes
// accessAppendLock ($1) shared and the locks of the partitions $2, in
// ascending order, so that groups of this replica or another never wait
// for each other in a cycle.
const accessLocksSQL = `SELECT set_config('synchronous_commit', $3, true), pg_advisory_xact_lock_shared($1),
	(SELECT count(pg_advisory_xact_lock($1::bigint + p)) FROM unnest($2::int[]) AS p)`

// accessHeadsSQL reads the heads of the partitions $1, draws $2 seqs and
// reads the last entries of the people $3, each array in the order asked.
// A subquery a person: max over one person's index range reads its last
// entry only, where a GROUP BY would read all of theirs.
const accessHeadsSQL = `SELECT h.seqs, h.hashes, n.seqs, l.seqs FROM
	(SELECT array_agg(coalesce(x.seq, 0) ORDER BY u.o) AS seqs, array_agg(coalesce(x.hash, '') ORDER BY u.o) AS hashes
		FROM unnest($1::int[]) WITH ORDINALITY AS u(p, o)
		LEFT JOIN LATERAL (SELECT l.seq, l.hash FROM access_log l WHERE l.part = u.p ORDER BY l.part DESC, l.seq DESC LIMIT 1) x ON true) h,
	(SELECT array_agg(s) AS seqs FROM (SELECT nextval('access_seq') AS s FROM generate_series(1, $2)) g) n,
	(SELECT array_agg(coalesce((SELECT max(l.seq) FROM access_log l WHERE l.person = u.p), 0) ORDER BY u.o) AS seqs
		FROM unnest($3::text[]) WITH ORDINALITY AS u(p, o)) l`

// accessHeads is what accessHeadsSQL reads.
type accessHeads struct {
	headSeqs, seqs, lastSeqs []int64
	headHashes               []string
}

func (h *accessHeads) scan(row pgx.Row) error {
	return row.Scan(&h.headSeqs, &h.headHashes, &h.seqs, &h.lastSeqs)
}

// accessGroup is a group of entries to append: its partitions, ascending,
// and its people, each once.
type accessGroup struct {
	entries []*sesame.AccessEntry
	byPart  map[int][]*sesame.AccessEntry
	parts   []int32
	people  []string
}

func newAccessGroup(entries []*sesame.AccessEntry) *accessGroup {
	g := &accessGroup{entries: entries, byPart: map[int][]*sesame.AccessEntry{}}
	seen := map[string]bool{}
	for _, e := range entries {
		p := audit.PartitionOf(e.Person)
		if g.byPart[p] == nil {
			g.parts = append(g.parts, int32(p))
		}
		g.byPart[p] = append(g.byPart[p], e)
		if !seen[e.Person] {
			seen[e.Person] = true
			g.people = append(g.people, e.Person)
		}
	}
	slices.Sort(g.parts)
	return g
}

// seal seals the group's entries after the heads read (audit.SealPartition:
// hashing in PL/pgSQL, even an entry in one expression, cost the database
// more than a round trip), and returns them in partition order, the order
// of their seqs.
func (g *accessGroup) seal(h accessHeads) ([]*sesame.AccessEntry, error) {
	if len(h.headSeqs) != len(g.parts) || len(h.headHashes) != len(g.parts) || len(h.lastSeqs) != len(g.people) || len(h.seqs) != len(g.entries) {
		return nil, fmt.Errorf("%d heads for %d partitions, %d last entries for %d people, %d seqs for %d entries",
			len(h.headSeqs), len(g.parts), len(h.lastSeqs), len(g.people), len(h.seqs), len(g.entries))
	}
	last := make(map[string]int64, len(g.people))
	for i, p := range g.people {
		last[p] = h.lastSeqs[i]
	}
	slices.Sort(h.seqs)
	sealed := make([]*sesame.AccessEntry, 0, len(g.entries))
	for i, p := range g.parts {
		es := g.byPart[int(p)]
		audit.SealPartition(audit.ChainHead{Seq: h.headSeqs[i], Hash: h.headHashes[i]}, int(p), es, h.seqs[len(sealed):len(sealed)+len(es)], last)
		sealed = append(sealed, es...)
	}
	return sealed, nil
}

// accessInsertSQL inserts sealed entries, their columns as arrays
// (insertArgs), in one statement.
const accessInsertSQL = `INSERT INTO access_log (` + accessColumns + `)
	SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::text[], $13::text[], $14::int[], $15::bigint[])`

func insertArgs(entries []*sesame.AccessEntry) []any {
	n := len(entries)
	var (
		seqs, ats, prevs, chainPrevs                        = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		parts                                               = make([]int32, n)
		people, actors, actions, scopes, purposes, consents = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		outcomes, reasons, prevHashes, hashes               = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	)
	for i, e := range entries {
		seqs[i], ats[i], prevs[i], chainPrevs[i], parts[i] = e.Seq, ns(e.At), e.PersonPrev, e.ChainPrev, int32(e.Part)
		people[i], actors[i], actions[i], scopes[i], purposes[i], consents[i] = e.Person, e.Actor, e.Action, string(e.Scope), string(e.Purpose), e.Consent
		outcomes[i], reasons[i], prevHashes[i], hashes[i] = e.Outcome, e.Reason, e.PrevHash, e.Hash
	}
	return []any{seqs, ats, people, actors, actions, scopes, purposes, consents, outcomes, reasons, prevs, prevHashes, hashes, parts, chainPrevs}
}

// extendTree adds the entries appended since the tree was last extended
// to it, in seq order, as far as audit.ExtendTree lets it: an entry whose
// partition link does not hold stops it there (Verify then names it). A
// missing seq is first waited for (the appends in flight end), then, if no
// entry names it as its partition's previous, filled with a void entry: its
// transaction failed after drawing it. If one does, it was removed, and
// the tree stops before it.
func (db *DB) extendTree(ctx context.Context) error {
	return db.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(accessLogLock)); err != nil {
			return err
		}
		var size int64
		if err := tx.QueryRow(ctx, treeSizeSQL).Scan(&size); err != nil {
			return err
		}
		nodes, err := treeNodes(ctx, tx, audit.FrontierNodes(size))
		if err != nil {
			return err
		}
		f, err := audit.LoadFrontier(size, nodes)
		if err != nil {
			return err
		}
		heads := map[int]audit.ChainHead{}
		rows, err := tx.Query(ctx, `SELECT part, seq, hash FROM access_treed`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var part int
			var h audit.ChainHead
			if err := rows.Scan(&part, &h.Seq, &h.Hash); err != nil {
				rows.Close()
				return err
			}
			heads[part] = h
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		moved := map[int]bool{}
		for {
			rows, err := tx.Query(ctx, `SELECT `+accessReadColumns+` FROM access_log WHERE seq > $1 ORDER BY seq LIMIT 5000`, f.Size)
			if err != nil {
				return err
			}
			es, err := sqlrow.Collect(rows, scanAccess)
			if err != nil {
				return err
			}
			var add []audit.StoredNode
			stop, again := len(es) == 0, false
			for _, e := range es {
				if e.Seq > f.Size+1 {
					if again, err = fillGap(ctx, tx, f.Size+1, e.Seq-1); err != nil {
						return err
					}
					stop = !again
					break
				}
				ns, err := audit.ExtendTree(f, heads, e)
				if err != nil {
					slog.Warn("access log: the tree stops before an entry that does not hold: run sesame audit verify", "err", err)
					stop = true
					break
				}
				add = append(add, ns...)
				moved[e.Part] = true
			}
			if err := insertNodes(ctx, tx, add); err != nil {
				return err
			}
			if stop || (!again && len(es) < 5000) {
				break
			}
		}
		for part := range moved {
			if part == 0 {
				continue
			}
			h := heads[part]
			if _, err := tx.Exec(ctx, `UPDATE access_treed SET seq = $2, hash = $3 WHERE part = $1`, part, h.Seq, h.Hash); err != nil {
				return err
			}
		}
		return nil
	})
}

const treeSizeSQL = `SELECT COALESCE((SELECT idx + 1 FROM access_tree WHERE level = 0 ORDER BY idx DESC LIMIT 1), 0)`

// fillGap deals with the seqs from..to missing before the next entry:
// again is true when they are there after all (or were filled by void
// entries), false when they were removed.
func fillGap(ctx context.Context, tx pgx.Tx, from, to int64) (again bool, err error) {
	// Appends hold the lock shared until they commit: once it is granted
	// the appends that drew these seqs have ended, one way or the other.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(accessAppendLock)); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_unlock($1)`, int64(accessAppendLock)); err != nil {
		return false, err
	}
	var present, named bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM access_log WHERE seq BETWEEN $1 AND $2),
		EXISTS (SELECT 1 FROM access_log WHERE part <> 0 AND chain_prev BETWEEN $1 AND $2)`, from, to).Scan(&present, &named); err != nil {
		return false, err
	}
	if present {
		return true, nil
	}
	if named {
		slog.Warn("access log: entries were removed before they were in the tree: run sesame audit verify", "from", from, "to", to)
		return false, nil
	}
	var voids []*sesame.AccessEntry
	for seq := from; seq <= to; seq++ {
		voids = append(voids, audit.Void(seq))
	}
	_, err = tx.Exec(ctx, accessInsertSQL, insertArgs(voids)...)
	return true, err
}

func insertNodes(ctx context.Context, tx pgx.Tx, nodes []audit.StoredNode) error {
	if len(nodes) == 0 {
		return nil
	}
	levels, idxs, hs := make([]int64, len(nodes)), make([]int64, len(nodes)), make([][]byte, len(nodes))
	for i, n := range nodes {
		levels[i], idxs[i], hs[i] = int64(n.Level), n.Index, n.Hash
	}
	_, err := tx.Exec(ctx, `INSERT INTO access_tree (level, idx, hash) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[])`, levels, idxs, hs)
	return err
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
	// One person's max(seq) reads their last entry; GROUP BY would read all.
	rows, err := t.tx.Query(ctx, `SELECT p, last FROM (SELECT p, (SELECT max(seq) FROM access_log WHERE person = p) AS last
		FROM unnest($1::text[]) AS p) x WHERE last IS NOT NULL`, people)
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
	if len(entries) > 0 {
		if _, err := t.tx.Exec(ctx, accessInsertSQL, insertArgs(entries)...); err != nil {
			return err
		}
	}
	return insertNodes(ctx, t.tx, nodes)
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
	return out, sqlrow.EachNode(rows, func(n sesame.TreeNode, h []byte) error {
		out[n] = h
		return nil
	})
}

// accessColumns are written by Insert; erased_by only by an erasure.
const accessColumns = `seq, at, person, actor, action, scope, purpose, consent, outcome, reason, person_prev, prev_hash, hash, part, chain_prev`

// accessReadColumns are what scanAccess reads.
const accessReadColumns = sqlrow.AccessColumns + `, erased_by, part, chain_prev`

func scanAccess(row sqlrow.Row) (*sesame.AccessEntry, error) {
	var part int
	var chainPrev int64
	e, err := sqlrow.ScanAccess(row, &part, &chainPrev)
	if err != nil {
		return nil, err
	}
	e.Part, e.ChainPrev = part, chainPrev
	return e, nil
}

func (s *TrustStore) AccessEntries(ctx context.Context, person string, limit int) ([]*sesame.AccessEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return s.AccessEntriesBefore(ctx, person, 0, limit)
}

func (s *TrustStore) AccessEntriesBefore(ctx context.Context, person string, before int64, limit int) ([]*sesame.AccessEntry, error) {
	before, limit = sqlrow.Page(before, limit)
	rows, err := s.db.pool.Query(ctx, `SELECT `+accessReadColumns+` FROM access_log WHERE person = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`, person, before, limit)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, scanAccess)
}

// ScanAccess extends the tree first, so that the seqs it fills with void
// entries are among those scanned.
func (s *TrustStore) ScanAccess(ctx context.Context, fn func(e *sesame.AccessEntry) error) error {
	if err := s.db.extendTree(ctx); err != nil {
		return err
	}
	rows, err := s.db.pool.Query(ctx, `SELECT `+accessReadColumns+` FROM access_log ORDER BY seq`)
	if err != nil {
		return err
	}
	return sqlrow.Each(rows, func(row sqlrow.Row) error {
		e, err := scanAccess(row)
		if err != nil {
			return err
		}
		return fn(e)
	})
}

func (s *TrustStore) AccessTree(ctx context.Context, ids []sesame.TreeNode) (size int64, hashes map[sesame.TreeNode][]byte, err error) {
	if err := s.db.extendTree(ctx); err != nil {
		return 0, nil, err
	}
	err = pgx.BeginTxFunc(ctx, s.db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, treeSizeSQL).Scan(&size); err != nil {
			return err
		}
		hashes, err = treeNodes(ctx, tx, ids)
		return err
	})
	return size, hashes, err
}

func (s *TrustStore) ScanAccessTree(ctx context.Context, fn func(n sesame.TreeNode, hash []byte) error) error {
	if err := s.db.extendTree(ctx); err != nil {
		return err
	}
	rows, err := s.db.pool.Query(ctx, `SELECT level, idx, hash FROM access_tree ORDER BY level, idx`)
	if err != nil {
		return err
	}
	return sqlrow.EachNode(rows, fn)
}

func (s *TrustStore) SaveAccessHead(ctx context.Context, h *sesame.SignedHead) error {
	_, err := s.db.pool.Exec(ctx, `INSERT INTO access_heads (`+sqlrow.HeadColumns+`) VALUES ($1,$2,$3,$4,$5,$6)`, sqlrow.HeadValues(h)...)
	return err
}

func (s *TrustStore) AccessHeads(ctx context.Context, limit int) ([]*sesame.SignedHead, error) {
	return s.AccessHeadsAfter(ctx, time.Time{}, 0, limit)
}

func (s *TrustStore) AccessHeadsAfter(ctx context.Context, at time.Time, size int64, limit int) ([]*sesame.SignedHead, error) {
	q, args := `SELECT `+sqlrow.HeadColumns+` FROM access_heads`, []any{}
	if !at.IsZero() {
		q += ` WHERE at <= $1 AND (at < $1 OR size < $2)`
		args = append(args, ns(at), size)
	}
	q += ` ORDER BY at DESC, size DESC`
	if limit > 0 {
		args = append(args, limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	rows, err := s.db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlrow.Collect(rows, sqlrow.ScanHead)
}
