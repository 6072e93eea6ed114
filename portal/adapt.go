package portal

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/audit"
	"github.com/sesame-credit/sesame/consent"
	"github.com/sesame-credit/sesame/policy"
)

// Adapters from Sesame's services to the portal's interfaces, so that the
// serve command wires the portal with a few lines (see docs/portal.md).

// ConsentService adapts consent.Service (and the partner registry, for
// names) to Consents.
type ConsentService struct {
	Service  *consent.Service
	Partners sesame.PartnerStore // optional: shows partner names instead of ids
}

func (c ConsentService) partnerName(ctx context.Context, id string) string {
	if c.Partners == nil {
		return ""
	}
	if p, err := c.Partners.Partner(ctx, id); err == nil {
		return p.Name
	}
	return ""
}

func (c ConsentService) ActiveConsents(ctx context.Context, person string) ([]Consent, error) {
	return c.consents(ctx, person, false)
}

func (c ConsentService) AllConsents(ctx context.Context, person string) ([]Consent, error) {
	return c.consents(ctx, person, true)
}

func (c ConsentService) consents(ctx context.Context, person string, all bool) ([]Consent, error) {
	list, err := c.Service.List(ctx, person, all)
	if err != nil {
		return nil, err
	}
	out := make([]Consent, 0, len(list))
	for _, x := range list {
		out = append(out, Consent{ID: x.ID, Partner: x.Partner, PartnerName: c.partnerName(ctx, x.Partner), Purpose: string(x.Purpose),
			Scope: string(x.Scope), Thresholds: x.Thresholds, GrantedAt: x.GrantedAt, ExpiresAt: x.ExpiresAt, RevokedAt: x.RevokedAt})
	}
	return out, nil
}

func (c ConsentService) PendingRequests(ctx context.Context, person string) ([]ConsentRequest, error) {
	return c.requests(ctx, person, c.Service.Pending)
}

func (c ConsentService) AllRequests(ctx context.Context, person string) ([]ConsentRequest, error) {
	return c.requests(ctx, person, c.Service.Requests)
}

func (c ConsentService) requests(ctx context.Context, person string, read func(context.Context, string) ([]*sesame.ConsentRequest, error)) ([]ConsentRequest, error) {
	list, err := read(ctx, person)
	if err != nil {
		return nil, err
	}
	out := make([]ConsentRequest, 0, len(list))
	for _, r := range list {
		out = append(out, c.toRequest(ctx, r))
	}
	return out, nil
}

func (c ConsentService) RevokeConsent(ctx context.Context, person, id string) error {
	return c.Service.Revoke(ctx, person, id)
}

func (c ConsentService) toRequest(ctx context.Context, r *sesame.ConsentRequest) ConsentRequest {
	return ConsentRequest{ID: r.ID, Partner: r.Partner, PartnerName: c.partnerName(ctx, r.Partner), Purpose: string(r.Purpose),
		Scope: string(r.Scope), Thresholds: r.Thresholds, RequestedAt: r.CreatedAt, ExpiresAt: r.CreatedAt.Add(r.Duration), Status: r.Status}
}

func (c ConsentService) Request(ctx context.Context, person, id string) (ConsentRequest, error) {
	r, err := c.Service.RequestForPerson(ctx, person, id)
	if err != nil {
		return ConsentRequest{}, err
	}
	return c.toRequest(ctx, r), nil
}

func (c ConsentService) AnswerRequest(ctx context.Context, person, id string, approve bool) (string, error) {
	_, redirect, err := c.Service.Answer(ctx, person, id, approve)
	return redirect, err
}

// AuditLog adapts the access log to AccessLog.
type AuditLog struct {
	Log      sesame.AccessLog
	Partners sesame.PartnerStore // optional, for names
}

func (a AuditLog) AccessLog(ctx context.Context, person string, before int64, limit int) ([]AccessEntry, error) {
	list, err := a.Log.AccessEntriesBefore(ctx, person, before, limit)
	if err != nil {
		return nil, err
	}
	v, err := audit.VerifyView(ctx, a.Log, list, len(list) < limit)
	if err != nil {
		return nil, err
	}
	out := make([]AccessEntry, 0, len(list))
	for _, ve := range v.Entries {
		e := ve.AccessEntry
		who := e.Actor
		if id, ok := strings.CutPrefix(e.Actor, "partner:"); ok {
			who = id
			if a.Partners != nil {
				if p, err := a.Partners.Partner(ctx, id); err == nil {
					who = p.Name
				}
			}
		}
		out = append(out, AccessEntry{At: e.At, Partner: who, Scope: string(e.Scope), Purpose: string(e.Purpose), Outcome: e.Outcome,
			Actor: e.Actor, Action: e.Action, Seq: e.Seq, Problem: ve.Problem})
	}
	return out, nil
}

// VerifyChain checks every one of the person's entries against the log:
// each one's hash, its link to the person's previous entry and its
// inclusion proof under the latest signed head. The entries are read a
// thousand at a time, each batch starting with the last of the one before
// so that the link between batches is checked too.
func (a AuditLog) VerifyChain(ctx context.Context, person string) (ChainStatus, error) {
	const batch = 1000
	st := ChainStatus{OK: true}
	var problems []string
	var last *sesame.AccessEntry // the oldest entry of the batch before
	for before := int64(0); ; {
		list, err := a.Log.AccessEntriesBefore(ctx, person, before, batch)
		if err != nil {
			return ChainStatus{}, err
		}
		complete := len(list) < batch
		st.Entries += len(list)
		if last != nil {
			list = append([]*sesame.AccessEntry{last}, list...)
		}
		if len(list) == 0 {
			break
		}
		v, err := audit.VerifyView(ctx, a.Log, list, complete)
		if err != nil {
			return ChainStatus{}, err
		}
		if before == 0 && v.Head != nil {
			st.HeadSize, st.HeadAt, st.HeadRoot = v.Head.Size, v.Head.At, v.Head.Root
		}
		st.OK = st.OK && v.OK
		for _, pr := range v.Problems {
			if !slices.Contains(problems, pr) {
				problems = append(problems, pr)
			}
		}
		if complete {
			break
		}
		last = list[len(list)-1]
		before = last.Seq
	}
	st.Detail = strings.Join(problems, " ")
	return st, nil
}

// PolicyBenefits evaluates the catalog's product policies (the shipped
// ones and any uploaded) for a score, as a partner's decision would.
type PolicyBenefits struct {
	Catalog *policy.Catalog
	// Currency is what the products' amounts are in ("": CNY, the
	// currency the shipped products are priced in).
	Currency string
}

func (b PolicyBenefits) Offers(ctx context.Context, s *sesame.Score) ([]Offer, error) {
	var out []Offer
	for _, p := range b.Catalog.Products() {
		pol, err := b.Catalog.Product(p.ID)
		if err != nil {
			continue
		}
		in := policy.Input(s, 0)
		if policy.Social(p.Purpose) && s.Status == sesame.StatusScored {
			// A social badge answers the claim the person chooses: show the
			// best band claim they can make.
			in.Badge = &sesame.BadgeClaim{Kind: sesame.BadgeBandAtLeast, MinBand: s.Band}
		}
		res, err := pol.Evaluate(in)
		if err != nil {
			continue // a policy that fails on this input offers nothing; decisions report such errors
		}
		currency := cmp.Or(b.Currency, "CNY")
		out = append(out, Offer{Product: p.ID, Name: p.Name, Purpose: string(p.Purpose), Decision: res.Decision, Summary: offerSummary(res, currency), Terms: &res, Currency: currency})
	}
	return out, nil
}

// offerSummary says in figures what an approval gives.
func offerSummary(r sesame.DecisionResult, currency string) string {
	var parts []string
	if r.CreditLine > 0 {
		parts = append(parts, fmt.Sprintf("credit line %s", majorMoney(currency, r.CreditLine)))
	}
	if r.Amount > 0 {
		parts = append(parts, fmt.Sprintf("up to %s", majorMoney(currency, r.Amount)))
	}
	if r.Rate > 0 {
		parts = append(parts, fmt.Sprintf("%.2f%% a year", r.Rate*100))
	}
	if r.DepositWaived > 0 {
		parts = append(parts, fmt.Sprintf("deposit waived up to %s", majorMoney(currency, r.DepositWaived)))
	}
	if r.OrderValue > 0 {
		parts = append(parts, fmt.Sprintf("orders up to %s", majorMoney(currency, r.OrderValue)))
	}
	if r.Lane != "" {
		parts = append(parts, r.Lane+" lane")
	}
	if len(r.WaivableChecks) > 0 {
		parts = append(parts, "may waive "+strings.ReplaceAll(strings.Join(r.WaivableChecks, ", "), "_", " "))
	}
	if r.Badge != "" {
		parts = append(parts, "can show: "+r.Badge)
	}
	if r.PriceTier != "" {
		parts = append(parts, "tier "+r.PriceTier)
	}
	return strings.Join(parts, " · ")
}
