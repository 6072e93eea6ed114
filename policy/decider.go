package policy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"math"
	"sync"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/consent"
)

// Decider evaluates a product for a consenting person and stores the
// decision with everything needed to replay it.
type Decider struct {
	Catalog *Catalog
	Gate    *consent.Gate
	Store   sesame.DecisionStore
	// Badges holds what each person chose to show each social platform;
	// without it, social products answer 403.
	Badges sesame.BadgeStore
	Now    func() time.Time

	saved sync.Map // policy versions already stored (storing is idempotent; this saves a write)
}

// MaxRequested bounds the amount a partner may put in a decision request.
const MaxRequested = 1e9

// DecisionScope is the scope a decision needs: its amounts follow the
// band, so a threshold-only consent is not enough (docs/policies.md).
const DecisionScope = sesame.ScopeScore

// ScopeOf is the scope a decision on p needs: DecisionScope, except for a
// social product, whose answer is one yes or no the person chose to give.
func ScopeOf(p sesame.Product) sesame.Scope {
	if Social(p.Purpose) {
		return sesame.ScopeThreshold
	}
	return DecisionScope
}

// Decide evaluates product for person on behalf of partner.
func (d *Decider) Decide(ctx context.Context, partner, person, product string, requested float64) (*sesame.Decision, error) {
	if !sesame.ValidID(person) {
		return nil, sesame.Errorf(sesame.EINVALID, "person: not a valid id")
	}
	if !(requested >= 0 && requested <= MaxRequested) {
		return nil, sesame.Errorf(sesame.EINVALID, "requested: give an amount between 0 and %g", MaxRequested)
	}
	pol, err := d.Catalog.Product(product)
	if err != nil {
		return nil, err
	}
	sc, c, err := d.Gate.Score(ctx, consent.Read{Partner: partner, Person: person, Scope: ScopeOf(pol.Product),
		Purpose: pol.Product.Purpose, Action: consent.ActionDecisionCreate, Note: "product " + product})
	if err != nil {
		return nil, err
	}
	in := Input(sc, requested)
	if Social(pol.Product.Purpose) {
		if in, err = d.badgeInput(ctx, sc, partner); err != nil {
			return nil, err
		}
	}
	res, err := pol.Evaluate(in)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	dec := &sesame.Decision{ID: newDecisionID(), Partner: partner, Person: person, Product: product,
		PolicyVersion: pol.Product.PolicyVersion, ModelVersion: sc.ModelVersion, Consent: c.ID,
		Input: in, Result: res, Raw: raw, CreatedAt: now().UTC()}
	if _, ok := d.saved.Load(pol.Product.PolicyVersion); !ok {
		if err := d.Store.SavePolicy(ctx, &pol.Product); err != nil {
			return nil, err
		}
		d.saved.Store(pol.Product.PolicyVersion, true)
	}
	if err := d.Store.SaveDecision(ctx, dec); err != nil {
		return nil, err
	}
	return dec, nil
}

// badgeInput is a social decision's input: the claim the person chose to
// show the partner, and only what deciding it needs. The score, the
// dimensions and the reasons are not kept even in the stored decision.
func (d *Decider) badgeInput(ctx context.Context, sc *sesame.Score, partner string) (sesame.DecisionInput, error) {
	if d.Badges == nil {
		return sesame.DecisionInput{}, sesame.Errorf(sesame.EFORBIDDEN, "social badges are not offered on this server")
	}
	choice, err := d.Badges.Badge(ctx, sc.Person, partner)
	if sesame.ErrorCode(err) == sesame.ENOTFOUND {
		return sesame.DecisionInput{}, sesame.Errorf(sesame.EFORBIDDEN, "the person has not chosen a badge to show you")
	}
	if err != nil {
		return sesame.DecisionInput{}, err
	}
	claim := choice.Claim
	in := sesame.DecisionInput{Status: sc.Status, AsOf: sc.AsOf, Badge: &claim, Dimensions: map[string]int{}, Features: map[string]float64{}}
	if sc.Status == sesame.StatusScored {
		in.Band = sc.Band
	}
	for _, f := range []string{"identity_verified", "orders_unpaid"} {
		if v, ok := sc.Features[f]; ok && !math.IsNaN(v) {
			in.Features[f] = v
		}
	}
	return in, nil
}

func newDecisionID() string {
	var b [12]byte
	rand.Read(b[:])
	return "dec_" + hex.EncodeToString(b[:])
}

// Replay re-executes a stored decision with the policy version it names on
// the input it stored, and reports whether the result is byte-for-byte the
// one stored.
func Replay(ctx context.Context, store sesame.DecisionStore, id string) (stored *sesame.Decision, replayed json.RawMessage, identical bool, err error) {
	d, err := store.Decision(ctx, id)
	if err != nil {
		return nil, nil, false, err
	}
	p, err := store.PolicyVersion(ctx, d.PolicyVersion)
	if err != nil {
		return nil, nil, false, err
	}
	if Version(*p) != d.PolicyVersion && sourceVersion(p.Policy) != d.PolicyVersion {
		return d, nil, false, sesame.Errorf(sesame.ECONFLICT, "the stored policy no longer hashes to version %s: it was altered", d.PolicyVersion)
	}
	pol, err := Compile(*p)
	if err != nil {
		return d, nil, false, err
	}
	res, err := pol.Evaluate(d.Input)
	if err != nil {
		return d, nil, false, err
	}
	replayed, err = json.Marshal(res)
	if err != nil {
		return d, nil, false, err
	}
	return d, replayed, string(replayed) == string(d.Raw), nil
}
