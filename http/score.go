package http

import (
	"context"
	"encoding/json"
	nethttp "net/http"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/score"
)

// registerScores: a person's score, history, what-if and tips, read by the
// person themselves or an operator (partners read through /v1/partner with
// a consent); and the operators' model registry and rescore status.
func (s *Server) registerScores(mux *nethttp.ServeMux) {
	if s.Scores == nil {
		return
	}
	s.handle(mux, "GET /v1/people/{id}/score", s.handlePersonScore)
	s.handle(mux, "GET /v1/people/{id}/score/history", s.handleScoreHistory)
	s.handle(mux, "POST /v1/people/{id}/score/what-if", s.handleWhatIf)
	s.handle(mux, "GET /v1/people/{id}/tips", s.handleTips)
	s.handle(mux, "GET /v1/operator/models", s.handleModels)
	s.handle(mux, "POST /v1/operator/models/{version}/activate", s.handleActivateModel)
	s.handle(mux, "GET /v1/operator/rescore", s.handleRescoreStatus)
	s.handle(mux, "POST /v1/operator/rescore", s.handleStartRescore)
}

// scoreReader authorises a read of person's score data: the person
// themselves, or an operator, whose look is first written to the person's
// access log (consent.Gate.OperatorRead; this returns only once the entry
// is committed and synced). Everyone else is refused before any read: this is the
// consent check's place for these routes. Without an access log to write
// to, operators may not read at all: every access is logged.
func (s *Server) scoreReader(r *nethttp.Request, person, what string) error {
	return s.scoreRead(r, person, what, nil)
}

// scoreRead authorises a read of person's score data as scoreReader does
// and runs read, the read itself (nil: none). An operator's read runs
// while the operator's access entry is written, so that the request waits
// for the entry's commit and WAL flush, not for that and the read one
// after the other. scoreRead returns only once both are done, the entry's
// error first: if the entry cannot be written, the caller answers that
// error and drops whatever read read. Without an access log an operator
// reads nothing.
func (s *Server) scoreRead(r *nethttp.Request, person, what string, read func(ctx context.Context) error) error {
	p, err := s.authorize(r, RoleOperator, RolePerson)
	if err != nil {
		return err
	}
	if p.Role == RolePerson {
		if p.Name != person {
			return sesame.Errorf(sesame.EFORBIDDEN, "a person may read only their own score; partners use /v1/partner/people/{ref}/score with a consent")
		}
		if read == nil {
			return nil
		}
		return read(r.Context())
	}
	if t := trustOf(s); read != nil && t != nil && t.Gate != nil {
		return t.Gate.OperatorReadWhile(r.Context(), p.Name, person, what, read)
	}
	return s.operatorRead(r, p.Name, person, what)
}

// operatorRead writes an operator's read of person's data to the person's
// access log and returns once the entry is durable; without an access log
// operators may not read at all.
func (s *Server) operatorRead(r *nethttp.Request, operator, person, what string) error {
	t := trustOf(s)
	if t == nil || t.Gate == nil {
		return sesame.Errorf(sesame.EUNAVAILABLE, "operators' reads of people's data are written to the person's access log, and this server has none configured")
	}
	return t.Gate.OperatorRead(r.Context(), operator, person, what)
}

func personID(r *nethttp.Request) (string, error) {
	id := r.PathValue("id")
	if !sesame.ValidID(id) {
		return "", &sesame.Error{Code: sesame.EINVALID, Message: "the person id in the path is not a valid id",
			Details: []sesame.FieldError{{Field: "id", Reason: "must be 1–128 characters of letters, digits and . _ : @ -"}}}
	}
	return id, nil
}

func (s *Server) handlePersonScore(w nethttp.ResponseWriter, r *nethttp.Request) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	lang := score.PreferredLanguage(r.Header.Get("Accept-Language"))
	var sc *sesame.Score
	var b []byte
	if err := s.scoreRead(r, id, "score", func(ctx context.Context) (err error) {
		if lang != "en" {
			// Stored bodies are English: another language is rendered from
			// the reasons' and tips' codes and values.
			sc, err = s.Scores.LatestScore(ctx, id)
			return err
		}
		b, err = s.Scores.Scores.LatestScoreJSON(ctx, id)
		return err
	}); err != nil {
		return err
	}
	w.Header().Set("Vary", "Accept-Language")
	if sc != nil {
		writeJSON(w, nethttp.StatusOK, score.Localized(sc, lang))
		return nil
	}
	writeBodyLine(w, nethttp.StatusOK, "application/json", b)
	return nil
}

func (s *Server) handleScoreHistory(w nethttp.ResponseWriter, r *nethttp.Request) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	p, bad := pageQuery(r.URL.Query())
	if err := invalidQuery(bad); err != nil {
		return err
	}
	// The store starts at the cursor's entry and reads one more than the
	// page, which says whether a next page exists.
	var before int64
	if p.After {
		before = max(p.Cursor.Seq, 1)
	}
	var h []sesame.ScorePoint
	if err := s.scoreRead(r, id, "score history", func(ctx context.Context) (err error) {
		h, err = s.Scores.HistoryBefore(ctx, id, before, p.Limit+1)
		return err
	}); err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, historyPage(id, h, p))
	return nil
}

// scoreHistoryPage is one page of a person's score history, newest first.
type scoreHistoryPage struct {
	Person  string              `json:"person"`
	History []sesame.ScorePoint `json:"history"`
	Next    string              `json:"next,omitempty"`
}

// historyPage makes the page p of h, the entries after the cursor's
// (newest first): at most p.Limit, and the cursor of the next page.
func historyPage(person string, h []sesame.ScorePoint, p page) scoreHistoryPage {
	out := scoreHistoryPage{Person: person, History: h}
	if len(h) > p.Limit {
		out.History = h[:p.Limit]
		last := out.History[p.Limit-1]
		out.Next = sesame.Cursor{OccurredAt: last.AsOf.UnixNano(), Seq: last.Seq}.Encode()
	}
	if out.History == nil {
		out.History = []sesame.ScorePoint{}
	}
	return out
}

// whatIfRequest changes features by name, or adds hypothetical events;
// nothing is stored either way.
type whatIfRequest struct {
	Features map[string]float64 `json:"features"`
	Events   []json.RawMessage  `json:"events"`
}

type whatIfAnswer struct {
	Person     string                   `json:"person"`
	Current    *sesame.Score            `json:"current"`
	WhatIf     *sesame.Score            `json:"what_if"`
	Delta      int                      `json:"delta"`
	Dimensions map[sesame.Dimension]int `json:"dimension_deltas"`
}

func (s *Server) handleWhatIf(w nethttp.ResponseWriter, r *nethttp.Request) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	if err := s.scoreReader(r, id, "what-if"); err != nil {
		return err
	}
	var in whatIfRequest
	if err := decodeStrict(w, r, &in); err != nil {
		return err
	}
	if len(in.Events) > 100 {
		return sesame.Errorf(sesame.EINVALID, "at most 100 hypothetical events per what-if")
	}
	var now, then *sesame.Score
	if len(in.Events) > 0 {
		events := make([]sesame.Event, len(in.Events))
		for i, raw := range in.Events {
			e, err := sesame.DecodeEvent(raw, s.Now())
			if err != nil {
				return err
			}
			if e.Person != id {
				return sesame.Errorf(sesame.EINVALID, "events[%d].person must be %q, the person of the path", i, id)
			}
			events[i] = e
		}
		now, then, err = s.Scores.WhatIfEvents(r.Context(), id, events)
	} else {
		now, then, err = s.Scores.WhatIf(r.Context(), id, in.Features)
	}
	if err != nil {
		return err
	}
	lang := score.PreferredLanguage(r.Header.Get("Accept-Language"))
	w.Header().Set("Vary", "Accept-Language")
	writeJSON(w, nethttp.StatusOK, whatIfDelta(id, score.Localized(now, lang), score.Localized(then, lang)))
	return nil
}

func whatIfDelta(id string, now, then *sesame.Score) whatIfAnswer {
	a := whatIfAnswer{Person: id, Current: now, WhatIf: then, Delta: then.Score - now.Score, Dimensions: map[sesame.Dimension]int{}}
	for i, d := range then.Dimensions {
		if i < len(now.Dimensions) {
			a.Dimensions[d.Dimension] = d.Score - now.Dimensions[i].Score
		}
	}
	return a
}

func (s *Server) handleTips(w nethttp.ResponseWriter, r *nethttp.Request) error {
	id, err := personID(r)
	if err != nil {
		return err
	}
	var sc *sesame.Score
	if err := s.scoreRead(r, id, "tips", func(ctx context.Context) (err error) {
		sc, err = s.Scores.LatestScore(ctx, id)
		return err
	}); err != nil {
		return err
	}
	sc = score.Localized(sc, score.PreferredLanguage(r.Header.Get("Accept-Language")))
	w.Header().Set("Vary", "Accept-Language")
	writeJSON(w, nethttp.StatusOK, map[string]any{"person": id, "score": sc.Score, "model_version": sc.ModelVersion, "tips": nonNil(sc.Tips)})
	return nil
}

func nonNil(t []sesame.Tip) []sesame.Tip {
	if t == nil {
		return []sesame.Tip{}
	}
	return t
}

func (s *Server) handleModels(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if _, err := s.authorize(r, RoleOperator); err != nil {
		return err
	}
	ms, err := s.Scores.Models.Models(r.Context())
	if err != nil {
		return err
	}
	p, err := pageList(r.URL.Query(), ms, defaultPageLimit, newestFirst,
		func(m sesame.ModelInfo) listKey { return timeKey(m.CreatedAt, m.Version) })
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, listAnswer("models", p))
	return nil
}

func (s *Server) handleActivateModel(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if _, err := s.authorize(r, RoleOperator); err != nil {
		return err
	}
	v := r.PathValue("version")
	// The rescore outlives the request: it runs in the background.
	if err := s.Scores.Activate(context.WithoutCancel(r.Context()), v); err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusAccepted, s.Scores.Status())
	return nil
}

func (s *Server) handleRescoreStatus(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if _, err := s.authorize(r, RoleOperator); err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, s.Scores.Status())
	return nil
}

func (s *Server) handleStartRescore(w nethttp.ResponseWriter, r *nethttp.Request) error {
	if _, err := s.authorize(r, RoleOperator); err != nil {
		return err
	}
	if _, err := s.Scores.Engine(r.Context()); err != nil {
		return err
	}
	if !s.Scores.StartRescore(context.WithoutCancel(r.Context())) {
		return sesame.Errorf(sesame.ECONFLICT, "a rescore is already running; see GET /v1/operator/rescore")
	}
	writeJSON(w, nethttp.StatusAccepted, s.Scores.Status())
	return nil
}
