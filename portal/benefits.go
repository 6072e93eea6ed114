package portal

import (
	"net/http"

	"github.com/sesame-credit/sesame"
)

// nextOffer is what the next band changes for one product.
type nextOffer struct {
	Offer
	New bool   // not available at the current score
	Now string // today's terms, when only the terms improve
}

type benefitsData struct {
	Unavailable bool
	NoScore     bool
	Band        sesame.Band
	NextBand    sesame.Band // "" at the top band
	NextMin     int
	Now         []Offer     // approved (or referred) at the current score
	Next        []nextOffer // newly approved, or on better terms, from the next band
	Declined    []Offer     // not available even at the next band
}

// benefits evaluates every shipped product twice: with the person's score,
// and with the same profile at the lowest score of the next band — what
// moving up would unlock.
func (p *Portal) benefits(w http.ResponseWriter, r *http.Request, person string) {
	v := p.newView(w, r, "benefits.title", "benefits")
	v.Person = person
	d := &benefitsData{}
	v.Data = d
	if p.cfg.Benefits == nil {
		d.Unavailable = true
		p.render(w, http.StatusOK, "benefits", v)
		return
	}
	s, err := p.cfg.Scores.LatestScore(r.Context(), person)
	if sesame.ErrorCode(err) == sesame.ENOTFOUND || (err == nil && s.Status != sesame.StatusScored) {
		d.NoScore = true
		p.render(w, http.StatusOK, "benefits", v)
		return
	}
	if err != nil {
		p.fail(w, r, v, err)
		return
	}
	d.Band = sesame.BandOf(s.Score)
	now, err := p.cfg.Benefits.Offers(r.Context(), s)
	if err != nil {
		p.fail(w, r, v, err)
		return
	}
	localizeOffers(v.L, now)
	var next []Offer
	if rank := d.Band.Rank(); rank+1 < len(sesame.Bands) {
		d.NextBand, d.NextMin = sesame.Bands[rank+1].Band, sesame.Bands[rank+1].Min
		up := *s
		up.Score, up.Band = d.NextMin, d.NextBand
		if next, err = p.cfg.Benefits.Offers(r.Context(), &up); err != nil {
			p.fail(w, r, v, err)
			return
		}
		localizeOffers(v.L, next)
	}
	nextByProduct := map[string]Offer{}
	for _, o := range next {
		nextByProduct[o.Product] = o
	}
	for _, o := range now {
		up, ok := nextByProduct[o.Product]
		upApproved := ok && up.Decision == "approve"
		switch {
		case o.Decision == "approve" || o.Decision == "refer":
			d.Now = append(d.Now, o)
			if upApproved && up.Summary != o.Summary {
				d.Next = append(d.Next, nextOffer{Offer: up, Now: o.Summary})
			}
		case upApproved:
			d.Next = append(d.Next, nextOffer{Offer: up, New: true})
		default:
			d.Declined = append(d.Declined, o)
		}
	}
	p.render(w, http.StatusOK, "benefits", v)
}
