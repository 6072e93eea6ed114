package sqlrow

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
)

// PartnerColumns are a partner's columns, in the order of PartnerValues
// and ScanPartner.
const PartnerColumns = `id, name, redirect_uris, rate, burst, created_at, disabled_at`

// PartnerValues are p's values for PartnerColumns.
func PartnerValues(p *sesame.Partner) []any {
	uris, _ := json.Marshal(NonNil(p.RedirectURIs))
	return []any{p.ID, p.Name, string(uris), p.RatePerSecond, p.Burst, NS(p.CreatedAt), NullNS(p.DisabledAt)}
}

// ScanPartner reads a row of PartnerColumns.
func ScanPartner(row Row) (*sesame.Partner, error) {
	var p sesame.Partner
	var uris string
	var created int64
	var disabled *int64
	if err := row.Scan(&p.ID, &p.Name, &uris, &p.RatePerSecond, &p.Burst, &created, &disabled); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(uris), &p.RedirectURIs); err != nil {
		return nil, fmt.Errorf("partner %s redirect uris: %w", p.ID, err)
	}
	p.CreatedAt, p.DisabledAt = FromNS(created), FromNullNS(disabled)
	return &p, nil
}

// KeyColumns are a partner key's columns, in the order of KeyValues and
// ScanKey.
const KeyColumns = `id, partner, hash, created_at, expires_at, revoked_at`

// KeyValues are k's values for KeyColumns.
func KeyValues(k *sesame.PartnerKey) []any {
	return []any{k.ID, k.Partner, k.Hash, NS(k.CreatedAt), NullNS(k.ExpiresAt), NullNS(k.RevokedAt)}
}

// ScanKey reads a row of KeyColumns.
func ScanKey(row Row) (*sesame.PartnerKey, error) {
	var k sesame.PartnerKey
	var created int64
	var expires, revoked *int64
	if err := row.Scan(&k.ID, &k.Partner, &k.Hash, &created, &expires, &revoked); err != nil {
		return nil, err
	}
	k.CreatedAt, k.ExpiresAt, k.RevokedAt = FromNS(created), FromNullNS(expires), FromNullNS(revoked)
	return &k, nil
}

// ConsentColumns are a consent's columns, in the order of ConsentValues
// and ScanConsent.
const ConsentColumns = `id, person, partner, purpose, scope, granted_at, expires_at, revoked_at, request, thresholds`

// ConsentValues are c's values for ConsentColumns.
func ConsentValues(c *sesame.Consent) []any {
	return []any{c.ID, c.Person, c.Partner, string(c.Purpose), string(c.Scope), NS(c.GrantedAt), NS(c.ExpiresAt), NullNS(c.RevokedAt),
		c.Request, sesame.FormatThresholds(c.Thresholds)}
}

// ScanConsent reads a row of ConsentColumns.
func ScanConsent(row Row) (*sesame.Consent, error) {
	var c sesame.Consent
	var granted, expires int64
	var revoked *int64
	var purpose, scope, thresholds string
	if err := row.Scan(&c.ID, &c.Person, &c.Partner, &purpose, &scope, &granted, &expires, &revoked, &c.Request, &thresholds); err != nil {
		return nil, err
	}
	var err error
	if c.Thresholds, err = sesame.ParseThresholds(thresholds); err != nil {
		return nil, err
	}
	c.Purpose, c.Scope = sesame.Purpose(purpose), sesame.Scope(scope)
	c.GrantedAt, c.ExpiresAt, c.RevokedAt = FromNS(granted), FromNS(expires), FromNullNS(revoked)
	return &c, nil
}

// RequestColumns are a consent request's columns, in the order of
// RequestValues and ScanRequest.
const RequestColumns = `id, partner, person, purpose, scope, duration_ns, redirect_uri, state, status, created_at, expires_at, answered_at, answered_by, consent, thresholds`

// RequestValues are r's values for RequestColumns.
func RequestValues(r *sesame.ConsentRequest) []any {
	return []any{r.ID, r.Partner, r.Person, string(r.Purpose), string(r.Scope), int64(r.Duration), r.RedirectURI, r.State, r.Status,
		NS(r.CreatedAt), NS(r.ExpiresAt), NullNS(r.AnsweredAt), r.AnsweredBy, r.Consent, sesame.FormatThresholds(r.Thresholds)}
}

// ScanRequest reads a row of RequestColumns.
func ScanRequest(row Row) (*sesame.ConsentRequest, error) {
	var r sesame.ConsentRequest
	var purpose, scope, thresholds string
	var dur, created, expires int64
	var answered *int64
	if err := row.Scan(&r.ID, &r.Partner, &r.Person, &purpose, &scope, &dur, &r.RedirectURI, &r.State, &r.Status,
		&created, &expires, &answered, &r.AnsweredBy, &r.Consent, &thresholds); err != nil {
		return nil, err
	}
	var err error
	if r.Thresholds, err = sesame.ParseThresholds(thresholds); err != nil {
		return nil, err
	}
	r.Purpose, r.Scope, r.Duration = sesame.Purpose(purpose), sesame.Scope(scope), time.Duration(dur)
	r.CreatedAt, r.ExpiresAt, r.AnsweredAt = FromNS(created), FromNS(expires), FromNullNS(answered)
	return &r, nil
}

// ProductColumns are a policy version's columns as ScanProduct reads them.
const ProductColumns = `version, product, name, purpose, description, source`

// ScanProduct reads a row of ProductColumns.
func ScanProduct(row Row) (*sesame.Product, error) {
	var p sesame.Product
	var purpose string
	if err := row.Scan(&p.PolicyVersion, &p.ID, &p.Name, &purpose, &p.Description, &p.Policy); err != nil {
		return nil, err
	}
	p.Purpose = sesame.Purpose(purpose)
	return &p, nil
}

// DecisionColumns are a decision's columns, in the order of DecisionValues
// and ScanDecision.
const DecisionColumns = `id, partner, person, product, policy_version, model_version, consent, input, result, created_at`

// DecisionValues are d's values for DecisionColumns; the result is stored
// as d.Raw when set, so that a replay compares the very bytes decided.
func DecisionValues(d *sesame.Decision) ([]any, error) {
	in, err := json.Marshal(d.Input)
	if err != nil {
		return nil, err
	}
	res := d.Raw
	if res == nil {
		if res, err = json.Marshal(d.Result); err != nil {
			return nil, err
		}
	}
	return []any{d.ID, d.Partner, d.Person, d.Product, d.PolicyVersion, d.ModelVersion, d.Consent, string(in), string(res), NS(d.CreatedAt)}, nil
}

// ScanDecision reads a row of DecisionColumns.
func ScanDecision(row Row) (*sesame.Decision, error) {
	var d sesame.Decision
	var in, res string
	var created int64
	if err := row.Scan(&d.ID, &d.Partner, &d.Person, &d.Product, &d.PolicyVersion, &d.ModelVersion, &d.Consent, &in, &res, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(in), &d.Input); err != nil {
		return nil, fmt.Errorf("decision %s input: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(res), &d.Result); err != nil {
		return nil, fmt.Errorf("decision %s result: %w", d.ID, err)
	}
	d.Raw = json.RawMessage(res)
	d.CreatedAt = FromNS(created)
	return &d, nil
}

// DisputeColumns are a dispute's columns as ScanDispute reads them.
const DisputeColumns = `source, id, person, reason, evidence, status, created_at, deadline, answered_at, note`

// ScanDispute reads a row of DisputeColumns.
func ScanDispute(row Row) (sesame.Dispute, error) {
	var d sesame.Dispute
	var status string
	var opened, deadline int64
	var answered *int64
	if err := row.Scan(&d.Source, &d.EventID, &d.Person, &d.Reason, &d.Evidence, &status, &opened, &deadline, &answered, &d.Note); err != nil {
		return d, err
	}
	d.Status, d.OpenedAt, d.Deadline, d.AnsweredAt = sesame.DisputeStatus(status), FromNS(opened), FromNS(deadline), FromNullNS(answered)
	return d, nil
}

// NotCountedSQL is the condition, on a row of events, that a dispute took
// the event out of scoring (sesame.Dispute.Counts).
const NotCountedSQL = `EXISTS (SELECT 1 FROM event_disputes d WHERE d.source = events.source AND d.id = events.id
	AND d.status IN ('corrected', 'deleted', 'suppressed'))`
