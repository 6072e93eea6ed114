// Package simulate generates a synthetic population with credit histories
// across all five dimensions: identity facts, income and assets, cards with
// monthly statements and repayments, instalment loans, utility bills,
// everyday payments, deposit-free rentals and bike rides, try-before-buy
// orders, rare public records and opt-in vouches — with occasional hardship
// and recovery, and outcomes (missed payments, defaults, write-offs, unpaid
// rentals and orders) that follow from each person's latent reliability and
// capacity. docs/simulate.md lists the assumptions.
//
// It feeds the demo, load tests and benchmarks; it is never the only data a
// model is judged on. Generation is deterministic per (seed, person index),
// so people can be generated in any order or in parallel, and the package
// does no I/O: callers stream people out as they are made.
package simulate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/sesame-credit/sesame"
)

// Options configure a population.
type Options struct {
	Seed   uint64
	Months int       // length of history; at least 24 is realistic for the features (default 24)
	End    time.Time // histories end just before this time (default DefaultEnd)
	Source string    // event source (default "simulate")
}

// DefaultEnd is where simulated histories end by default: fixed, so that a
// seed always gives the same events, and in the past, so that no event is
// rejected for lying in the future.
var DefaultEnd = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func (o Options) withDefaults() Options {
	if o.Months <= 0 {
		o.Months = 24
	}
	if o.End.IsZero() {
		o.End = DefaultEnd
	}
	if o.Source == "" {
		o.Source = "simulate"
	}
	return o
}

// PersonID is the id of the i-th simulated person. Ids sort in index order.
func PersonID(i int) string { return fmt.Sprintf("p%08d", i) }

// Generator makes people. A Generator is cheap; use one per goroutine.
type Generator struct {
	opt    Options
	events []sesame.Event
	rng    *rand.Rand
	pcg    *rand.PCG
	// apps draws the applications for credit from a stream of its own, so
	// that adding them left every other event of a seed as it was.
	apps    *rand.Rand
	appsPCG *rand.PCG
	person  string
	seq     int
}

// New returns a generator for the options.
func New(opt Options) *Generator {
	pcg, appsPCG := rand.NewPCG(0, 0), rand.NewPCG(0, 0)
	return &Generator{opt: opt.withDefaults(), pcg: pcg, rng: rand.New(pcg), appsPCG: appsPCG, apps: rand.New(appsPCG)}
}

// Person returns the events of the i-th person, oldest first. The slice is
// reused by the next call: copy what you keep.
func (g *Generator) Person(i int) []sesame.Event {
	g.pcg.Seed(g.opt.Seed, uint64(i)*0x9E3779B97F4A7C15+1)
	g.appsPCG.Seed(g.opt.Seed^0xA5A5_1D1D_0C0C_7E7E, uint64(i)*0x9E3779B97F4A7C15+3)
	g.events = g.events[:0]
	g.person = PersonID(i)
	g.seq = 0
	p := g.drawPerson(i)
	g.life(&p)
	sortByTime(g.events)
	return g.events
}

// latent is what the simulator knows about a person and the ledger never sees.
type latent struct {
	index       int
	reliability float64 // 0–1: how reliably commitments are kept
	capacity    float64 // monthly income in CNY
	birthYear   int
	start       time.Time // first month of history
	hardship    []bool    // per month: in financial hardship
	// opened are when the person's card and loan were opened (zero: none):
	// each was applied for first.
	opened []opening
}

// opening is a card or loan opened, and so applied for.
type opening struct {
	at      time.Time
	product string
}

func (g *Generator) drawPerson(i int) latent {
	r := g.rng
	// Reliability is skewed towards reliable: most people pay.
	rel := 1 - math.Pow(r.Float64(), 3)*0.9
	income := math.Exp(8.6 + 0.55*r.NormFloat64()) // median ≈ 5,400 CNY a month
	age := 20 + int(r.ExpFloat64()*14)
	if age > 75 {
		age = 75 - r.IntN(10)
	}
	start := g.opt.End.AddDate(0, -g.opt.Months, 0)
	p := latent{index: i, reliability: rel, capacity: income, birthYear: g.opt.End.Year() - age, start: start}
	// Hardship spells: job loss, illness. Less reliable people have more,
	// and everyone recovers after a few months.
	p.hardship = make([]bool, g.opt.Months)
	for m := 0; m < g.opt.Months; m++ {
		if r.Float64() < 0.004+0.02*(1-rel) {
			n := 1 + r.IntN(6)
			for k := m; k < m+n && k < g.opt.Months; k++ {
				p.hardship[k] = true
			}
			m += n
		}
	}
	return p
}

func cny(yuan float64) sesame.Money {
	return sesame.Money{Amount: int64(math.Max(yuan, 0)*100 + 0.5), Currency: "CNY"}
}

func (g *Generator) add(at time.Time, kind sesame.Kind, p sesame.Payload) {
	if !at.Before(g.opt.End) {
		return // after the end of the simulated history
	}
	g.seq++
	g.events = append(g.events, sesame.Event{Version: sesame.EnvelopeVersion, Source: g.opt.Source,
		ID: fmt.Sprintf("%s-%03d", g.person, g.seq), Person: g.person, Kind: kind, OccurredAt: at, Payload: p})
}

// month returns a time in month m of the history (0 = first), on the given day and hour.
func (p *latent) month(m, day, hour int) time.Time {
	return p.start.AddDate(0, m, day-1).Add(time.Duration(hour) * time.Hour)
}

// slips reports whether the person fails a commitment this month: rarely
// when reliable, often in hardship.
func (g *Generator) slips(p *latent, m int, base float64) bool {
	q := base * (1 - p.reliability) * 2
	if m >= 0 && m < len(p.hardship) && p.hardship[m] {
		q = 0.35 + 0.5*(1-p.reliability)
	}
	return g.rng.Float64() < q
}

func (g *Generator) life(p *latent) {
	r := g.rng
	months := g.opt.Months
	g.identity(p)
	// Income: most report it, a third verified.
	if r.Float64() < 0.8 {
		g.add(p.month(0, 1+r.IntN(28), 10), sesame.KindIncomeReported, &sesame.IncomeReported{Monthly: cny(p.capacity), Verified: r.Float64() < 0.35})
	}
	if r.Float64() < 0.3+0.3*math.Min(p.capacity/20000, 1) {
		assets := []string{"deposit", "property", "vehicle", "investment"}
		g.add(p.month(r.IntN(3), 1+r.IntN(28), 11), sesame.KindAssetReported, &sesame.AssetReported{Asset: assets[r.IntN(len(assets))], Value: cny(p.capacity * (2 + r.ExpFloat64()*20))})
	}
	if r.Float64() < 0.6 {
		g.card(p, months)
	}
	if r.Float64() < 0.15 {
		g.loan(p, months)
	}
	g.bills(p, months)
	g.spending(p, months)
	if r.Float64() < 0.45 {
		g.rentals(p, months)
	}
	if r.Float64() < 0.3 {
		g.orders(p, months)
	}
	if r.Float64() < 0.01+0.03*(1-p.reliability) {
		g.publicRecord(p, months)
	}
	if r.Float64() < 0.1 {
		g.vouches(p, months)
	}
	g.applications(p, months)
}

// applications: each card and loan was applied for a few days to weeks
// before it opened; besides, people apply for credit now and then — the
// less reliable more often, and anyone heading into or in hardship much
// more (seeking credit to bridge a shortfall), so that many recent
// applications somewhat raise the odds of going bad. Some applications
// are declined and lead nowhere. Drawn from the applications' own stream.
func (g *Generator) applications(p *latent, months int) {
	r := g.apps
	n := 0
	apply := func(at time.Time, product string) {
		n++
		var amt *sesame.Money
		if r.Float64() < 0.6 {
			a := cny(math.Round(p.capacity*(1+4*r.Float64())/100) * 100)
			amt = &a
		}
		g.add(at, sesame.KindCreditApplied, &sesame.CreditApplied{Application: fmt.Sprintf("app%d", n), Product: product, Amount: amt})
	}
	for _, o := range p.opened {
		apply(o.at.Add(-time.Duration(1+r.IntN(30))*24*time.Hour), o.product)
	}
	seeking := func(m int) bool {
		for k := m; k < m+3 && k < months; k++ {
			if p.hardship[k] {
				return true
			}
		}
		return false
	}
	for m := 0; m < months; m++ {
		q := 0.012 + 0.05*(1-p.reliability)
		if seeking(m) {
			q += 0.3
		}
		if r.Float64() >= q {
			continue
		}
		for k := 1 + min(2, int(r.ExpFloat64()*0.7)); k > 0; k-- {
			apply(p.month(m, 1+r.IntN(28), 9+r.IntN(12)), appProducts[r.IntN(len(appProducts))])
		}
	}
}

var appProducts = []string{"credit_card", "credit_card", "loan", "pay_later", "revolving", "overdraft"}

func (g *Generator) identity(p *latent) {
	r := g.rng
	at := p.month(0, 1+r.IntN(10), 9)
	edu := sesame.Educations[min(len(sesame.Educations)-2, int(math.Max(0, 2+r.NormFloat64()*1.2+p.capacity/15000)))]
	emp := "employed"
	switch x := r.Float64(); {
	case x < 0.12:
		emp = "self_employed"
	case x < 0.17:
		emp = "unemployed"
	case x < 0.2 && g.opt.End.Year()-p.birthYear < 25:
		emp = "student"
	case g.opt.End.Year()-p.birthYear > 62:
		emp = "retired"
	}
	since := func(maxYears float64) *time.Time {
		t := at.Add(-time.Duration(r.Float64() * maxYears * float64(365*24*time.Hour)))
		return &t
	}
	verified := r.Float64() < 0.7+0.25*p.reliability
	id := &sesame.IdentityReported{BirthYear: p.birthYear, Education: edu, Employment: emp, IdentityVerified: &verified,
		AddressSince: since(1 + 10*p.reliability), PhoneSince: since(1 + 8*p.reliability),
		MaritalStatus: sesame.MaritalStatuses[r.IntN(3)],
		Protected:     map[string]string{"sex": []string{"female", "male"}[r.IntN(2)]}}
	if emp == "employed" || emp == "self_employed" {
		id.EmployedSince = since(1 + 12*p.reliability)
	}
	g.add(at, sesame.KindIdentityReported, id)
}

// card opens a credit card and runs it month by month: a statement on the
// 25th due on the 15th of next month; a repayment — in full, the minimum, or
// late or not at all when the person slips; three missed payments in a row
// make a default and, later, a write-off.
func (g *Generator) card(p *latent, months int) {
	r := g.rng
	open := r.IntN(max(1, months/2))
	limit := math.Round(p.capacity*(1+r.Float64()*2)/1000) * 1000
	if limit < 2000 {
		limit = 2000
	}
	opened := p.month(open, 1+r.IntN(20), 12)
	p.opened = append(p.opened, opening{opened, "credit_card"})
	g.add(opened, sesame.KindCreditLineOpened, &sesame.CreditLineOpened{Account: "card1", Type: "credit_card", Limit: cny(limit)})
	use := 0.1 + 0.6*r.Float64()*(1.2-p.reliability)
	balance := 0.0
	missed := 0
	for m := open; m < months; m++ {
		spend := limit * use * (0.6 + 0.8*r.Float64())
		if p.hardship[m] {
			spend *= 1.3
		}
		balance = math.Min(limit*1.05, balance+spend)
		balance = math.Round(balance*100) / 100
		minDue := math.Min(balance, math.Round(math.Max(math.Min(balance, 100), balance*0.1)))
		issued := p.month(m, 25, 8)
		due := p.month(m+1, 15, 23)
		g.add(issued, sesame.KindStatementIssued, &sesame.StatementIssued{Account: "card1", Balance: cny(balance), MinimumDue: cny(minDue), DueAt: due})
		if balance <= 0 {
			continue
		}
		if g.slips(p, m+1, 0.08) {
			missed++
			if missed == 3 {
				g.add(p.month(m+2, 1, 9), sesame.KindLoanDefaulted, &sesame.LoanDefaulted{Loan: "card1", Outstanding: cny(balance)})
				if r.Float64() < 0.5 {
					g.add(p.month(m+6, 1, 9), sesame.KindLoanWrittenOff, &sesame.LoanWrittenOff{Loan: "card1", Amount: cny(balance)})
				}
				return
			}
			continue
		}
		// Pay: catch up on what was missed, then in full or the minimum.
		pay := minDue * float64(1+missed)
		if r.Float64() < 0.25+0.7*p.reliability && !p.hardship[min(m+1, months-1)] {
			pay = balance
		}
		pay = math.Min(pay, balance)
		if pay < 0.01 {
			continue
		}
		day := 5 + r.IntN(9)
		if missed > 0 || r.Float64() < 0.1*(1-p.reliability) {
			day = 16 + r.IntN(12) // a few days late
		}
		missed = 0
		g.add(p.month(m+1, day, 19), sesame.KindRepaymentMade, &sesame.RepaymentMade{Account: "card1", Amount: cny(pay)})
		balance -= pay
	}
}

func (g *Generator) loan(p *latent, months int) {
	r := g.rng
	at := r.IntN(months)
	term := []int{6, 12, 24, 36}[r.IntN(4)]
	originated := p.month(at, 1+r.IntN(28), 14)
	p.opened = append(p.opened, opening{originated, "loan"})
	g.add(originated, sesame.KindLoanOriginated, &sesame.LoanOriginated{Loan: "loan1", Principal: cny(p.capacity * (1 + 4*r.Float64())), TermMonths: term, RateBP: 400 + r.IntN(1600)})
	for m := at + 1; m < months && m <= at+term; m++ {
		if p.hardship[m] && g.slips(p, m, 0) && r.Float64() < 0.3 {
			g.add(p.month(m, 20, 9), sesame.KindLoanDefaulted, &sesame.LoanDefaulted{Loan: "loan1", Outstanding: cny(p.capacity)})
			return
		}
	}
	if at+term < months {
		g.add(p.month(at+term, 2, 9), sesame.KindLoanSettled, &sesame.LoanSettled{Loan: "loan1"})
	}
}

// bills: a phone bill every month for some, utilities every two months for
// others; paid by the due date unless the person slips.
func (g *Generator) bills(p *latent, months int) {
	r := g.rng
	every := 2 + r.IntN(2)
	cat := sesame.BillCategories[r.IntN(5)]
	amount := 50 + r.Float64()*300
	for m := r.IntN(every); m < months; m += every {
		id := fmt.Sprintf("bill%02d", m)
		issued := p.month(m, 3, 7)
		due := p.month(m, 20, 23)
		g.add(issued, sesame.KindBillIssued, &sesame.BillIssued{Bill: id, Category: cat, Amount: cny(amount), DueAt: due})
		switch {
		case !g.slips(p, m, 0.06):
			g.add(p.month(m, 5+r.IntN(14), 20), sesame.KindBillPaid, &sesame.BillPaid{Bill: id, Amount: cny(amount)})
		case r.Float64() < 0.7:
			g.add(p.month(m+1, 1+r.IntN(25), 20), sesame.KindBillPaid, &sesame.BillPaid{Bill: id, Amount: cny(amount)})
		}
	}
}

// spending: a sample of monthly spending, one payment a month in the last
// six months (enough for the stability feature), steadier for reliable people.
func (g *Generator) spending(p *latent, months int) {
	r := g.rng
	channels := sesame.PaymentChannels
	for m := max(0, months-6); m < months; m++ {
		if r.Float64() < 0.15 {
			continue
		}
		amt := math.Max(1, p.capacity*0.4*math.Exp(r.NormFloat64()*(0.2+0.6*(1-p.reliability))))
		g.add(p.month(m, 1+r.IntN(28), 12+r.IntN(8)), sesame.KindPaymentMade, &sesame.PaymentMade{Amount: cny(amt), MerchantCategory: "5411", Channel: channels[r.IntN(len(channels))]})
	}
}

func (g *Generator) rentals(p *latent, months int) {
	r := g.rng
	n := 1 + r.IntN(3)
	for k := 0; k < n; k++ {
		id := fmt.Sprintf("rent%d", k)
		m := r.IntN(months)
		kind := min(4, int(r.ExpFloat64()*1.2))
		svc := rentalServices[kind]
		hours := rentalHours[kind]
		start := p.month(m, 1+r.IntN(28), 10)
		dueBack := start.Add(time.Duration(hours) * time.Hour)
		g.add(start, sesame.KindRentalStarted, &sesame.RentalStarted{Rental: id, Service: svc, DepositWaived: cny(100 + r.Float64()*2000), DueBackAt: dueBack})
		switch {
		case !g.slips(p, m, 0.05):
			g.add(dueBack.Add(-time.Duration(r.IntN(hours+1))*time.Hour/2), sesame.KindRentalReturned, &sesame.RentalReturned{Rental: id})
		case r.Float64() < 0.5:
			g.add(dueBack.Add(time.Duration(1+r.IntN(72))*time.Hour), sesame.KindRentalReturned, &sesame.RentalReturned{Rental: id})
			g.add(dueBack.Add(96*time.Hour), sesame.KindRentalDamaged, &sesame.RentalDamaged{Rental: id, Amount: cny(50 + r.Float64()*500)})
		default:
			g.add(dueBack.Add(30*24*time.Hour), sesame.KindRentalUnpaid, &sesame.RentalUnpaid{Rental: id, Amount: cny(50 + r.Float64()*500)})
		}
	}
}

var (
	rentalServices = [5]string{"bike", "power_bank", "car", "short_stay", "house"}
	rentalHours    = [5]int{1, 4, 72, 48, 24 * 180}
)

func (g *Generator) orders(p *latent, months int) {
	r := g.rng
	n := 1 + r.IntN(2)
	for k := 0; k < n; k++ {
		id := fmt.Sprintf("order%d", k)
		m := r.IntN(months)
		at := p.month(m, 1+r.IntN(28), 15)
		payBy := at.Add(14 * 24 * time.Hour)
		value := 50 + r.Float64()*1500
		g.add(at, sesame.KindOrderPlaced, &sesame.OrderPlaced{Order: id, Value: cny(value), PayBy: payBy})
		switch {
		case !g.slips(p, m, 0.06) && r.Float64() < 0.75:
			g.add(at.Add(time.Duration(24+r.IntN(300))*time.Hour), sesame.KindOrderPaid, &sesame.OrderPaid{Order: id, Amount: cny(value)})
		case !g.slips(p, m, 0.06):
			g.add(at.Add(time.Duration(24+r.IntN(300))*time.Hour), sesame.KindOrderReturned, &sesame.OrderReturned{Order: id})
		default:
			g.add(payBy.Add(30*24*time.Hour), sesame.KindOrderUnpaid, &sesame.OrderUnpaid{Order: id, Amount: cny(value)})
		}
	}
}

func (g *Generator) publicRecord(p *latent, months int) {
	r := g.rng
	m := r.IntN(months)
	typ := sesame.PublicRecords[r.IntN(4)]
	amt := cny(1000 + r.Float64()*20000)
	g.add(p.month(m, 1+r.IntN(28), 9), sesame.KindPublicRecordListed, &sesame.PublicRecordListed{Record: "rec1", Type: typ, Amount: &amt})
	if r.Float64() < 0.4 {
		g.add(p.month(m+1+r.IntN(6), 1+r.IntN(28), 9), sesame.KindPublicRecordCleared, &sesame.PublicRecordCleared{Record: "rec1"})
	}
}

// vouches come from nearby people in the population, so that the vouchers
// are real people with their own histories.
func (g *Generator) vouches(p *latent, months int) {
	r := g.rng
	n := 1 + r.IntN(3)
	for k := 0; k < n; k++ {
		other := p.index + 1 + r.IntN(50)
		if r.IntN(2) == 0 && p.index > 50 {
			other = p.index - 1 - r.IntN(50)
		}
		voucher := PersonID(other)
		m := r.IntN(months)
		g.add(p.month(m, 1+r.IntN(28), 18), sesame.KindConnectionVouched, &sesame.ConnectionVouched{Voucher: voucher, OptIn: true})
		if r.Float64() < 0.1 {
			g.add(p.month(min(months-1, m+3), 1, 18), sesame.KindConnectionWithdrawn, &sesame.ConnectionWithdrawn{Voucher: voucher})
		}
	}
}

// sortByTime orders events by occurred_at (insertion sort: the list is
// short and mostly sorted by construction).
func sortByTime(ev []sesame.Event) {
	for i := 1; i < len(ev); i++ {
		for j := i; j > 0 && ev[j].OccurredAt.Before(ev[j-1].OccurredAt); j-- {
			ev[j], ev[j-1] = ev[j-1], ev[j]
		}
	}
}
