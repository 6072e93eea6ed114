package http

import (
	nethttp "net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/consent"
	"github.com/sesame-credit/sesame/score"
)

// registerPartnerAPI: what partners read about people, each read behind
// the consent gate (consent check, then an access entry, then the read).
func (s *Server) registerPartnerAPI(mux *nethttp.ServeMux) {
	t := trustOf(s)
	if t == nil {
		return
	}
	s.handle(mux, "GET /v1/partner/people/{ref}/score", t.trusted(s.handlePartnerScore))
	s.handle(mux, "GET /v1/partner/people/{ref}/threshold", t.trusted(s.handlePartnerThreshold))
}

// partnerScore is a score as a partner with a score or full consent sees it.
type partnerScore struct {
	Person       string                  `json:"person"`
	Status       string                  `json:"status"`
	Score        int                     `json:"score,omitempty"`
	Band         sesame.Band             `json:"band,omitempty"`
	ModelVersion string                  `json:"model_version,omitempty"`
	AsOf         *time.Time              `json:"as_of,omitempty"`
	Scope        sesame.Scope            `json:"scope"`
	Consent      string                  `json:"consent"`
	Dimensions   []sesame.DimensionScore `json:"dimensions,omitempty"` // full scope only
	Reasons      []sesame.Reason         `json:"reasons,omitempty"`    // full scope only
	// SelfAdded: what in the score the person added to their own record.
	SelfAdded       []sesame.SelfAdded `json:"self_added,omitempty"`
	SelfAddedPoints int                `json:"self_added_points,omitempty"`
	// Disputed says the person disputes one of their records and the
	// source has not answered yet (FCRA §611: the file is marked).
	Disputed bool `json:"disputed,omitempty"`
}

// personRef reads {ref}: the person's id (docs/partners.md).
func personRef(r *nethttp.Request) (string, error) {
	ref := r.PathValue("ref")
	if !sesame.ValidID(ref) {
		return "", sesame.Errorf(sesame.EINVALID, "person reference: use the person's id")
	}
	return ref, nil
}

func (s *Server) handlePartnerScore(w nethttp.ResponseWriter, r *nethttp.Request) error {
	t := trustOf(s)
	partner, err := s.partner(w, r, t)
	if err != nil {
		return err
	}
	person, err := personRef(r)
	if err != nil {
		return err
	}
	sc, c, err := t.Gate.Score(r.Context(), consent.Read{Partner: partner.ID, Person: person, Scope: sesame.ScopeScore, Action: consent.ActionScoreRead, Note: "score"})
	if err != nil {
		return err
	}
	out := partnerScore{Person: person, Status: sc.Status, Scope: c.Scope, Consent: c.ID}
	if out.Disputed, err = s.disputeOpen(r.Context(), person); err != nil {
		return err
	}
	if sc.Status == sesame.StatusScored {
		out.Score, out.Band, out.ModelVersion = sc.Score, sc.Band, sc.ModelVersion
		out.SelfAdded, out.SelfAddedPoints = sc.SelfAdded, sc.SelfAddedPoints
		asOf := sc.AsOf
		out.AsOf = &asOf
		if c.Scope == sesame.ScopeFull {
			loc := score.Localized(&sesame.Score{Reasons: sc.Reasons}, score.PreferredLanguage(r.Header.Get("Accept-Language")))
			out.Dimensions, out.Reasons = sc.Dimensions, loc.Reasons
			w.Header().Set("Vary", "Accept-Language")
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, nethttp.StatusOK, out)
	return nil
}

// thresholdAnswer is all a threshold check says: yes or no. A person
// without a score, or without enough history, is a plain "no" in exactly
// the same shape, so nothing but the answer can be learnt from it.
type thresholdAnswer struct {
	Person   string `json:"person"`
	Min      int    `json:"min"`
	Meets    bool   `json:"meets"`
	Disputed bool   `json:"disputed,omitempty"` // a dispute of the person's records is open
}

var minPattern = regexp.MustCompile(`^[0-9]{3}$`)

// thresholdMin reads ?min=: an integer on the score scale.
func thresholdMin(r *nethttp.Request) (int, error) {
	v := r.URL.Query()["min"]
	if len(v) != 1 || !minPattern.MatchString(v[0]) {
		return 0, sesame.Errorf(sesame.EINVALID, "min: give one whole number between %d and %d, e.g. ?min=650", sesame.MinScore, sesame.MaxScore)
	}
	n, _ := strconv.Atoi(v[0])
	if n < sesame.MinScore || n > sesame.MaxScore {
		return 0, sesame.Errorf(sesame.EINVALID, "min: give one whole number between %d and %d, e.g. ?min=650", sesame.MinScore, sesame.MaxScore)
	}
	return n, nil
}

func (s *Server) handlePartnerThreshold(w nethttp.ResponseWriter, r *nethttp.Request) error {
	t := trustOf(s)
	partner, err := s.partner(w, r, t)
	if err != nil {
		return err
	}
	person, err := personRef(r)
	if err != nil {
		return err
	}
	min, err := thresholdMin(r)
	if err != nil {
		return err
	}
	// Only the thresholds the consent names are answered: any other is a
	// 403 the person sees in their access log, so bisecting the score is
	// refused and visible.
	sc, _, err := t.Gate.Score(r.Context(), consent.Read{Partner: partner.ID, Person: person, Scope: sesame.ScopeThreshold, Threshold: min,
		Action: consent.ActionThresholdCheck, Note: "is the score at least " + strconv.Itoa(min) + "?"})
	if err != nil {
		return err
	}
	meets := sc.Status == sesame.StatusScored && sc.Score >= min
	disputed, err := s.disputeOpen(r.Context(), person)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, nethttp.StatusOK, thresholdAnswer{Person: person, Min: min, Meets: meets, Disputed: disputed})
	return nil
}
