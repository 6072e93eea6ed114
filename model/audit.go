package model

import (
	"math"
	"sort"
)

// Audit is a model version's fairness audit: for every protected attribute
// (columns that are never inputs — sex, an age band 62+, any declared
// column), per group, the approval rate at each shipped product's cutoff,
// the adverse impact ratio, the mean score and calibration; and a proxy
// check of how well each input alone predicts each attribute. Train stores
// it in the artifact, so it travels with — and is part of — the version.
type Audit struct {
	// Data says which rows the audit was computed on.
	Data       string           `json:"data"`
	Rows       int              `json:"rows"`
	Cutoffs    []Cutoff         `json:"cutoffs"`
	Attributes []AttributeAudit `json:"attributes"`
	// Proxies lists, per input and attribute, the AUC of the input alone
	// for telling one group from the rest (the larger over groups and
	// directions); Flag marks ProxyFlagAUC or more.
	Proxies []Proxy `json:"proxies"`
}

// Cutoff is a product's approval threshold: approve at or above Score.
type Cutoff struct {
	Product string `json:"product"`
	Score   int    `json:"score"`
}

// AttributeAudit is one protected attribute's groups.
type AttributeAudit struct {
	Attribute string       `json:"attribute"`
	Groups    []GroupAudit `json:"groups"`
	// AdverseImpact holds, per cutoff, the lowest group's approval rate
	// over the highest's; below 0.8 fails the four-fifths rule of thumb.
	AdverseImpact []float64 `json:"adverse_impact_ratio"`
}

// GroupAudit is one group of a protected attribute.
type GroupAudit struct {
	Group     string    `json:"group"`
	Rows      int       `json:"rows"`
	MeanScore float64   `json:"mean_score"`
	Approval  []float64 `json:"approval"` // per cutoff
	// Calibration: the observed bad rate against the mean predicted one.
	ObservedBadRate  float64 `json:"observed_bad_rate"`
	PredictedBadRate float64 `json:"predicted_bad_rate"`
}

// Proxy is one input's power to predict one protected attribute.
type Proxy struct {
	Feature   string  `json:"feature"`
	Attribute string  `json:"attribute"`
	Group     string  `json:"group"` // the group it separates best from the rest
	AUC       float64 `json:"auc"`
	Flag      bool    `json:"flag"`
}

// ProxyFlagAUC is the AUC from which an input is flagged as a proxy of a
// protected attribute.
const ProxyFlagAUC = 0.65

// minAuditGroup is the rows a group needs to take part in the adverse
// impact ratio and the proxy check: a group of three says nothing.
const minAuditGroup = 30

// AuditFairness audits the model on rows with labels y and, per protected
// attribute (in the order of names), each row's group ("" = unknown: left
// out of that attribute). data describes the rows for the record.
func (m *Model) AuditFairness(data string, rows []Vector, y []float64, names []string, groups map[string][]string, cutoffs []Cutoff) *Audit {
	a := &Audit{Data: data, Rows: len(rows), Cutoffs: cutoffs}
	scores := make([]int, len(rows))
	prob := make([]float64, len(rows))
	for i, x := range rows {
		r := m.Score(x)
		scores[i], prob[i] = r.Score, r.Probability
	}
	for _, attr := range names {
		labels := groups[attr]
		idx := map[string][]int{}
		for i, g := range labels {
			if g != "" {
				idx[g] = append(idx[g], i)
			}
		}
		gs := make([]string, 0, len(idx))
		for g := range idx {
			gs = append(gs, g)
		}
		sort.Strings(gs)
		aa := AttributeAudit{Attribute: attr}
		lo, hi := make([]float64, len(cutoffs)), make([]float64, len(cutoffs))
		for k := range cutoffs {
			lo[k], hi[k] = math.Inf(1), math.Inf(-1)
		}
		for _, g := range gs {
			rs := idx[g]
			ga := GroupAudit{Group: g, Rows: len(rs), Approval: make([]float64, len(cutoffs))}
			var sum, bad, pred float64
			for _, i := range rs {
				sum += float64(scores[i])
				bad += y[i]
				pred += prob[i]
				for k, c := range cutoffs {
					if scores[i] >= c.Score {
						ga.Approval[k]++
					}
				}
			}
			n := float64(len(rs))
			ga.MeanScore, ga.ObservedBadRate, ga.PredictedBadRate = round6(sum/n), round6(bad/n), round6(pred/n)
			for k := range cutoffs {
				ga.Approval[k] = round6(ga.Approval[k] / n)
				if len(rs) >= minAuditGroup {
					lo[k], hi[k] = math.Min(lo[k], ga.Approval[k]), math.Max(hi[k], ga.Approval[k])
				}
			}
			aa.Groups = append(aa.Groups, ga)
		}
		for k := range cutoffs {
			r := 1.0
			if hi[k] > 0 && !math.IsInf(lo[k], 1) {
				r = round6(lo[k] / hi[k])
			}
			aa.AdverseImpact = append(aa.AdverseImpact, r)
		}
		a.Attributes = append(a.Attributes, aa)
		a.Proxies = append(a.Proxies, m.proxies(rows, attr, labels, gs, idx)...)
	}
	return a
}

// proxies measures each input's AUC, through its points (the model's own
// view of it), for telling each group of the attribute from the rest.
func (m *Model) proxies(rows []Vector, attr string, labels, groups []string, idx map[string][]int) []Proxy {
	var out []Proxy
	known := make([]int, 0, len(labels))
	for i, g := range labels {
		if g != "" {
			known = append(known, i)
		}
	}
	for f := range m.Features {
		feat := &m.Features[f]
		p := make([]float64, len(known))
		for k, i := range known {
			p[k] = float64(feat.Bins[feat.Bin(rows[i][f])].Points)
		}
		best := Proxy{Feature: feat.Name, Attribute: attr, AUC: 0.5}
		for _, g := range groups {
			if len(idx[g]) < minAuditGroup || len(idx[g]) == len(known) {
				continue
			}
			y := make([]float64, len(known))
			for k, i := range known {
				if labels[i] == g {
					y[k] = 1
				}
			}
			auc := AUC(p, y, nil)
			if math.IsNaN(auc) {
				continue
			}
			auc = math.Max(auc, 1-auc)
			if auc > best.AUC {
				best.AUC, best.Group = auc, g
			}
		}
		best.AUC = round6(best.AUC)
		best.Flag = best.AUC >= ProxyFlagAUC
		out = append(out, best)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].AUC > out[j].AUC })
	return out
}

// AgeBand is the protected age band of an age in years: "62+" (Reg B's
// elderly applicants), "under 62", or "" when unknown.
func AgeBand(age float64) string {
	switch {
	case math.IsNaN(age):
		return ""
	case age >= 62:
		return "62+"
	default:
		return "under 62"
	}
}

// auditTraining audits the model on its training rows, when the config
// asks for it (AuditCutoffs) and there is a protected attribute: every
// protected column of the data, and the age band 62+ from AgeColumn (an
// input or not — a withheld age is still known to the data).
func (m *Model) auditTraining(full *Dataset, cfg Config) *Audit {
	if len(cfg.AuditCutoffs) == 0 {
		return nil
	}
	groups := map[string][]string{}
	var names []string
	for _, name := range full.spec.Protected {
		if col, ok := full.Protected[name]; ok {
			groups[name] = col
			names = append(names, name)
		}
	}
	if cfg.AgeColumn != "" {
		for _, c := range full.Columns {
			if c.Name == cfg.AgeColumn && c.Type == numeric {
				band := make([]string, len(c.Num))
				for i, a := range c.Num {
					band[i] = AgeBand(a)
				}
				groups["age 62+"] = band
				names = append(names, "age 62+")
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	rows := make([]Vector, full.Rows())
	for i := range rows {
		x := make(Vector, len(m.Features))
		for j := range m.Features {
			x[j] = math.NaN()
		}
		rows[i] = x
	}
	for _, c := range full.Columns {
		j := m.Feature(c.Name)
		if j < 0 {
			continue
		}
		for i := range rows {
			if c.Type == numeric {
				rows[i][j] = c.Num[i]
			} else if c.Cat[i] != "" {
				rows[i][j] = m.levelCode(j, c.Cat[i])
			}
		}
	}
	return m.AuditFairness("training rows (in-sample)", rows, full.Label, names, groups, cfg.AuditCutoffs)
}
