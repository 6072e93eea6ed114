package http

import (
	"encoding/base64"
	"encoding/binary"
	"net/url"
	"time"

	"github.com/sesame-credit/sesame"
)

// Every list takes the one paging contract (?limit=, ?cursor=, "next"), so
// that a client pages every list the same way and none changes shape when
// it grows. Lists that grow without bound (decisions, notices, disputes,
// the access log and its signed heads) are read by their stores a page at
// a time from the cursor's position (pageFrom); the short ones — a
// person's or an operator's own consents, partners, models — are handed
// back whole and cut here (pageList).

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
	limit, c, after, err := listQuery(q, def, allowed...)
	if err != nil {
		return listPage[T]{}, err
	}
	start := 0
	for after && start < len(items) && !o.follows(key(items[start]), c) {
		start++
	}
	return cutPage(items[start:], limit, key), nil
}

// listQuery reads ?limit= (1–1000, default def) and ?cursor= (after
// reports whether there was one) from q, and refuses every other parameter
// not in allowed.
func listQuery(q url.Values, def int, allowed ...string) (limit int, c listKey, after bool, err error) {
	bad := unknownParams(q, append([]string{"cursor", "limit"}, allowed...)...)
	limit = def
	if _, ok := q["limit"]; ok {
		p, lbad := pageQuery(url.Values{"limit": q["limit"]})
		bad, limit = append(bad, lbad...), p.Limit
	}
	if vs, ok := q["cursor"]; ok {
		if c, after = decodeListKey(vs[len(vs)-1]); !after {
			bad = append(bad, badCursor)
		}
	}
	return limit, c, after, invalidQuery(bad)
}

// pageFrom answers a page of a list its store reads by position, so that
// it pages past any length: read is asked for limit+1 items after the
// cursor (after false: from the first), and the extra one, when there is
// one, says a next page exists.
func pageFrom[T any](q url.Values, def int, key func(T) listKey, read func(c listKey, after bool, n int) ([]T, error), allowed ...string) (listPage[T], error) {
	limit, c, after, err := listQuery(q, def, allowed...)
	if err != nil {
		return listPage[T]{}, err
	}
	items, err := read(c, after, limit+1)
	if err != nil {
		return listPage[T]{}, err
	}
	return cutPage(items, limit, key), nil
}

// cutPage makes a page of at most limit of items, with the cursor of the
// next when there are more.
func cutPage[T any](items []T, limit int, key func(T) listKey) listPage[T] {
	page := listPage[T]{Items: items}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = key(page.Items[limit-1]).encode()
	}
	if page.Items == nil {
		page.Items = []T{}
	}
	return page
}

// position is the store position of a newest-first list's cursor.
func (k listKey) position() sesame.Position {
	return sesame.Position{At: time.Unix(0, k.At), ID: k.ID}
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
