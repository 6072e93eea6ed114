package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"sync"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/feature"
)

// A latest score keeps the profile it was computed from. With names, that
// was 1.7 kB of a 3 kB row; a million rows a rescore. The catalogue's names
// come in a fixed order, so a row stores only the values and the hash of
// their name list, which is kept once in feature_sets. Profiles of any other
// shape keep sesame.AppendFeatures' self-describing form.

// featureSetFormat is the first byte of a set-encoded features column
// (sesame.AppendFeatures writes 1; migration 011's carried-over rows '{').
const featureSetFormat = 2

// featureSet is one name list and its hash.
type featureSet struct {
	hash  uint64
	names []string
}

func newFeatureSet(names []string) featureSet {
	h := fnv.New64a()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
	}
	return featureSet{hash: h.Sum64(), names: names}
}

// catalogueSet is the feature catalogue's list, the shape of every score
// the platform computes.
var catalogueSet = newFeatureSet(feature.Names())

// featureSets remembers the sets a database holds, read on first use.
type featureSets struct {
	mu    sync.Mutex
	known map[uint64][]string
}

// absentBits marks a name of the set that the map did not have (a missing
// feature is left out of Score.Features): a NaN with a payload no
// arithmetic produces, so that a stored NaN still reads back as NaN.
const absentBits = 0x7ff4_0000_0000_a55e

// appendValues appends features in catalogueSet's form when every name is
// the catalogue's; ok is false otherwise.
func appendValues(dst []byte, features map[string]float64) (b []byte, ok bool) {
	set := catalogueSet
	if len(features) > len(set.names) {
		return dst, false
	}
	b = append(dst, featureSetFormat)
	b = binary.LittleEndian.AppendUint64(b, set.hash)
	present := 0
	for _, n := range set.names {
		v, found := features[n]
		bits := uint64(absentBits)
		if found {
			bits = math.Float64bits(v)
			present++
		}
		b = binary.LittleEndian.AppendUint64(b, bits)
	}
	if present != len(features) { // a name outside the catalogue
		return dst, false
	}
	return b, true
}

// ensureFeatureSet records set in the transaction exec runs in. It runs once per
// batch of scores, in the batch's own transaction, rather than being
// remembered: a remembered set whose transaction rolled back would leave
// rows pointing at nothing.
func ensureFeatureSet(exec func(q string, args ...any) error, set featureSet) error {
	names, err := json.Marshal(set.names)
	if err != nil {
		return err
	}
	if err := exec(`INSERT INTO feature_sets (hash, names) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING`, int64(set.hash), string(names)); err != nil {
		return fmt.Errorf("sqlite: feature set: %w", err)
	}
	return nil
}

// names returns the list of a stored hash.
func (fs *featureSets) names(ctx context.Context, db *sql.DB, hash uint64) ([]string, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if n, ok := fs.known[hash]; ok {
		return n, nil
	}
	var text string
	err := db.QueryRowContext(ctx, `SELECT names FROM feature_sets WHERE hash = ?`, int64(hash)).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("stored features: unknown feature set %x", hash)
	}
	if err != nil {
		return nil, err
	}
	var names []string
	if err := json.Unmarshal([]byte(text), &names); err != nil {
		return nil, fmt.Errorf("stored features: feature set %x: %w", hash, err)
	}
	if fs.known == nil {
		fs.known = map[uint64][]string{}
	}
	fs.known[hash] = names
	return names, nil
}

// decode reads a features column in any of its forms.
func (fs *featureSets) decode(ctx context.Context, db *sql.DB, b []byte) (map[string]float64, error) {
	switch {
	case len(b) == 0:
		return nil, nil
	case b[0] == '{': // carried over by migration 011
		var m map[string]float64
		err := json.Unmarshal(b, &m)
		return m, err
	case b[0] != featureSetFormat:
		return sesame.DecodeFeatures(b)
	}
	if len(b) < 9 || (len(b)-9)%8 != 0 {
		return nil, errors.New("stored features: malformed")
	}
	names, err := fs.names(ctx, db, binary.LittleEndian.Uint64(b[1:9]))
	if err != nil {
		return nil, err
	}
	vals := b[9:]
	if len(vals)/8 != len(names) {
		return nil, fmt.Errorf("stored features: %d values for %d names", len(vals)/8, len(names))
	}
	out := make(map[string]float64, len(names))
	for i, n := range names {
		if bits := binary.LittleEndian.Uint64(vals[8*i:]); bits != absentBits {
			out[n] = math.Float64frombits(bits)
		}
	}
	return out, nil
}
