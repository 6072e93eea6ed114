package http

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/sesame-credit/sesame"
)

// The paging contract of every list endpoint:
// ?limit=N (1–1000, default 100) and ?cursor=, the "next" of the previous
// page passed back unchanged; a page without "next" is the last. Every
// endpoint refuses query parameters it does not know, one detail each, so
// that a misspelt filter is never silently ignored.
const (
	defaultPageLimit = 100
	maxPageLimit     = 1000
)

// page is a list request's limit and position.
type page struct {
	Limit  int
	Cursor sesame.Cursor
	After  bool // a cursor was given
}

// pageQuery reads limit and cursor from q and names every other parameter
// not in allowed as unknown. The details are empty when all is well.
func pageQuery(q url.Values, allowed ...string) (page, []sesame.FieldError) {
	p := page{Limit: defaultPageLimit}
	bad := unknownParams(q, append([]string{"cursor", "limit"}, allowed...)...)
	if vs, ok := q["limit"]; ok {
		n, err := strconv.Atoi(vs[len(vs)-1])
		if err != nil || n < 1 || n > maxPageLimit {
			bad = append(bad, sesame.FieldError{Field: "limit", Reason: "must be an integer from 1 to " + strconv.Itoa(maxPageLimit)})
		} else {
			p.Limit = n
		}
	}
	if vs, ok := q["cursor"]; ok {
		c, err := sesame.DecodeCursor(vs[len(vs)-1])
		if err != nil {
			bad = append(bad, badCursor)
		} else {
			p.Cursor, p.After = c, true
		}
	}
	return p, bad
}

var badCursor = sesame.FieldError{Field: "cursor", Reason: "is not a cursor this server issued; pass the value of next from the previous page unchanged"}

// unknownParams returns a detail for each parameter of q not in allowed,
// in name order.
func unknownParams(q url.Values, allowed ...string) []sesame.FieldError {
	var bad []sesame.FieldError
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !contains(allowed, k) {
			sorted := append([]string(nil), allowed...)
			sort.Strings(sorted)
			reason := "unknown query parameter; this endpoint takes none"
			if len(sorted) > 0 {
				reason = "unknown query parameter; allowed: " + strings.Join(sorted, ", ")
			}
			bad = append(bad, sesame.FieldError{Field: k, Reason: reason})
		}
	}
	return bad
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// invalidQuery is the one error of a request whose query is wrong.
func invalidQuery(bad []sesame.FieldError) error {
	if len(bad) == 0 {
		return nil
	}
	return &sesame.Error{Code: sesame.EINVALID, Message: "invalid query: " + bad[0].Field + " " + bad[0].Reason, Details: bad}
}

// checkQuery refuses a request with query parameters outside allowed: for
// the endpoints that take no paging (one resource, or a short list).
func checkQuery(q url.Values, allowed ...string) error {
	return invalidQuery(unknownParams(q, allowed...))
}

// queryParams are the query parameters of the /v1 routes that take any;
// every other /v1 route takes none, and handle refuses what a route does
// not take before its handler runs. A route that gains a parameter adds it
// here (and to openapi.json).
var queryParams = map[string][]string{
	"GET /v1/people/{id}/events":             eventsQueryParams,
	"GET /v1/people/{id}/score/history":      pageParams,
	"GET /v1/me/consents":                    {"cursor", "limit", "all"},
	"GET /v1/me/access-log":                  {"cursor", "limit", "verify"},
	"GET /v1/access-log/heads":               pageParams,
	"GET /v1/me/additions":                   pageParams,
	"GET /v1/me/consent-requests":            pageParams,
	"GET /v1/me/decisions":                   pageParams,
	"GET /v1/me/disputes":                    pageParams,
	"GET /v1/me/notices":                     pageParams,
	"GET /v1/operator/models":                pageParams,
	"GET /v1/operator/partners":              pageParams,
	"GET /v1/partner/products":               pageParams,
	"GET /v1/sources":                        pageParams,
	"GET /v1/sources/{source}/disputes":      pageParams,
	"GET /v1/partner/people/{ref}/threshold": {"min"},
	"POST /v1/auth/logout":                   {"everywhere"},
}

// pageParams are the parameters of a list that takes no filter.
var pageParams = []string{"cursor", "limit"}

// checksQuery reports whether handle checks the query of pattern: the
// JSON API's routes, not the portal's pages or the probes.
func checksQuery(pattern string) bool {
	_, path, _ := strings.Cut(pattern, " ")
	return strings.HasPrefix(path, "/v1/")
}
