package sqlite

/*
#include "sesame_sqlite3.h"

// sesame_read_int64 steps st, a query of one integer, into *out and
// resets it: in autocommit, a read transaction of its own.
static int sesame_read_int64(sqlite3_stmt *st, long long *out) {
	int rc = sqlite3_step(st);
	if (rc == 100) *out = sqlite3_column_int64(st, 0);
	int reset = sqlite3_reset(st);
	if (rc != 100) return rc == 101 ? 101 : (reset != 0 ? reset : rc);
	return reset;
}
*/
import "C"

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sesame-credit/sesame"
)

// latestCache keeps people's latest score bodies in memory, in front of
// the lookup connections (latest_raw.go): a GET …/score that finds its
// person here costs a map lookup instead of a B-tree descent and a page
// read from the OS (on a million people, a third of a lookup's time was
// the kernel's pread of the page). SQLite stays the truth;
// the cache only ever holds bodies it read there or that this process
// committed there, and answers exactly as a lookup would:
//
//   - this process's writes are written through (ScoreStore.save updates
//     the cache right after its commit, still holding the writer), so a
//     read sees every score this process committed before it;
//   - other processes' writes (a `sesame rescore` beside the server) are
//     learnt from score_latest_epoch, which every transaction writing
//     score_latest moves on: a poll every cacheEpochPoll empties the cache
//     when it moved beyond this process's own writes. The lookups' bound
//     on other processes' writes was maxSnapshotAge (10 ms); this one is
//     the poll's;
//   - a body read from SQLite is kept only if no write to its shard, and
//     no emptying, happened since the read began (fill), so a slow read
//     never puts back a body older than one written through meanwhile.
//
// People without a score are not kept: they are asked for rarely, and
// keeping them would need the same care for a first score.
//
// The entries live outside the Go heap (latest_slots.go); the budget
// counts their slots. Past it, a shard drops entries at random (Go's map
// order), which costs nothing to keep and, for reads spread over the whole
// population, does as well as any order.
type latestCache struct {
	shards [cacheShards]cacheShard
	budget int64 // per shard
	slabs  *slabSet
	// commits is the file's commit generation (DB.commits): an emptying
	// moves it on, so that the lookups that refill the cache start a new
	// snapshot rather than read one from before another process's write.
	commits *atomic.Uint64

	// epochMu orders the epoch's readers and movers: the writer holds it
	// from before its commit to after its write-through, so that the poll
	// never mistakes this process's commit for another's.
	epochMu sync.Mutex
	known   int64 // the epoch the cache is up to date with

	hits, misses, flushes atomic.Int64
	warmed                atomic.Int64 // bodies the warm-up kept
	warmDone              atomic.Bool
}

const (
	cacheShards = 64
	// cacheEpochPoll is how often the epoch is read.
	cacheEpochPoll = 10 * time.Millisecond
)

type cacheShard struct {
	mu sync.Mutex
	// writes counts writes through and emptyings: a fill that began
	// before one is dropped.
	writes uint64
	slots  slotStore
	_      [64]byte // keeps neighbouring shards' locks off one cache line
}

func newLatestCache(budget int64, commits *atomic.Uint64) *latestCache {
	perShard := max(1, budget/cacheShards)
	c := &latestCache{budget: perShard, commits: commits, slabs: newSlabSet(cacheShards*maxSlabsFor(perShard), slabSizeFor(perShard))}
	for i := range c.shards {
		c.shards[i].slots = newSlotStore(c.budget, c.slabs)
	}
	// The slabs are unmapped once nothing can read them: get copies a
	// body out under its shard's lock.
	runtime.AddCleanup(c, (*slabSet).release, c.slabs)
	return c
}

func (c *latestCache) shard(key int64) *cacheShard {
	return &c.shards[uint64(key)%cacheShards]
}

// get appends person's body to dst; ok is false when it is not here.
func (c *latestCache) get(dst []byte, person string) (_ []byte, ok bool) {
	key := personKey(person)
	s := c.shard(key)
	s.mu.Lock()
	dst, ok = s.slots.get(dst, key, person)
	s.mu.Unlock()
	if !ok {
		c.misses.Add(1)
		return dst, false
	}
	c.hits.Add(1)
	return dst, true
}

// fillToken is a shard's write count when a read from SQLite began.
type fillToken uint64

func (c *latestCache) beginFill(person string) fillToken {
	s := c.shard(personKey(person))
	s.mu.Lock()
	defer s.mu.Unlock()
	return fillToken(s.writes)
}

// fill keeps body, read from SQLite after beginFill gave t, unless the
// shard was written since; it says whether it did.
func (c *latestCache) fill(person string, body []byte, t fillToken) bool {
	key := personKey(person)
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writes != uint64(t) {
		return false
	}
	s.slots.put(key, person, body)
	return true
}

// beginWrite is called by a writer of score_latest inside its transaction,
// just before it commits; it must call endWrite after its COMMIT, whatever
// came of it.
func (c *latestCache) beginWrite() { c.epochMu.Lock() }

// endWrite writes a committed transaction's scores through (rows[i] is
// scores[i] as stored): epoch is where it moved score_latest_epoch. When
// the epoch before it is not the one the cache knew, another process wrote
// meanwhile, and the cache is emptied first.
func (c *latestCache) endWrite(committed bool, epoch int64, scores []*sesame.Score, rows []encodedScore) {
	defer c.epochMu.Unlock()
	if !committed {
		// A failed COMMIT may still have reached the file.
		c.forgetLocked()
		return
	}
	if c.known != epoch-1 {
		c.flush()
	}
	c.known = epoch
	for i, sc := range scores {
		key := personKey(sc.Person)
		s := c.shard(key)
		s.mu.Lock()
		s.writes++
		s.slots.put(key, sc.Person, rows[i].body) // or, too large, drops the one before
		s.mu.Unlock()
	}
}

// forgetLocked empties the cache when nothing here is sure any more of
// what the file holds; the next poll that reads takes the epoch as it is.
// The caller holds epochMu.
func (c *latestCache) forgetLocked() {
	c.flush()
	c.known = -1
}

// flush empties the cache. The generation moves first: a fill that
// begins after a shard's emptying reads the generation after it, and its
// lookup renews its snapshot (latestJSON).
func (c *latestCache) flush() {
	c.flushes.Add(1)
	c.commits.Add(1)
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		s.writes++
		s.slots.clear()
		s.mu.Unlock()
	}
}

// pollEpoch reads the epoch with read (a fresh read of
// score_latest_epoch) and empties the cache when another process moved
// it, or when it cannot tell: a failed read.
func (c *latestCache) pollEpoch(read func() (int64, error)) error {
	c.epochMu.Lock()
	defer c.epochMu.Unlock()
	n, err := read()
	if err != nil {
		c.forgetLocked()
		return err
	}
	if n != c.known {
		c.flush()
		c.known = n
	}
	return nil
}

// LatestCacheStats reports on the latest-score cache.
type LatestCacheStats struct {
	Enabled bool
	Budget  int64 // bytes
	Bytes   int64 // held now, counted as for the budget
	Entries int
	// Hits and Misses count lookups; Flushes the times it was emptied
	// for another process's write.
	Hits, Misses, Flushes int64
	// Warmed is how many bodies the warm-up kept; WarmDone whether it
	// has ended.
	Warmed   int64
	WarmDone bool
}

func (c *latestCache) stats() LatestCacheStats {
	st := LatestCacheStats{Enabled: true, Budget: c.budget * cacheShards,
		Hits: c.hits.Load(), Misses: c.misses.Load(), Flushes: c.flushes.Load(),
		Warmed: c.warmed.Load(), WarmDone: c.warmDone.Load()}
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		st.Bytes += s.slots.bytes
		st.Entries += len(s.slots.index)
		s.mu.Unlock()
	}
	return st
}

// full reports whether the cache is within 5% of its budget, so that a
// warm-up stops rather than churn.
func (c *latestCache) full() bool {
	st := c.stats()
	return st.Bytes >= st.Budget*95/100
}

// SetLatestCache keeps up to budget bytes of latest scores in memory in
// front of LatestScoreJSON (latestCache); 0 leaves it off. It is set once
// per file in a process, before serving, and serves every handle on the
// file until this one closes; it follows other processes' writes.
func (db *DB) SetLatestCache(budget int64) error {
	if budget <= 0 {
		return nil
	}
	db.cacheMu.Lock()
	defer db.cacheMu.Unlock()
	c := newLatestCache(budget, db.commits)
	e, err := openEpochReader(db.path)
	if err != nil {
		return fmt.Errorf("sqlite: latest-score cache: %w", err)
	}
	if err := c.pollEpoch(e.read); err != nil {
		e.close()
		return fmt.Errorf("sqlite: latest-score cache: %w", err)
	}
	c.flushes.Store(0) // the first read is not an emptying
	if !db.cache.CompareAndSwap(nil, c) {
		e.close()
		return fmt.Errorf("sqlite: the latest-score cache is already on for %s", db.path)
	}
	db.cacheStop, db.cacheDone = make(chan struct{}), make(chan struct{})
	go db.pollLatestEpoch(c, e, db.cacheStop, db.cacheDone)
	return nil
}

// epochReader reads score_latest_epoch on a connection of its own with
// the query prepared once: a poll through database/sql cost 0.8 ms of CPU
// (a prepare each time), 8% of the server's at 100 polls a second.
type epochReader struct {
	rc *rawConn
	st *C.sqlite3_stmt
}

func openEpochReader(path string) (*epochReader, error) {
	rc, err := openRawConn(path, false)
	if err != nil {
		return nil, err
	}
	st, err := rc.prepare(`SELECT n FROM score_latest_epoch WHERE id = 1`)
	if err != nil {
		rc.close()
		return nil, err
	}
	return &epochReader{rc: rc, st: st}, nil
}

// read returns the epoch as it is now.
func (e *epochReader) read() (int64, error) {
	var n C.longlong
	if code := C.sesame_read_int64(e.st, &n); code != 0 {
		if code == 101 {
			return 0, fmt.Errorf("sqlite: score_latest_epoch has no row")
		}
		return 0, e.rc.err("latest scores' epoch", code)
	}
	return int64(n), nil
}

func (e *epochReader) close() {
	C.sqlite3_finalize(e.st)
	e.rc.close()
}

// pollLatestEpoch polls the epoch until stop.
func (db *DB) pollLatestEpoch(c *latestCache, e *epochReader, stop, done chan struct{}) {
	defer close(done)
	defer e.close()
	t := time.NewTicker(cacheEpochPoll)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			c.pollEpoch(e.read) // a failed read has emptied the cache
		}
	}
}

// stopLatestCache ends the epoch's polling and turns the cache off when
// this DB turned it on (Close).
func (db *DB) stopLatestCache() {
	db.cacheMu.Lock()
	defer db.cacheMu.Unlock()
	if db.cacheStop != nil {
		close(db.cacheStop)
		<-db.cacheDone
		db.cacheStop = nil
		db.cache.Store(nil)
	}
}

// LatestCacheStats reports on the latest-score cache; Enabled is false when
// it is off.
func (db *DB) LatestCacheStats() LatestCacheStats {
	if c := db.cache.Load(); c != nil {
		return c.stats()
	}
	return LatestCacheStats{}
}

// WarmLatestCache reads the latest scores into the cache until it is
// nearly full or every one is in, reporting each chunk's count to progress
// (may be nil). A server runs it in the background after it starts: reads
// are answered meanwhile, from SQLite when not yet here. Each chunk is a
// short read transaction of its own, so the warm-up never holds back the
// WAL's checkpoints for long.
func (db *DB) WarmLatestCache(ctx context.Context, progress func(kept int64)) error {
	c := db.cache.Load()
	if c == nil {
		return errCacheOff
	}
	defer c.warmDone.Store(true)
	const chunk = 4096
	after := int64(-1 << 63)
	for !c.full() {
		var tokens [cacheShards]fillToken
		for i := range c.shards {
			s := &c.shards[i]
			s.mu.Lock()
			tokens[i] = fillToken(s.writes)
			s.mu.Unlock()
		}
		rows, err := db.reader.QueryContext(ctx, `SELECT person_key, person, body FROM score_latest WHERE person_key > ? ORDER BY person_key LIMIT ?`, after, chunk)
		if err != nil {
			return fmt.Errorf("sqlite: warming the latest-score cache: %w", err)
		}
		n := 0
		for rows.Next() {
			var key int64
			var person string
			var body sql.RawBytes
			if err := rows.Scan(&key, &person, &body); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: warming the latest-score cache: %w", err)
			}
			after, n = key, n+1
			if c.fill(person, body, tokens[uint64(personKey(person))%cacheShards]) {
				c.warmed.Add(1)
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("sqlite: warming the latest-score cache: %w", err)
		}
		if progress != nil {
			progress(c.warmed.Load())
		}
		if n < chunk {
			return nil
		}
	}
	return nil
}

// errCacheOff is returned by the cache's DB methods when it is not on.
var errCacheOff = errors.New("sqlite: the latest-score cache is off (SetLatestCache)")
