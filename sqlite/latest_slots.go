package sqlite

import (
	"encoding/binary"
	"sync"
)

// slotStore holds one cache shard's entries outside the Go heap (its
// caller holds the shard's lock). Kept as one heap object per person, the
// cache made every garbage collection mark a million objects (4–6% of
// sesame serve's CPU on the 1M-people bench) and let the heap grow to
// twice the cache before collecting; in slabs of memory mapped from the OS
// it costs the collector a pointer-free map per shard, and the process
// the budget and no more.
//
// An entry lives in a slot of its size class (a multiple of slotUnit):
// two bytes of body length, one of id length, the id, the body. Freed
// slots go to their class's free list; new ones are cut from the current
// slab. Entries larger than maxSlot are not kept.
type slotStore struct {
	index    map[int64]uint64 // person_key → slot (low 32 bits) | class << 32
	slabs    [][]byte
	free     [slotClasses][]uint32
	bumpSlab int // slots are cut from slabs[bumpSlab][bumpOff:]
	bumpOff  int
	bytes    int64 // the slots of the live entries
	budget   int64
	slabSize int
	maxSlabs int
	owner    *slabSet
}

const (
	slotUnit    = 256
	maxSlot     = 4096
	slotClasses = maxSlot / slotUnit
	slotHeader  = 3
	slabShift   = 20 // a slot's number is its slab << slabShift | offset
	maxSlabSize = 1 << slabShift
)

// slabSet hands out a cache's slabs from one region mapped at once, with
// the kernel asked for huge pages (regionAdvice): the cache's reads land
// anywhere in a gigabyte, and with 4 KiB pages most of them miss the TLB.
// In profiles of sesame serve on the 1M-people bench, reaching a slot and
// its header took 0.22 s of 10.6 with slabs mapped one by one and 0.11 s
// of 10.9 from a huge-page region. The region is reserved, not committed:
// the OS supplies pages as slabs are written.
// It is unmapped once the cache is unreachable (runtime.AddCleanup in
// newLatestCache): a slot's bytes are copied out under the shard's lock,
// so nothing else points into them.
type slabSet struct {
	mu     sync.Mutex
	region []byte
	next   int
}

func newSlabSet(slabs, slabSize int) *slabSet {
	return &slabSet{region: mapRegion(slabs * slabSize)}
}

// take returns the next slab, or one from the Go heap should the region be
// used up (it is sized for every shard's most).
func (s *slabSet) take(size int) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next+size > len(s.region) {
		return make([]byte, size)
	}
	b := s.region[s.next : s.next+size : s.next+size]
	s.next += size
	return b
}

func (s *slabSet) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	unmapRegion(s.region)
	s.region = nil
}

// slabSizeFor is the slab size of a shard with budget bytes: a slab at
// most, and no more than the budget needs.
func slabSizeFor(budget int64) int {
	return int(min(maxSlabSize, max(maxSlot, (budget+4095)/4096*4096)))
}

// maxSlabsFor is how many slabs a shard with budget bytes may cut: its
// budget's worth, and one for the slack of slots of several classes.
func maxSlabsFor(budget int64) int { return int(budget/int64(slabSizeFor(budget))) + 1 }

func newSlotStore(budget int64, owner *slabSet) slotStore {
	return slotStore{index: make(map[int64]uint64), budget: budget, slabSize: slabSizeFor(budget),
		maxSlabs: maxSlabsFor(budget), owner: owner}
}

func slotClass(n int) int { return (n - 1) / slotUnit }

func classSize(c int) int { return (c + 1) * slotUnit }

func (s *slotStore) slot(v uint64) []byte {
	n := uint32(v)
	off := int(n & (maxSlabSize - 1))
	return s.slabs[n>>slabShift][off : off+classSize(int(v>>32))]
}

// get appends person's body stored under key to dst; ok is false when it
// is not here.
func (s *slotStore) get(dst []byte, key int64, person string) (_ []byte, ok bool) {
	v, ok := s.index[key]
	if !ok {
		return dst, false
	}
	b := s.slot(v)
	n, idLen := int(binary.LittleEndian.Uint16(b)), int(b[2])
	if idLen != len(person) || string(b[slotHeader:slotHeader+idLen]) != person {
		return dst, false // someone else with the same key
	}
	return append(dst, b[slotHeader+idLen:slotHeader+idLen+n]...), true
}

// put stores person's body under key, dropping entries at random (Go's
// map order) while the store is over its budget; false when it could not.
func (s *slotStore) put(key int64, person string, body []byte) bool {
	s.remove(key)
	need := slotHeader + len(person) + len(body)
	if len(person) > 255 || need > maxSlot {
		return false
	}
	class := slotClass(need)
	size := int64(classSize(class))
	for s.bytes+size > s.budget && len(s.index) > 0 {
		s.evictOne()
	}
	if s.bytes+size > s.budget {
		return false
	}
	n, ok := s.alloc(class)
	// The slabs are all cut into slots of other classes: free some.
	for tries := 0; !ok && tries < 64 && len(s.index) > 0; tries++ {
		s.evictOne()
		n, ok = s.alloc(class)
	}
	if !ok {
		return false
	}
	v := uint64(n) | uint64(class)<<32
	b := s.slot(v)
	binary.LittleEndian.PutUint16(b, uint16(len(body)))
	b[2] = byte(len(person))
	copy(b[slotHeader:], person)
	copy(b[slotHeader+len(person):], body)
	s.index[key] = v
	s.bytes += size
	return true
}

// alloc returns a free slot of class.
func (s *slotStore) alloc(class int) (uint32, bool) {
	if f := s.free[class]; len(f) > 0 {
		n := f[len(f)-1]
		s.free[class] = f[:len(f)-1]
		return n, true
	}
	size := classSize(class)
	for s.bumpSlab < len(s.slabs) {
		if s.bumpOff+size <= s.slabSize {
			n := uint32(s.bumpSlab<<slabShift | s.bumpOff)
			s.bumpOff += size
			return n, true
		}
		s.bumpSlab, s.bumpOff = s.bumpSlab+1, 0
	}
	if len(s.slabs) >= s.maxSlabs {
		return 0, false
	}
	s.slabs = append(s.slabs, s.owner.take(s.slabSize))
	s.bumpSlab, s.bumpOff = len(s.slabs)-1, size
	return uint32(s.bumpSlab << slabShift), true
}

func (s *slotStore) remove(key int64) {
	v, ok := s.index[key]
	if !ok {
		return
	}
	delete(s.index, key)
	class := int(v >> 32)
	s.free[class] = append(s.free[class], uint32(v))
	s.bytes -= int64(classSize(class))
}

func (s *slotStore) evictOne() {
	for k := range s.index {
		s.remove(k)
		return
	}
}

// clear forgets every entry; the slabs stay, to be cut again.
func (s *slotStore) clear() {
	s.index = make(map[int64]uint64)
	s.free = [slotClasses][]uint32{}
	s.bumpSlab, s.bumpOff, s.bytes = 0, 0, 0
}
