package credential

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/sesame-credit/sesame"
)

// MemStore is a Store in memory, for tests and demos; package sqlite has the
// durable one. Both pass the same tests (see storetest.go).
type MemStore struct {
	mu    sync.Mutex
	keys  []StoredKey
	creds map[string]Record
}

func (m *MemStore) SaveKey(_ context.Context, k StoredKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.keys {
		if x.KID == k.KID {
			return sesame.Errorf(sesame.ECONFLICT, "key %s exists", k.KID)
		}
	}
	m.keys = append(m.keys, k)
	return nil
}

func (m *MemStore) RetireKeys(_ context.Context, keep string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, k := range m.keys {
		if k.KID != keep && k.RetiredAt.IsZero() {
			m.keys[i].RetiredAt = at
		}
	}
	return nil
}

func (m *MemStore) Keys(context.Context) ([]StoredKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Reversed first, so that among keys made in the same instant the one
	// saved last counts as newest.
	out := make([]StoredKey, 0, len(m.keys))
	for i := len(m.keys) - 1; i >= 0; i-- {
		out = append(out, m.keys[i])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

func (m *MemStore) SaveCredential(_ context.Context, r Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.creds == nil {
		m.creds = map[string]Record{}
	}
	if r.StatusIndex != nil {
		for _, o := range m.creds {
			if o.StatusIndex != nil && *o.StatusIndex == *r.StatusIndex {
				return sesame.Errorf(sesame.ECONFLICT, "status index %d is taken", *r.StatusIndex)
			}
		}
	}
	m.creds[r.ID] = r
	return nil
}

func (m *MemStore) RevokedStatusIndexes(_ context.Context, now time.Time) ([]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []int
	for _, r := range m.creds {
		if r.StatusIndex != nil && !r.RevokedAt.IsZero() && now.Before(r.ExpiresAt) {
			out = append(out, *r.StatusIndex)
		}
	}
	sort.Ints(out)
	return out, nil
}

func (m *MemStore) Credential(_ context.Context, id string) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.creds[id]
	if !ok {
		return Record{}, sesame.Errorf(sesame.ENOTFOUND, "no credential %q", id)
	}
	return r, nil
}

func (m *MemStore) Credentials(_ context.Context, person string) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Record
	for _, r := range m.creds {
		if r.Person == person {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].IssuedAt.Equal(out[j].IssuedAt) {
			return out[i].IssuedAt.After(out[j].IssuedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (m *MemStore) RevokeCredential(_ context.Context, person, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.creds[id]
	if !ok || r.Person != person {
		return sesame.Errorf(sesame.ENOTFOUND, "no credential %q", id)
	}
	if r.RevokedAt.IsZero() {
		r.RevokedAt = at
		m.creds[id] = r
	}
	return nil
}
