package model

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/sesame-credit/sesame/model/table"
)

// DataSpec says how to read a table: which column is the label, which value
// of it means bad, and which columns are not model inputs.
type DataSpec struct {
	Label string
	// Bad is the label value that means bad; empty means the label must be 0/1.
	Bad     string
	Exclude []string
	// Protected columns (e.g. sex) never enter the model; they are kept aside
	// for fairness measurement only.
	Protected []string
	Weight    string
}

// Dataset is a table made ready for training: typed feature columns, a 0/1
// label, optional weights, and protected columns set aside.
type Dataset struct {
	Columns   []Column
	Label     []float64 // 1 = bad
	Weight    []float64 // nil means every row weighs 1
	Protected map[string][]string
	SHA256    string
	// Warnings name columns that were dropped and why; the caller shows them.
	Warnings []string
	spec     DataSpec
}

// Column is one typed feature column. Numeric columns hold NaN for missing;
// categorical ones hold "" for missing.
type Column struct {
	Name string
	Type string // numeric | categorical
	Num  []float64
	Cat  []string
}

// Rows is the number of rows.
func (d *Dataset) Rows() int { return len(d.Label) }

// missingTokens are the spellings of "no value" found in public data sets.
var missingTokens = map[string]bool{"": true, "na": true, "n/a": true, "nan": true, "null": true, "none": true, "?": true}

func isMissing(s string) bool { return missingTokens[strings.ToLower(strings.TrimSpace(s))] }

// parseNumber parses a numeric cell; ok is false for text. Infinities count as
// text: they would poison every sum downstream.
func parseNumber(s string) (float64, bool) {
	x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, false
	}
	return x, true
}

// LoadDataset checks and types a table for training. Errors name the column
// and the data row (1 = the first row after the header) a person must fix:
// a label that is neither 0/1 nor the bad value, a missing label, a bad
// weight, text in an otherwise numeric column. Columns that carry no
// information (all missing, constant) are dropped with a warning.
func LoadDataset(t *table.Table, spec DataSpec) (*Dataset, error) {
	d := &Dataset{SHA256: t.SHA256, Protected: map[string][]string{}, spec: spec}
	li := t.Column(spec.Label)
	if spec.Label == "" || li < 0 {
		return nil, fmt.Errorf("label column %q not found; columns are %s", spec.Label, strings.Join(t.Header, ", "))
	}
	var err error
	if d.Label, err = ParseLabels(t, spec.Label, spec.Bad); err != nil {
		return nil, err
	}
	skip := map[string]bool{spec.Label: true}
	for _, name := range append(slices.Clone(spec.Exclude), spec.Protected...) {
		if t.Column(name) < 0 {
			return nil, fmt.Errorf("column %q (excluded or protected) not found", name)
		}
		skip[name] = true
	}
	for _, name := range spec.Protected {
		j := t.Column(name)
		vals := make([]string, len(t.Rows))
		for i, r := range t.Rows {
			vals[i] = strings.TrimSpace(r[j])
		}
		d.Protected[name] = vals
	}
	if spec.Weight != "" {
		wi := t.Column(spec.Weight)
		if wi < 0 {
			return nil, fmt.Errorf("weight column %q not found", spec.Weight)
		}
		skip[spec.Weight] = true
		d.Weight = make([]float64, len(t.Rows))
		for i, r := range t.Rows {
			w, ok := parseNumber(r[wi])
			if !ok || w < 0 {
				return nil, fmt.Errorf("weight column %q row %d: %q is not a non-negative number", spec.Weight, i+1, r[wi])
			}
			d.Weight[i] = w
		}
	}
	for j, name := range t.Header {
		if skip[name] {
			continue
		}
		col, warn, err := typeColumn(t, j)
		if err != nil {
			return nil, err
		}
		if warn != "" {
			d.Warnings = append(d.Warnings, warn)
			continue
		}
		d.Columns = append(d.Columns, col)
	}
	if len(d.Columns) == 0 {
		return nil, fmt.Errorf("no usable feature columns (%s)", strings.Join(d.Warnings, "; "))
	}
	return d, nil
}

// ParseLabels reads the label column as 1 = bad, 0 = good.
func ParseLabels(t *table.Table, label, bad string) ([]float64, error) {
	li := t.Column(label)
	if li < 0 {
		return nil, fmt.Errorf("label column %q not found", label)
	}
	y := make([]float64, len(t.Rows))
	bads := 0
	for i, r := range t.Rows {
		v := strings.TrimSpace(r[li])
		switch {
		case isMissing(v):
			return nil, fmt.Errorf("label column %q row %d: missing value; every training row needs a label", label, i+1)
		case bad != "":
			if v == bad {
				y[i] = 1
			}
		default:
			x, ok := parseNumber(v)
			if !ok || (x != 0 && x != 1) {
				return nil, fmt.Errorf("label column %q row %d: value %q is neither 0 nor 1; name the bad value with --bad", label, i+1, v)
			}
			y[i] = x
		}
		if y[i] == 1 {
			bads++
		}
	}
	if bads == 0 || bads == len(y) {
		what := "no bad rows"
		if bads == len(y) {
			what = "no good rows"
		}
		hint := "label 1"
		if bad != "" {
			hint = fmt.Sprintf("value %q", bad)
		}
		return nil, fmt.Errorf("label column %q: %s (bad is %s); a model needs both classes", label, what, hint)
	}
	return y, nil
}

// typeColumn decides whether column j is numeric or categorical. A column
// that is numeric except for a few cells is taken to hold typos, not
// categories: the first text cell is reported, never silently made NaN.
func typeColumn(t *table.Table, j int) (Column, string, error) {
	name := t.Header[j]
	nonMissing, numbers := 0, 0
	firstText := -1
	for i, r := range t.Rows {
		if isMissing(r[j]) {
			continue
		}
		nonMissing++
		if _, ok := parseNumber(r[j]); ok {
			numbers++
		} else if firstText < 0 {
			firstText = i
		}
	}
	if nonMissing == 0 {
		return Column{}, fmt.Sprintf("column %q is missing on every row: dropped", name), nil
	}
	if numbers > 0 && numbers < nonMissing && float64(numbers) >= 0.9*float64(nonMissing) {
		return Column{}, "", fmt.Errorf("column %q row %d: %q is not a number, but %d of %d values are; fix the cell or mark it missing (empty)",
			name, firstText+1, t.Rows[firstText][j], numbers, nonMissing)
	}
	col := Column{Name: name}
	if numbers == nonMissing {
		col.Type = numeric
		col.Num = make([]float64, len(t.Rows))
		for i, r := range t.Rows {
			if x, ok := parseNumber(r[j]); ok && !isMissing(r[j]) {
				col.Num[i] = x
			} else {
				col.Num[i] = math.NaN()
			}
		}
	} else {
		col.Type = categorical
		col.Cat = make([]string, len(t.Rows))
		for i, r := range t.Rows {
			if !isMissing(r[j]) {
				col.Cat[i] = strings.TrimSpace(r[j])
			}
		}
	}
	if col.constant() {
		return Column{}, fmt.Sprintf("column %q has one value on every row: dropped", name), nil
	}
	return col, "", nil
}

// constant reports whether the column cannot separate any two rows.
func (c *Column) constant() bool {
	if c.Type == numeric {
		first := c.Num[0]
		for _, x := range c.Num[1:] {
			if x != first && !(x != x && first != first) {
				return false
			}
		}
		return true
	}
	return !slices.ContainsFunc(c.Cat, func(s string) bool { return s != c.Cat[0] })
}

// EncodeTable turns the rows of t into Vectors in the model's feature order.
// Every model feature must be a column of t; text in a numeric feature is an
// error naming the column and row.
func (m *Model) EncodeTable(t *table.Table) ([]Vector, error) {
	cols, err := m.columnsOf(t)
	if err != nil {
		return nil, err
	}
	out := make([]Vector, len(t.Rows))
	flat := make([]float64, len(t.Rows)*len(m.Features))
	for r := range t.Rows {
		v := Vector(flat[r*len(m.Features) : (r+1)*len(m.Features)])
		if err := m.encodeRow(t, cols, r, v); err != nil {
			return nil, err
		}
		out[r] = v
	}
	return out, nil
}

// EncodeRow is EncodeTable for one data row (1 = the first after the header).
func (m *Model) EncodeRow(t *table.Table, row int) (Vector, error) {
	if row < 1 || row > len(t.Rows) {
		return nil, fmt.Errorf("row %d: the data has rows 1 to %d", row, len(t.Rows))
	}
	cols, err := m.columnsOf(t)
	if err != nil {
		return nil, err
	}
	v := make(Vector, len(m.Features))
	return v, m.encodeRow(t, cols, row-1, v)
}

// columnsOf finds each model feature's column in t.
func (m *Model) columnsOf(t *table.Table) ([]int, error) {
	cols := make([]int, len(m.Features))
	for i, f := range m.Features {
		if cols[i] = t.Column(f.Name); cols[i] < 0 {
			return nil, fmt.Errorf("column %q, a model feature, is not in the data", f.Name)
		}
	}
	return cols, nil
}

// encodeRow fills v from the 0-based row r of t.
func (m *Model) encodeRow(t *table.Table, cols []int, r int, v Vector) error {
	row := t.Rows[r]
	for i, f := range m.Features {
		cell := row[cols[i]]
		switch {
		case isMissing(cell):
			v[i] = math.NaN()
		case f.Type == categorical:
			v[i] = m.levelCode(i, strings.TrimSpace(cell))
		default:
			x, ok := parseNumber(cell)
			if !ok {
				return fmt.Errorf("column %q row %d: %q is not a number", f.Name, r+1, cell)
			}
			v[i] = x
		}
	}
	return nil
}
