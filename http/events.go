package http

import (
	nethttp "net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// registerEvents serves the ledger: ingestion (ingest.go) and read-back.
func (s *Server) registerEvents(mux *nethttp.ServeMux) {
	if s.Events == nil {
		return
	}
	s.handle(mux, "POST /v1/events", s.handleIngest)
	s.handle(mux, "GET /v1/people/{id}/events", s.handleListEvents)
}

// Page sizes of GET /v1/people/{id}/events.
var eventsQueryParams = []string{"cursor", "from", "kind", "limit", "to"}

// handleListEvents is GET /v1/people/{id}/events?kind=a,b&from=&to=&limit=&cursor=.
// A person with no events gets an empty list, not a 404: the ledger knows
// people only through their events, and "no events yet" is a true answer.
func (s *Server) handleListEvents(w nethttp.ResponseWriter, r *nethttp.Request) error {
	p, err := s.authorize(r, RoleOperator)
	if err != nil {
		return err
	}
	f, err := eventFilter(r)
	if err != nil {
		return err
	}
	if err := s.operatorRead(r, p.Name, f.Person, "events"); err != nil {
		return err
	}
	page, err := s.Events.Events(r.Context(), f)
	if err != nil {
		return err
	}
	if page.Events == nil {
		page.Events = []sesame.Event{}
	}
	writeJSON(w, nethttp.StatusOK, page)
	return nil
}

// eventFilter reads the path and query into a filter, naming every bad
// parameter. Unknown parameters are errors too: a misspelt filter would
// otherwise silently return everything.
func eventFilter(r *nethttp.Request) (sesame.EventFilter, error) {
	var bad []sesame.FieldError
	f := sesame.EventFilter{Person: r.PathValue("id"), Limit: defaultPageLimit}
	if !sesame.ValidID(f.Person) {
		bad = append(bad, sesame.FieldError{Field: "id", Reason: "is not a valid person id (1–128 characters: letters, digits and . _ : @ -, starting with a letter or digit)"})
	}
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vs := q[k]
		switch k {
		case "kind":
			for _, v := range vs {
				for _, name := range strings.Split(v, ",") {
					kind := sesame.Kind(strings.TrimSpace(name))
					if !kind.Known() {
						bad = append(bad, sesame.FieldError{Field: "kind", Reason: "unknown kind " + quote(string(kind)) + "; see docs/events.md for the list"})
						continue
					}
					f.Kinds = append(f.Kinds, kind)
				}
			}
		case "from", "to":
			t, err := time.Parse(time.RFC3339Nano, vs[len(vs)-1])
			if err != nil {
				bad = append(bad, sesame.FieldError{Field: k, Reason: "must be an RFC 3339 time with a zone, e.g. 2026-11-25T09:30:00Z (URL-encode + as %2B)"})
				continue
			}
			if k == "from" {
				f.From = t
			} else {
				f.To = t
			}
		case "limit":
			n, err := strconv.Atoi(vs[len(vs)-1])
			if err != nil || n < 1 || n > maxPageLimit {
				bad = append(bad, sesame.FieldError{Field: "limit", Reason: "must be an integer from 1 to " + strconv.Itoa(maxPageLimit)})
				continue
			}
			f.Limit = n
		case "cursor":
			f.Cursor = vs[len(vs)-1]
			if _, err := sesame.DecodeCursor(f.Cursor); err != nil {
				bad = append(bad, badCursor)
			}
		default:
			bad = append(bad, unknownParams(url.Values{k: vs}, eventsQueryParams...)...)
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		bad = append(bad, sesame.FieldError{Field: "to", Reason: "must be after from"})
	}
	return f, invalidQuery(bad)
}
