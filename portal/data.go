package portal

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/credential"
)

// eventsPerPage is the size of one page of the My data list.
const eventsPerPage = 50

type eventRow struct {
	Event      sesame.Event
	Kind       string  // the kind in words
	Fields     []field // the payload in words (format.go)
	Disputed   bool
	DisputedAt time.Time
	Dispute    *sesame.Dispute // status, deadline and outcome, when known
}

type dataData struct {
	Unavailable bool
	Kinds       []sesame.Kind
	Kind        sesame.Kind
	From, To    string // YYYY-MM-DD as entered
	Rows        []eventRow
	Next        string // the URL of the next (older) page, "" at the end
}

// parseEventFilter reads the filters of the My data page; bad values are
// EINVALID errors saying what to enter.
func parseEventFilter(r *http.Request, l *Locale, person string) (sesame.EventFilter, *dataData, error) {
	q := r.URL.Query()
	d := &dataData{Kinds: sesame.Kinds(), From: q.Get("from"), To: q.Get("to")}
	f := sesame.EventFilter{Person: person, Limit: eventsPerPage}
	if k := sesame.Kind(q.Get("kind")); k != "" {
		if !k.Known() {
			return f, d, userError(sesame.EINVALID, l.T("data.err.kind"))
		}
		d.Kind, f.Kinds = k, []sesame.Kind{k}
	}
	for _, x := range []struct {
		raw string
		dst *time.Time
	}{{d.From, &f.From}, {d.To, &f.To}} {
		if x.raw == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, x.raw)
		if err != nil {
			return f, d, userError(sesame.EINVALID, l.T("data.err.date"))
		}
		*x.dst = t
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // "to" is inclusive on the page
	}
	return f, d, nil
}

func (p *Portal) myData(w http.ResponseWriter, r *http.Request, person string) {
	v := p.newView(w, r, "data.title", "data")
	v.Person = person
	if p.cfg.Events == nil {
		v.Data = &dataData{Unavailable: true}
		p.render(w, http.StatusOK, "data", v)
		return
	}
	f, d, err := parseEventFilter(r, v.L, person)
	v.Data = d
	if err != nil {
		v.Error = v.L.errorText(err)
		p.render(w, http.StatusBadRequest, "data", v)
		return
	}
	before, err := parseBefore(r.URL.Query().Get("before"))
	if err != nil {
		v.Error = v.L.T("data.err.cursor")
		p.render(w, http.StatusBadRequest, "data", v)
		return
	}
	events, more, err := p.newestEvents(r.Context(), f, before)
	if err != nil {
		if sesame.ErrorCode(err) == sesame.EINVALID {
			v.Error = v.L.errorText(err)
			p.render(w, http.StatusBadRequest, "data", v)
			return
		}
		p.fail(w, r, v, err)
		return
	}
	disputed, err := p.disputed(r, person)
	if err != nil {
		p.fail(w, r, v, err)
		return
	}
	status, err := p.disputeStatus(r, person)
	if err != nil {
		p.fail(w, r, v, err)
		return
	}
	for _, e := range events {
		at, ok := disputed[e.Key()]
		d.Rows = append(d.Rows, eventRow{Event: e, Kind: v.L.KindName(e.Kind), Fields: eventFields(v.L, e.Payload),
			Disputed: ok, DisputedAt: at, Dispute: status[e.Key()]})
	}
	if more && len(events) > 0 {
		q := r.URL.Query()
		q.Del("cursor")
		q.Set("before", beforeOf(events[len(events)-1]))
		d.Next = "/portal/data?" + q.Encode()
	}
	p.render(w, http.StatusOK, "data", v)
}

// newestEvents returns the newest eventsPerPage events matching f that are
// older than before (nil: the newest of all), newest first, and whether
// older ones remain. The store pages a person's events oldest first, so
// they are read through up to before, keeping only the last page's worth:
// a person has hundreds of events, and memory stays one page.
func (p *Portal) newestEvents(ctx context.Context, f sesame.EventFilter, before *eventPos) ([]sesame.Event, bool, error) {
	if before != nil {
		to := time.Unix(0, before.at+1).UTC()
		if f.To.IsZero() || to.Before(f.To) {
			f.To = to
		}
	}
	f.Limit = 1000
	win := make([]sesame.Event, 0, 2*eventsPerPage) // the latest events read, oldest first
	kept, found := 0, false
read:
	for {
		page, err := p.cfg.Events.Events(ctx, f)
		if err != nil {
			return nil, false, err
		}
		for _, e := range page.Events {
			if before != nil && e.Source == before.source && e.ID == before.id {
				// The events the store lists from here on were on the
				// page before (the order at one instant is the store's,
				// the same on every read).
				found = true
				break read
			}
			if len(win) == cap(win) {
				win = append(win[:0], win[len(win)-eventsPerPage:]...)
			}
			win = append(win, e)
			kept++
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	if before != nil && !found {
		// The event the cursor names has gone (erased): drop its instant
		// rather than show an event twice.
		for len(win) > 0 && win[len(win)-1].OccurredAt.UnixNano() >= before.at {
			win, kept = win[:len(win)-1], kept-1
		}
	}
	start := max(0, len(win)-eventsPerPage)
	out := make([]sesame.Event, 0, len(win)-start)
	for i := len(win) - 1; i >= start; i-- {
		out = append(out, win[i])
	}
	return out, kept > len(out), nil
}

// eventPos is where the next (older) page of My data starts: just before
// the event named, which occurred at at (Unix nanoseconds).
type eventPos struct {
	at         int64
	source, id string
}

// beforeOf is the ?before= value that lists the events older than e.
func beforeOf(e sesame.Event) string {
	return strconv.FormatInt(e.OccurredAt.UnixNano(), 10) + "~" + e.Source + "~" + e.ID
}

func parseBefore(s string) (*eventPos, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.SplitN(s, "~", 3)
	if len(parts) != 3 || !sesame.ValidID(parts[1]) || !sesame.ValidID(parts[2]) {
		return nil, errors.New("bad position")
	}
	at, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return nil, err
	}
	return &eventPos{at: at, source: parts[1], id: parts[2]}, nil
}

func (p *Portal) disputed(r *http.Request, person string) (map[sesame.EventKey]time.Time, error) {
	if p.cfg.Disputes == nil {
		return map[sesame.EventKey]time.Time{}, nil
	}
	return p.cfg.Disputes.DisputedEvents(r.Context(), person)
}

// disputeStatus maps the person's disputed events to their disputes.
func (p *Portal) disputeStatus(r *http.Request, person string) (map[sesame.EventKey]*sesame.Dispute, error) {
	out := map[sesame.EventKey]*sesame.Dispute{}
	if p.cfg.DisputeStatus == nil {
		return out, nil
	}
	ds, err := allDisputes(r.Context(), p.cfg.DisputeStatus, person)
	for i := range ds {
		out[sesame.EventKey{Source: ds[i].Source, ID: ds[i].EventID}] = &ds[i]
	}
	return out, err
}

// dispute marks one of the person's events as disputed.
func (p *Portal) dispute(w http.ResponseWriter, r *http.Request, person string) {
	l := p.locale(r)
	if p.cfg.Disputes == nil {
		p.fail(w, r, nil, userError(sesame.EUNAVAILABLE, l.T("unavailable")))
		return
	}
	key := sesame.EventKey{Source: r.PostFormValue("source"), ID: r.PostFormValue("id")}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if !sesame.ValidID(key.Source) || !sesame.ValidID(key.ID) {
		p.fail(w, r, nil, userError(sesame.EINVALID, l.T("data.err.event")))
		return
	}
	if reason == "" || len(reason) > 1000 {
		p.fail(w, r, nil, userError(sesame.EINVALID, l.T("data.err.reason")))
		return
	}
	if err := p.cfg.Disputes.DisputeEvent(r.Context(), person, key, reason, p.now()); err != nil {
		p.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/portal/data?done=disputed", http.StatusSeeOther)
}

// maxExportEvents bounds the export so one request cannot hold a
// connection for ever; no real person has this many events.
const maxExportEvents = 200_000

// export gives the person everything Sesame holds about them as one JSON
// document (data portability).
func (p *Portal) export(w http.ResponseWriter, r *http.Request, person string) {
	out, err := p.exportData(r.Context(), person)
	if err != nil {
		writeJSONError(w, err)
		p.log.Error("portal: export", "err", err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="sesame-export.json"`)
	writeJSON(w, http.StatusOK, out)
}

// exportData gathers everything Sesame holds about the person, by part.
func (p *Portal) exportData(ctx context.Context, person string) (map[string]any, error) {
	out := map[string]any{"person": person, "exported_at": p.now().UTC()}
	s, err := p.cfg.Scores.LatestScore(ctx, person)
	switch {
	case err == nil:
		out["score"] = s
	case sesame.ErrorCode(err) != sesame.ENOTFOUND:
		return nil, err
	}
	history, err := readPages(1000, func(before int64, n int) ([]sesame.ScorePoint, error) {
		h, err := p.cfg.Scores.HistoryBefore(ctx, person, before, n)
		if sesame.ErrorCode(err) == sesame.ENOTFOUND {
			return nil, nil
		}
		return h, err
	}, func(s sesame.ScorePoint) int64 { return s.Seq })
	if err != nil {
		return nil, err
	}
	out["score_history"] = history
	if err := p.exportRest(ctx, person, out); err != nil {
		return nil, err
	}
	return out, nil
}

// exportRest adds the events, disputes, consents, access log, credentials,
// partners' decisions, badge choices, mail address, notices, contacts,
// sessions and passkeys to out.
func (p *Portal) exportRest(ctx context.Context, person string, out map[string]any) error {
	var err error
	if p.cfg.Events != nil {
		events := []sesame.Event{}
		f := sesame.EventFilter{Person: person, Limit: 1000}
		for len(events) < maxExportEvents {
			page, err := p.cfg.Events.Events(ctx, f)
			if err != nil {
				return err
			}
			events = append(events, page.Events...)
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
		out["events"] = events
	}
	if p.cfg.Record != nil {
		// What the person added to their record, with the events a source
		// vouched for, each marked by the addition it belongs to.
		adds, err := p.cfg.Record.List(ctx, person)
		if err != nil {
			return err
		}
		out["self_added"] = adds
	}
	if p.cfg.Disputes != nil {
		m, err := p.cfg.Disputes.DisputedEvents(ctx, person)
		if err != nil {
			return err
		}
		type dispute struct {
			sesame.EventKey
			DisputedAt time.Time `json:"disputed_at"`
		}
		list := []dispute{}
		for k, at := range m {
			list = append(list, dispute{k, at})
		}
		out["disputes"] = list
	}
	if p.cfg.DisputeStatus != nil {
		ds, err := allDisputes(ctx, p.cfg.DisputeStatus, person)
		if err != nil {
			return err
		}
		out["disputes"] = ds
	}
	if p.cfg.Consents != nil {
		if out["consents"], err = p.cfg.Consents.AllConsents(ctx, person); err != nil {
			return err
		}
		if out["consent_requests"], err = p.cfg.Consents.AllRequests(ctx, person); err != nil {
			return err
		}
	}
	if p.cfg.AccessLog != nil {
		if out["access_log"], err = readPages(1000, func(before int64, n int) ([]AccessEntry, error) {
			return p.cfg.AccessLog.AccessLog(ctx, person, before, n)
		}, func(e AccessEntry) int64 { return e.Seq }); err != nil {
			return err
		}
	}
	if p.cfg.Credentials != nil {
		var creds []credential.Record
		if creds, err = p.cfg.Credentials.List(ctx, person); err != nil {
			return err
		}
		out["credentials"] = creds
	}
	if p.cfg.Decisions != nil {
		if out["decisions"], err = readPages(1000, func(after sesame.Position, n int) ([]*sesame.Decision, error) {
			return p.cfg.Decisions.DecisionsAboutAfter(ctx, person, after, n)
		}, func(d *sesame.Decision) sesame.Position { return sesame.Position{At: d.CreatedAt, ID: d.ID} }); err != nil {
			return err
		}
	}
	if p.cfg.Badges != nil {
		if out["badge_choices"], err = p.cfg.Badges.Badges(ctx, person); err != nil {
			return err
		}
	}
	if p.cfg.MailAddress != nil {
		if out["mail_address"], err = p.cfg.MailAddress.MailAddress(ctx, sesame.PersonRecipient(person)); err != nil {
			return err
		}
	}
	if p.cfg.Notices != nil {
		if out["notices"], err = readPages(1000, func(after sesame.Position, n int) ([]sesame.Notice, error) {
			return p.cfg.Notices.NoticesAfter(ctx, sesame.PersonRecipient(person), after, n)
		}, func(n sesame.Notice) sesame.Position { return sesame.Position{At: n.CreatedAt, ID: n.ID} }); err != nil {
			return err
		}
	}
	if p.cfg.Account != nil {
		a, err := p.cfg.Account.Export(ctx, person)
		if err != nil {
			return err
		}
		out["contacts"], out["sessions"], out["passkeys"] = a.Contacts, a.Sessions, a.Passkeys
	}
	return nil
}
