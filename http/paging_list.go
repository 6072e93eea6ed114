package http

import (
	"encoding/base64"
	"encoding/binary"
	"net/url"
	"time"
)

// The lists other than a person's events and score history (consents,
// decisions, disputes, notices, partners, models, …) are short — a person's
// or an operator's own — and their stores hand them back whole, in their
// order. They still take the one paging contract (?limit=, ?cursor=,
// "next"), cut here from the list, so that a client pages every list the
// same way and none changes shape when it grows.

// listKey is an item's position in its list: a number the list is sorted
// by (a time in Unix nanoseconds, a sequence; 0 for lists sorted by id
// alone) and its id.
type listKey struct {
	At int64
	ID string
}

// listOrder is how a list is sorted, so that a page can go on from a cursor
// whose item has left the list since (a consent revoked, a key deleted).
type listOrder int

const (
	newestFirst listOrder = iota // At descending, then ID ascending
	byID                         // ID ascending
)

// follows reports whether k comes after c in order o.
func (o listOrder) follows(k, c listKey) bool {
	if o == newestFirst && k.At != c.At {
		return k.At < c.At
	}
	return k.ID > c.ID
}

// A list cursor is version 2 (events' and history's are version 1), At,
// then the id's bytes, base64url: opaque to clients, who pass it back.
const listCursorVersion = 2

func (k listKey) encode() string {
	b := make([]byte, 9, 9+len(k.ID))
	b[0] = listCursorVersion
	binary.BigEndian.PutUint64(b[1:], uint64(k.At))
	return base64.RawURLEncoding.EncodeToString(append(b, k.ID...))
}

func decodeListKey(s string) (listKey, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 9 || b[0] != listCursorVersion {
		return listKey{}, false
	}
	return listKey{At: int64(binary.BigEndian.Uint64(b[1:])), ID: string(b[9:])}, true
}

// listPage is one page of a list: the items, and the cursor of the next
// page ("" on the last).
type listPage[T any] struct {
	Items []T
	Next  string
}

// pageList reads ?limit= (1–1000, default def) and ?cursor= from q, refuses
// every other parameter not in allowed, and cuts that page out of items,
// which are sorted in order o and placed by key.
func pageList[T any](q url.Values, items []T, def int, o listOrder, key func(T) listKey, allowed ...string) (listPage[T], error) {
	bad := unknownParams(q, append([]string{"cursor", "limit"}, allowed...)...)
	limit := def
	if _, ok := q["limit"]; ok {
		p, lbad := pageQuery(url.Values{"limit": q["limit"]})
		bad, limit = append(bad, lbad...), p.Limit
	}
	start := 0
	if vs, ok := q["cursor"]; ok {
		c, ok := decodeListKey(vs[len(vs)-1])
		if !ok {
			bad = append(bad, badCursor)
		}
		for start < len(items) && !o.follows(key(items[start]), c) {
			start++
		}
	}
	if err := invalidQuery(bad); err != nil {
		return listPage[T]{}, err
	}
	page := listPage[T]{Items: items[start:]}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = key(page.Items[limit-1]).encode()
	}
	if page.Items == nil {
		page.Items = []T{}
	}
	return page, nil
}

// timeKey places an item of a newest-first list.
func timeKey(at time.Time, id string) listKey {
	return listKey{At: at.UnixNano(), ID: id}
}

// listAnswer is the answer of a list endpoint: {name: [...], "next": …},
// without next on the last page.
func listAnswer[T any](name string, p listPage[T]) map[string]any {
	out := map[string]any{name: p.Items}
	if p.Next != "" {
		out["next"] = p.Next
	}
	return out
}
