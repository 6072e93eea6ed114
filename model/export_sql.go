package model

import (
	"fmt"
	"strings"
)

// SQL returns one SELECT that scores every row of the table named from, in
// SQLite or PostgreSQL: one CASE expression per term gives its points (a
// column named "points:TERM"), their sum is points_total, and score clamps
// it. Features are read from columns of the same names; NULL is missing.
// The points are integers, so the database's sum equals Go's exactly.
func (m *Model) SQL(from string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "-- Sesame %s model (%s); training data sha256 %s\n", m.Kind, m.Schema, m.Training.SHA256)
	fmt.Fprintf(&sb, "-- score = points_total clamped to [%d, %d]; points:TERM columns explain it.\n", m.Scaling.Min, m.Scaling.Max)
	sb.WriteString("SELECT p.*,\n  CASE WHEN p.points_total < ")
	fmt.Fprintf(&sb, "%d THEN %d WHEN p.points_total > %d THEN %d ELSE p.points_total END AS score\nFROM (\n",
		m.Scaling.Min, m.Scaling.Min, m.Scaling.Max, m.Scaling.Max)
	sb.WriteString("  SELECT q.*,\n    ")
	for t := range m.NumTerms() {
		if t > 0 {
			sb.WriteString(" + ")
		}
		sb.WriteString("q." + quoteIdent("points:"+m.TermName(t)))
	}
	sb.WriteString(" AS points_total\n  FROM (\n    SELECT t.*")
	for i := range m.Features {
		f := &m.Features[i]
		points := func(bin int) string { return fmt.Sprint(f.Bins[bin].Points) }
		fmt.Fprintf(&sb, ",\n      %s AS %s", caseSQL(&f.Binning, "t."+quoteIdent(f.Name), points), quoteIdent("points:"+f.Name))
	}
	for p := range m.Interactions {
		in := &m.Interactions[p]
		ca, cb := "t."+quoteIdent(in.Features[0]), "t."+quoteIdent(in.Features[1])
		outer := func(a int) string {
			return caseSQL(&in.Axes[1], cb, func(b int) string { return fmt.Sprint(in.Points[a][b]) })
		}
		fmt.Fprintf(&sb, ",\n      %s AS %s", caseSQL(&in.Axes[0], ca, outer), quoteIdent("points:"+in.Name))
	}
	fmt.Fprintf(&sb, "\n    FROM %s AS t\n  ) AS q\n) AS p;\n", quoteIdent(from))
	return sb.String()
}

// caseSQL writes the CASE expression mapping column col to then(bin).
func caseSQL(b *Binning, col string, then func(bin int) string) string {
	var sb strings.Builder
	sb.WriteString("CASE")
	for _, r := range b.rules() {
		var cond string
		switch r.kind {
		case ruleMissing:
			cond = col + " IS NULL"
		case ruleEqual:
			cond = col + " = " + fmtNum(r.value)
		case ruleBelow:
			cond = col + " < " + fmtNum(r.value)
		case ruleBetween:
			// Earlier rules already took smaller values: the upper bound decides.
			cond = col + " < " + fmtNum(r.value)
		case ruleIn:
			quoted := make([]string, len(r.set))
			for i, s := range r.set {
				quoted[i] = quoteString(s)
			}
			cond = col + " IN (" + strings.Join(quoted, ", ") + ")"
		case ruleElse:
			sb.WriteString(" ELSE " + then(r.bin) + " END")
			continue
		}
		sb.WriteString(" WHEN " + cond + " THEN " + then(r.bin))
	}
	return sb.String()
}

func quoteIdent(s string) string  { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
