package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/sesame-credit/sesame"
)

// The partner API: asking for consent, reading what a consent allows, and
// asking for decisions. The token is the partner's API key (ssk_…).

// ConsentRequestInput is what a partner asks a person to consent to.
type ConsentRequestInput struct {
	Person       string         `json:"person,omitempty"` // who is expected to answer; "": whoever logs in
	Purpose      sesame.Purpose `json:"purpose"`
	Scope        sesame.Scope   `json:"scope"`
	DurationDays int            `json:"duration_days,omitempty"`
	RedirectURI  string         `json:"redirect_uri"` // one of the partner's registered URIs
	State        string         `json:"state,omitempty"`
	// Thresholds (scope threshold): the scores the partner will ask about;
	// or Product, whose policy's cut-offs are the thresholds.
	Thresholds []int  `json:"thresholds,omitempty"`
	Product    string `json:"product,omitempty"`
}

// ConsentRequest is a consent request as its partner sees it: send the
// person to ApprovalURL while it is pending; Consent is set once approved.
type ConsentRequest struct {
	ID          string         `json:"id"`
	Status      string         `json:"status"` // pending, approved, declined, expired
	Person      string         `json:"person,omitempty"`
	Purpose     sesame.Purpose `json:"purpose"`
	Scope       sesame.Scope   `json:"scope"`
	Thresholds  []int          `json:"thresholds,omitempty"`
	RedirectURI string         `json:"redirect_uri"`
	State       string         `json:"state,omitempty"`
	ApprovalURL string         `json:"approval_url,omitempty"`
	ExpiresAt   time.Time      `json:"expires_at"`
	AnsweredAt  *time.Time     `json:"answered_at,omitempty"`
	Consent     string         `json:"consent,omitempty"`
}

// RequestConsent asks a person for consent (POST /v1/partner/consent-requests).
func (c *Client) RequestConsent(ctx context.Context, in ConsentRequestInput) (*ConsentRequest, error) {
	var out ConsentRequest
	return &out, c.do(ctx, "POST", "/v1/partner/consent-requests", nil, "application/json", jsonBody(in), &out)
}

// ConsentRequest returns one of the partner's consent requests, to poll
// its answer (GET /v1/partner/consent-requests/{id}).
func (c *Client) ConsentRequest(ctx context.Context, id string) (*ConsentRequest, error) {
	var out ConsentRequest
	return &out, c.do(ctx, "GET", "/v1/partner/consent-requests/"+url.PathEscape(id), nil, "", nil, &out)
}

// PartnerScore is a person's score as a partner's consent lets it see it:
// score and band for scope score; dimensions and reasons too for full.
type PartnerScore struct {
	Person          string                  `json:"person"`
	Status          string                  `json:"status"`
	Score           int                     `json:"score,omitempty"`
	Band            sesame.Band             `json:"band,omitempty"`
	ModelVersion    string                  `json:"model_version,omitempty"`
	AsOf            *time.Time              `json:"as_of,omitempty"`
	Scope           sesame.Scope            `json:"scope"`
	Consent         string                  `json:"consent"`
	Dimensions      []sesame.DimensionScore `json:"dimensions,omitempty"`
	Reasons         []sesame.Reason         `json:"reasons,omitempty"`
	SelfAdded       []sesame.SelfAdded      `json:"self_added,omitempty"`
	SelfAddedPoints int                     `json:"self_added_points,omitempty"`
	Disputed        bool                    `json:"disputed,omitempty"`
}

// PartnerScore reads a consenting person's score; every read is written to
// the person's access log (GET /v1/partner/people/{ref}/score).
func (c *Client) PartnerScore(ctx context.Context, person string) (*PartnerScore, error) {
	var out PartnerScore
	return &out, c.do(ctx, "GET", "/v1/partner/people/"+url.PathEscape(person)+"/score", nil, "", nil, &out)
}

// Threshold is the answer to "is the person's score at least Min?".
type Threshold struct {
	Person   string `json:"person"`
	Min      int    `json:"min"`
	Meets    bool   `json:"meets"`
	Disputed bool   `json:"disputed,omitempty"`
}

// Threshold asks whether a consenting person's score is at least min, the
// narrowest read (GET /v1/partner/people/{ref}/threshold?min=).
func (c *Client) Threshold(ctx context.Context, person string, min int) (*Threshold, error) {
	var out Threshold
	q := url.Values{"min": {strconv.Itoa(min)}}
	return &out, c.do(ctx, "GET", "/v1/partner/people/"+url.PathEscape(person)+"/threshold", q, "", nil, &out)
}

// Decision returns one of the partner's decisions, while the person's
// consent lasts (GET /v1/partner/decisions/{id}).
func (c *Client) Decision(ctx context.Context, id string) (*Decision, error) {
	var out Decision
	return &out, c.do(ctx, "GET", "/v1/partner/decisions/"+url.PathEscape(id), nil, "", nil, &out)
}

// Product is a product a partner may ask decisions on.
type Product struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Purpose       sesame.Purpose `json:"purpose"`
	Description   string         `json:"description,omitempty"`
	PolicyVersion string         `json:"policy_version"`
}

// Products returns every product, reading page after page
// (GET /v1/partner/products).
func (c *Client) Products(ctx context.Context) ([]Product, error) {
	return list[Product](ctx, c, "/v1/partner/products", "products")
}

// Partners returns every partner, for operators (GET /v1/operator/partners).
func (c *Client) Partners(ctx context.Context) ([]sesame.Partner, error) {
	return list[sesame.Partner](ctx, c, "/v1/operator/partners", "partners")
}

// Models returns every stored model version, newest first, for operators
// (GET /v1/operator/models).
func (c *Client) Models(ctx context.Context) ([]sesame.ModelInfo, error) {
	return list[sesame.ModelInfo](ctx, c, "/v1/operator/models", "models")
}

// IngestNDJSON sends events already encoded one JSON object a line, as a
// source that writes them itself does (POST /v1/events).
func (c *Client) IngestNDJSON(ctx context.Context, body io.Reader) (*IngestResult, error) {
	var out IngestResult
	return &out, c.do(ctx, "POST", "/v1/events", nil, "application/x-ndjson", body, &out)
}

// Ready reports whether the server answers /readyz with 200: its store
// answers and its migrations are applied.
func (c *Client) Ready(ctx context.Context) error {
	return c.do(ctx, "GET", "/readyz", nil, "", nil, nil)
}

// list reads every page of a list endpoint whose items are under name.
func list[T any](ctx context.Context, c *Client, path, name string) ([]T, error) {
	var all []T
	err := c.pages(ctx, path, url.Values{}, maxPage, func(raw []byte) (string, error) {
		var page map[string]json.RawMessage
		if err := json.Unmarshal(raw, &page); err != nil {
			return "", err
		}
		var items []T
		if err := json.Unmarshal(page[name], &items); err != nil {
			return "", err
		}
		all = append(all, items...)
		var next string
		if raw, ok := page["next"]; ok {
			if err := json.Unmarshal(raw, &next); err != nil {
				return "", err
			}
		}
		return next, nil
	})
	return all, err
}

// maxPage is the largest page the API gives: fewest round trips.
const maxPage = 1000

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v) // the request types here always marshal
	return bytes.NewReader(b)
}
