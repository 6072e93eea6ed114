// Package client is a Go client of Sesame's HTTP API (docs/api.md,
// /openapi.json) for partners, sources and operators: it sends the bearer
// token, pages through lists with their cursors, and returns the API's
// errors as *Error values with their code, message and field details.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// Client calls one Sesame server with one credential.
type Client struct {
	// BaseURL is the server's address, e.g. http://127.0.0.1:8080.
	BaseURL string
	// Token is the bearer token: an operator or source token, a partner's
	// API key (ssk_…) or a person's session token.
	Token string
	// HTTP is the client used; nil means one with a 30 s timeout.
	HTTP *http.Client
}

// New returns a client of the server at baseURL with token.
func New(baseURL, token string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Token: token}
}

// Error is an error answer of the API in its one shape.
type Error struct {
	Status    int                 `json:"-"`
	Code      string              `json:"code"` // invalid, not_found, unauthorized, forbidden, conflict, …
	Message   string              `json:"message"`
	Details   []sesame.FieldError `json:"details,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("sesame: %d %s: %s (request %s)", e.Status, e.Code, e.Message, e.RequestID)
}

// IngestResult is the answer to a batch of events: the counts, and one line
// for each event that was not accepted.
type IngestResult struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	Conflicts  int `json:"conflicts"`
	Rejected   int `json:"rejected"`
	Erased     int `json:"erased"`
	Results    []struct {
		Line   int                 `json:"line"`
		Source string              `json:"source"`
		ID     string              `json:"id"`
		Status string              `json:"status"`
		Field  string              `json:"field,omitempty"`
		Reason string              `json:"reason,omitempty"`
		Detail []sesame.FieldError `json:"details,omitempty"`
	} `json:"results"`
}

// Ingest sends events as one NDJSON batch (POST /v1/events). Sending the
// same batch again is safe: stored events come back as duplicates.
func (c *Client) Ingest(ctx context.Context, events []sesame.Event) (*IngestResult, error) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	for i := range events {
		if err := enc.Encode(&events[i]); err != nil {
			return nil, err
		}
	}
	var out IngestResult
	return &out, c.do(ctx, "POST", "/v1/events", nil, "application/x-ndjson", &body, &out)
}

// EventQuery filters a person's events; the zero value means all of them.
type EventQuery struct {
	Kinds    []sesame.Kind
	From, To time.Time
	// PageSize is the events asked for per request (1–1000; 0: the server's 100).
	PageSize int
}

// Events returns every event of person matching q, oldest first, reading
// page after page (GET /v1/people/{id}/events).
func (c *Client) Events(ctx context.Context, person string, q EventQuery) ([]sesame.Event, error) {
	v := url.Values{}
	if len(q.Kinds) > 0 {
		kinds := make([]string, len(q.Kinds))
		for i, k := range q.Kinds {
			kinds[i] = string(k)
		}
		v.Set("kind", strings.Join(kinds, ","))
	}
	if !q.From.IsZero() {
		v.Set("from", q.From.Format(time.RFC3339Nano))
	}
	if !q.To.IsZero() {
		v.Set("to", q.To.Format(time.RFC3339Nano))
	}
	var all []sesame.Event
	err := c.pages(ctx, "/v1/people/"+url.PathEscape(person)+"/events", v, q.PageSize, func(raw []byte) (string, error) {
		var page sesame.EventPage
		if err := json.Unmarshal(raw, &page); err != nil {
			return "", err
		}
		all = append(all, page.Events...)
		return page.Next, nil
	})
	return all, err
}

// Score returns a person's latest score (GET /v1/people/{id}/score).
func (c *Client) Score(ctx context.Context, person string) (*sesame.Score, error) {
	var sc sesame.Score
	return &sc, c.do(ctx, "GET", "/v1/people/"+url.PathEscape(person)+"/score", nil, "", nil, &sc)
}

// AccessHead returns the access log's latest signed head (GET
// /v1/access-log/heads, public), or nil before the first: what an auditor
// keeps to check the log later (sesame audit verify --heads).
func (c *Client) AccessHead(ctx context.Context) (*sesame.SignedHead, error) {
	var out struct {
		Head *sesame.SignedHead `json:"head"`
	}
	err := c.do(ctx, "GET", "/v1/access-log/heads", url.Values{"limit": {"1"}}, "", nil, &out)
	return out.Head, err
}

// ScoreHistory returns up to limit of a person's past scores, newest first
// (0: all), reading page after page.
func (c *Client) ScoreHistory(ctx context.Context, person string, limit int) ([]sesame.ScorePoint, error) {
	var all []sesame.ScorePoint
	pageSize := 1000
	if limit > 0 && limit < pageSize {
		pageSize = limit
	}
	err := c.pages(ctx, "/v1/people/"+url.PathEscape(person)+"/score/history", url.Values{}, pageSize, func(raw []byte) (string, error) {
		var page struct {
			History []sesame.ScorePoint `json:"history"`
			Next    string              `json:"next"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return "", err
		}
		all = append(all, page.History...)
		if limit > 0 && len(all) >= limit {
			all = all[:limit]
			return "", nil
		}
		return page.Next, nil
	})
	return all, err
}

// Decision is a partner's decision on one product for one person.
type Decision struct {
	ID            string                `json:"id"`
	Person        string                `json:"person"`
	Product       string                `json:"product"`
	Result        sesame.DecisionResult `json:"result"`
	PolicyVersion string                `json:"policy_version"`
	ModelVersion  string                `json:"model_version"`
	Consent       string                `json:"consent"`
	CreatedAt     time.Time             `json:"created_at"`
}

// Decide asks for a decision on product for a person who has consented
// (POST /v1/partner/decisions); requested is the amount asked for, or 0.
func (c *Client) Decide(ctx context.Context, person, product string, requested float64) (*Decision, error) {
	body, _ := json.Marshal(map[string]any{"person": person, "product": product, "requested": requested})
	var d Decision
	return &d, c.do(ctx, "POST", "/v1/partner/decisions", nil, "application/json", bytes.NewReader(body), &d)
}

// pages calls GET path with limit and cursor until read returns no next cursor.
func (c *Client) pages(ctx context.Context, path string, q url.Values, pageSize int, read func([]byte) (string, error)) error {
	if pageSize > 0 {
		q.Set("limit", strconv.Itoa(pageSize))
	}
	for {
		var raw json.RawMessage
		if err := c.do(ctx, "GET", path, q, "", nil, &raw); err != nil {
			return err
		}
		next, err := read(raw)
		if err != nil || next == "" {
			return err
		}
		q.Set("cursor", next)
	}
}

func (c *Client) do(ctx context.Context, method, path string, q url.Values, contentType string, body io.Reader, out any) error {
	u := c.BaseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 400 {
		var e struct {
			Error *Error `json:"error"`
		}
		if json.Unmarshal(raw, &e) != nil || e.Error == nil {
			return &Error{Status: resp.StatusCode, Code: "http", Message: strings.TrimSpace(string(raw))}
		}
		e.Error.Status = resp.StatusCode
		return e.Error
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, out)
}
