package model

// rule is one branch of a bin lookup, in evaluation order: the first rule
// that matches a value decides its bin. Both exports (SQL and PMML) are
// written from these rules, so they cannot disagree on the bin edges.
type rule struct {
	kind  ruleKind
	value float64  // for ruleEqual, ruleBelow (upper bound), ruleAtLeast
	low   float64  // for ruleBetween: low <= x < value
	set   []string // for ruleIn
	bin   int
}

type ruleKind int

const (
	ruleMissing ruleKind = iota
	ruleEqual
	ruleBelow
	ruleBetween
	ruleAtLeast
	ruleIn
	ruleElse
)

// rules lists the bin rules of a binning. Missing comes first, then special
// values, then the ordered bins; the last rule is always a catch-all.
func (b *Binning) rules() []rule {
	rs := []rule{{kind: ruleMissing, bin: b.MissingBin()}}
	if b.Type == categorical {
		for k, l := range b.Levels {
			rs = append(rs, rule{kind: ruleIn, set: []string{l}, bin: k})
		}
		return append(rs, rule{kind: ruleElse, bin: len(b.Levels)})
	}
	n := len(b.Cuts)
	for k, s := range b.Specials {
		rs = append(rs, rule{kind: ruleEqual, value: s, bin: n + 1 + k})
	}
	for k, c := range b.Cuts {
		if k == 0 {
			rs = append(rs, rule{kind: ruleBelow, value: c, bin: 0})
		} else {
			rs = append(rs, rule{kind: ruleBetween, low: b.Cuts[k-1], value: c, bin: k})
		}
	}
	return append(rs, rule{kind: ruleElse, bin: n})
}
