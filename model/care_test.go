package model

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/sesame-credit/sesame/model/table"
)

// agedData is a population whose risk falls with tenure and on-time share,
// rises with late payments, and — against Reg B's rule for elderly
// applicants — rises again after 65, so that an unconstrained model would
// take points from older people.
func agedData(rows int, seed uint64) *table.Table {
	rng := rand.New(rand.NewPCG(seed, 3))
	t := &table.Table{Header: []string{"age", "tenure", "on_time", "late", "education", "bad"}, SHA256: fmt.Sprint("aged-", seed)}
	for range rows {
		age := 18 + rng.Float64()*70
		tenure := rng.Float64() * 20
		onTime := rng.Float64()
		late := float64(rng.IntN(5))
		edu := float64(rng.IntN(7))
		z := -2 + 0.5*late - 0.08*tenure - 1.5*onTime + 0.15*edu
		if age > 65 {
			z += 0.06 * (age - 65)
		}
		// Noise that, in a few places, makes more tenure look worse.
		if tenure > 15 && rng.IntN(3) == 0 {
			z += 0.8
		}
		bad := "0"
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			bad = "1"
		}
		t.Rows = append(t.Rows, []string{fmt.Sprintf("%.1f", age), fmt.Sprintf("%.2f", tenure), fmt.Sprintf("%.3f", onTime),
			fmt.Sprint(late), fmt.Sprint(edu), bad})
	}
	return t
}

var agedCatalogue = Catalogue{
	"age":       {Dimension: "identity", Sensitive: "age", NoPenaltyFrom: 62, NoPairs: true, Free: "no fixed direction"},
	"education": {Dimension: "identity", Sensitive: "education", NoPairs: true},
	"tenure":    {Dimension: "identity", Direction: 1, NoPairs: true},
	"on_time":   {Dimension: "credit_history", Direction: 1},
	"late":      {Dimension: "credit_history", Direction: -1},
}

func trainAged(t *testing.T, allow ...string) *Model {
	t.Helper()
	return trainAgedWith(t, agedCatalogue, allow...)
}

func trainAgedWith(t *testing.T, c Catalogue, allow ...string) *Model {
	t.Helper()
	d, err := LoadDataset(agedData(8000, 5), DataSpec{Label: "bad"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.Catalogue, cfg.Allow = c, allow
	m, err := Train(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Sensitive attributes are no inputs unless allowed, and the artifact says
// which were withheld and which allowed.
func TestSensitiveInputsWithheldUnlessAllowed(t *testing.T) {
	m := trainAged(t)
	if m.Feature("age") >= 0 || m.Feature("education") >= 0 {
		t.Fatal("a sensitive column became a model input without being allowed")
	}
	if !slices.Equal(m.Training.Withheld, []string{"age", "education"}) {
		t.Fatalf("withheld %v, want age and education", m.Training.Withheld)
	}
	m = trainAged(t, "age")
	if m.Feature("age") < 0 || m.Feature("education") >= 0 {
		t.Fatal("--allow age should make age, and only age, an input")
	}
	if !slices.Equal(m.Params.Allow, []string{"age"}) || !slices.Equal(m.Training.Withheld, []string{"education"}) {
		t.Fatalf("allow %v withheld %v not recorded", m.Params.Allow, m.Training.Withheld)
	}
}

// Where age is allowed, a person 62 or older never gets fewer points for
// age than any younger person, and age is never a reason.
func TestElderNeverLosesPointsForAge(t *testing.T) {
	agePoints := func(m *Model) (youngBest, elderWorst int) {
		f := &m.Features[m.Feature("age")]
		youngBest, elderWorst = math.MinInt, math.MaxInt
		for age := 18.0; age <= 100; age += 0.5 {
			pts := f.Bins[f.Bin(age)].Points
			if age < 62 {
				youngBest = max(youngBest, pts)
			} else {
				elderWorst = min(elderWorst, pts)
			}
		}
		return youngBest, elderWorst
	}
	// The data penalise age after 65: without the rule the model would.
	c := maps.Clone(agedCatalogue)
	c["age"] = FeatureInfo{Dimension: "identity", Sensitive: "age", NoPairs: true}
	if young, elder := agePoints(trainAgedWith(t, c, "age")); elder >= young {
		t.Fatalf("without the rule a person 62+ still gets %d points for age against %d: the test shows nothing", elder, young)
	}
	m := trainAged(t, "age")
	if young, elder := agePoints(m); elder < young {
		t.Fatalf("a person 62+ gets %d points for age, a younger one %d", elder, young)
	}
	rows, err := m.EncodeTable(agedData(2000, 6))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range rows {
		for _, r := range m.Score(x).Reasons {
			if r.Term == "age" {
				t.Fatalf("age is a reason: %+v", r)
			}
		}
	}
}

// Every declared direction holds on the trained shape, whatever the data's
// noise says, and the free features are reported with why.
func TestDeclaredDirectionsHold(t *testing.T) {
	for _, allow := range [][]string{nil, {"age", "education"}} {
		m := trainAged(t, allow...)
		for name, info := range agedCatalogue {
			i := m.Feature(name)
			if i < 0 || info.Direction == 0 {
				continue
			}
			f := &m.Features[i]
			n := f.regularBins()
			for k := 1; k < n; k++ {
				if d := f.Bins[k].Points - f.Bins[k-1].Points; d*info.Direction < 0 {
					t.Fatalf("%s: bin %d has %d points, bin %d %d: direction %+d broken", name, k-1, f.Bins[k-1].Points, k, f.Bins[k].Points, info.Direction)
				}
			}
			for _, in := range m.Interactions {
				if slices.Contains(in.Features[:], name) {
					t.Fatalf("%s has a declared direction but takes part in pair %s", name, in.Name)
				}
			}
		}
		if slices.ContainsFunc(m.Free, func(ff FreeFeature) bool { return agedCatalogue[ff.Name].Direction != 0 }) {
			t.Fatalf("free features %v include one with a direction", m.Free)
		}
		if allow != nil && !slices.Contains(m.Free, FreeFeature{Name: "age", Why: "no fixed direction"}) {
			t.Fatalf("free features %v do not report age and why", m.Free)
		}
	}
}

// The fairness audit counts approvals per group at each cutoff, takes the
// adverse impact ratio from them, compares observed and predicted bad
// rates, and flags an input that gives a protected attribute away.
func TestFairnessAudit(t *testing.T) {
	tab := agedData(6000, 8)
	// A protected column the data share with tenure: long tenure is
	// mostly group "a", so tenure is a proxy for it.
	tab.Header = append(tab.Header, "group")
	rng := rand.New(rand.NewPCG(9, 9))
	for i, r := range tab.Rows {
		g := "b"
		if tenure, _ := strconv.ParseFloat(r[1], 64); tenure > 10 && rng.IntN(10) < 9 || tenure <= 10 && rng.IntN(10) == 0 {
			g = "a"
		}
		tab.Rows[i] = append(r, g)
	}
	d, err := LoadDataset(tab, DataSpec{Label: "bad", Protected: []string{"group"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.Catalogue, cfg.AgeColumn = agedCatalogue, "age"
	cfg.AuditCutoffs = []Cutoff{{Product: "card", Score: 600}, {Product: "loan", Score: 650}}
	m, err := Train(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := m.Audit
	if a == nil || len(a.Attributes) != 2 || a.Attributes[0].Attribute != "group" || a.Attributes[1].Attribute != "age 62+" {
		t.Fatalf("audit attributes %+v, want group and age 62+", a)
	}
	rows, err := m.EncodeTable(tab)
	if err != nil {
		t.Fatal(err)
	}
	// Recount group a's approval at 600 and the ratio by hand.
	approved, n := map[string]float64{}, map[string]float64{}
	for i, x := range rows {
		g := tab.Rows[i][len(tab.Header)-1]
		n[g]++
		if m.Score(x).Score >= 600 {
			approved[g]++
		}
	}
	ra, rb := approved["a"]/n["a"], approved["b"]/n["b"]
	got := a.Attributes[0]
	if math.Abs(got.Groups[0].Approval[0]-ra) > 1e-6 || math.Abs(got.AdverseImpact[0]-math.Min(ra, rb)/math.Max(ra, rb)) > 1e-4 {
		t.Fatalf("approval %v / AIR %v, recounted %v, %v", got.Groups[0].Approval[0], got.AdverseImpact[0], ra, math.Min(ra, rb)/math.Max(ra, rb))
	}
	for _, g := range got.Groups {
		if math.Abs(g.ObservedBadRate-g.PredictedBadRate) > 0.05 {
			t.Errorf("group %s: observed %v against predicted %v: calibration off", g.Group, g.ObservedBadRate, g.PredictedBadRate)
		}
	}
	flagged := false
	for _, p := range a.Proxies {
		if p.Feature == "tenure" && p.Attribute == "group" {
			flagged = p.Flag && p.AUC >= ProxyFlagAUC
		}
		if p.Feature == "late" && p.Flag {
			t.Errorf("late payments flagged as a proxy: %+v", p)
		}
	}
	if !flagged {
		t.Fatalf("tenure gives the group away but is not flagged: %+v", a.Proxies)
	}
}

// Each dimension's median score over the training population is the
// overall median score, and the dimensions' points add up to the score's.
func TestDimensionsMedianAligned(t *testing.T) {
	m := trainAged(t, "age")
	if m.Medians == nil {
		t.Fatal("no medians in the artifact")
	}
	all := agedData(8000, 5)
	d, err := LoadDataset(all, DataSpec{Label: "bad"})
	if err != nil {
		t.Fatal(err)
	}
	trained, _ := splitTable(all, d, fastConfig())
	rows, err := m.EncodeTable(trained)
	if err != nil {
		t.Fatal(err)
	}
	scores := []float64{}
	dims := map[string][]float64{}
	for _, x := range rows {
		r := m.Score(x)
		scores = append(scores, float64(r.Score))
		sum := 0
		for d, pts := range r.Dimensions {
			dims[d] = append(dims[d], float64(m.DimensionScore(d, float64(pts))))
			sum += pts
		}
		if sum != r.Unclamped {
			t.Fatalf("dimension points sum to %d, the score's to %d", sum, r.Unclamped)
		}
	}
	if got := median(scores); math.Abs(got-float64(m.Medians.Score)) > 0.5 {
		t.Fatalf("median score %v, the artifact says %d", got, m.Medians.Score)
	}
	if len(dims) < 2 {
		t.Fatalf("%d dimensions: the test shows little", len(dims))
	}
	for d, s := range dims {
		if got := median(s); math.Abs(got-float64(m.Medians.Score)) > 0.5 {
			t.Errorf("dimension %s: median score %v, overall median %d", d, got, m.Medians.Score)
		}
	}
}
