package model

import (
	"bytes"
	"database/sql"
	"encoding/xml"
	"math"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

// sqlScores loads the rows into a table named applicants in db, runs the
// model's SQL export and returns the score and each term's points per row.
// mark(i) spells the i-th (1-based) placeholder of the database's dialect.
func sqlScores(t *testing.T, db *sql.DB, create string, mark func(int) string, m *Model, rows []Vector) (scores []int, points [][]int) {
	t.Helper()
	cols := make([]string, len(m.Features))
	marks := []string{mark(1)}
	for i, f := range m.Features {
		typ := "DOUBLE PRECISION"
		if f.Type == categorical {
			typ = "TEXT"
		}
		cols[i] = quoteIdent(f.Name) + " " + typ
		marks = append(marks, mark(i+2))
	}
	if _, err := db.Exec(create + " applicants (row_id INTEGER PRIMARY KEY, " + strings.Join(cols, ", ") + ")"); err != nil {
		t.Fatal(err)
	}
	insert := "INSERT INTO applicants VALUES (" + strings.Join(marks, ", ") + ")"
	for r, x := range rows {
		args := []any{r}
		for i, f := range m.Features {
			switch {
			case math.IsNaN(x[i]):
				args = append(args, nil)
			case f.Type == categorical && x[i] >= 0:
				args = append(args, f.Levels[int(x[i])])
			case f.Type == categorical:
				args = append(args, "a level the model never saw")
			default:
				args = append(args, x[i])
			}
		}
		if _, err := db.Exec(insert, args...); err != nil {
			t.Fatal(err)
		}
	}
	query := strings.TrimSuffix(strings.TrimSpace(m.SQL("applicants")), ";") + " ORDER BY row_id"
	res, err := db.Query(query)
	if err != nil {
		t.Fatalf("the exported SQL does not run: %v", err)
	}
	defer res.Close()
	names, _ := res.Columns()
	for res.Next() {
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := res.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		byName := map[string]any{}
		for i, n := range names {
			byName[n] = vals[i]
		}
		scores = append(scores, asInt(t, byName["score"]))
		pts := make([]int, m.NumTerms())
		for term := range pts {
			pts[term] = asInt(t, byName["points:"+m.TermName(term)])
		}
		points = append(points, pts)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	return scores, points
}

// asInt reads an integer column whatever width the driver returns.
func asInt(t *testing.T, v any) int {
	t.Helper()
	switch x := v.(type) {
	case int64:
		return int(x)
	case int32:
		return int(x)
	}
	t.Fatalf("integer column came back as %T", v)
	return 0
}

func sqliteScores(t *testing.T, m *Model, rows []Vector) ([]int, [][]int) {
	t.Helper()
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one in-memory database
	return sqlScores(t, db, "CREATE TABLE", func(int) string { return "?" }, m, rows)
}

func checkSQLMatchesGo(t *testing.T, m *Model, rows []Vector) {
	t.Helper()
	checkScores(t, m, rows, sqliteScores)
}

func checkScores(t *testing.T, m *Model, rows []Vector, run func(*testing.T, *Model, []Vector) ([]int, [][]int)) {
	t.Helper()
	scores, points := run(t, m, rows)
	if len(scores) != len(rows) {
		t.Fatalf("SQL returned %d rows, want %d", len(scores), len(rows))
	}
	for i, x := range rows {
		r := m.Score(x)
		if scores[i] != r.Score {
			t.Fatalf("row %d: SQL score %d, Go score %d", i+1, scores[i], r.Score)
		}
		for term := range r.Points {
			if points[i][term] != r.Points[term] {
				t.Fatalf("row %d, term %s: SQL %d points, Go %d", i+1, m.TermName(term), points[i][term], r.Points[term])
			}
		}
	}
}

func TestSQLExportMatchesGoOnTaiwan(t *testing.T) {
	m, test := trainTaiwan(t, fastConfig())
	rows, err := m.EncodeTable(test)
	if err != nil {
		t.Fatal(err)
	}
	checkSQLMatchesGo(t, m, rows)
}

// The synthetic set has categorical levels (one with a quote), sentinel
// codes and missing values: every kind of SQL branch.
func TestSQLExportMatchesGoOnEveryBinKind(t *testing.T) {
	tb := synthetic(4000, 2)
	d, err := LoadDataset(tb, DataSpec{Label: "bad", Exclude: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.MinCategoryCount = 5
	m, err := Train(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	late := m.Features[m.Feature("late")]
	if len(late.Specials) != 1 || late.Specials[0] != 98 {
		t.Fatalf("sentinel 98 not given its own bin: specials %v", late.Specials)
	}
	rows, err := m.EncodeTable(tb)
	if err != nil {
		t.Fatal(err)
	}
	// Add a row with every value missing and one with an unseen level.
	rows = append(rows, Vector{math.NaN(), math.NaN(), math.NaN()}, Vector{-1, 2, 5000})
	checkSQLMatchesGo(t, m, rows)
}

// pmmlDoc is the part of PMML 4.4 the test checks.
type pmmlDoc struct {
	XMLName        xml.Name `xml:"PMML"`
	Version        string   `xml:"version,attr"`
	Xmlns          string   `xml:"xmlns,attr"`
	DataDictionary struct {
		N      int `xml:"numberOfFields,attr"`
		Fields []struct {
			Name string `xml:"name,attr"`
		} `xml:"DataField"`
	}
	Scorecard struct {
		UseReasonCodes      bool   `xml:"useReasonCodes,attr"`
		ReasonCodeAlgorithm string `xml:"reasonCodeAlgorithm,attr"`
		BaselineMethod      string `xml:"baselineMethod,attr"`
		MiningSchema        struct {
			Fields []struct {
				Name      string `xml:"name,attr"`
				UsageType string `xml:"usageType,attr"`
			} `xml:"MiningField"`
		}
		Output struct {
			Fields []struct {
				Feature string `xml:"feature,attr"`
			} `xml:"OutputField"`
		}
		Characteristics struct {
			List []struct {
				Name          string `xml:"name,attr"`
				ReasonCode    string `xml:"reasonCode,attr"`
				BaselineScore int    `xml:"baselineScore,attr"`
				Attributes    []struct {
					PartialScore int        `xml:"partialScore,attr"`
					Inner        []byte     `xml:",innerxml"`
					Children     []xml.Name `xml:",any"`
				} `xml:"Attribute"`
			} `xml:"Characteristic"`
		}
	}
}

func TestPMMLHasTheScorecardStructure(t *testing.T) {
	tb := synthetic(3000, 3)
	d, err := LoadDataset(tb, DataSpec{Label: "bad", Exclude: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(d, fastConfig())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.PMML(&buf); err != nil {
		t.Fatal(err)
	}
	var doc pmmlDoc
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("PMML is not well-formed XML: %v", err)
	}
	if doc.Version != "4.4" || doc.Xmlns != "http://www.dmg.org/PMML-4_4" {
		t.Fatalf("PMML version %q, namespace %q", doc.Version, doc.Xmlns)
	}
	if doc.DataDictionary.N != len(m.Features)+1 || len(doc.DataDictionary.Fields) != doc.DataDictionary.N {
		t.Fatalf("DataDictionary has %d fields (numberOfFields %d), want %d", len(doc.DataDictionary.Fields), doc.DataDictionary.N, len(m.Features)+1)
	}
	sc := doc.Scorecard
	if !sc.UseReasonCodes || sc.ReasonCodeAlgorithm != "pointsBelow" || sc.BaselineMethod != "max" {
		t.Fatalf("Scorecard attributes: %+v", sc)
	}
	reasonOutputs := 0
	for _, o := range sc.Output.Fields {
		if o.Feature == "reasonCode" {
			reasonOutputs++
		}
	}
	if reasonOutputs != MaxReasons {
		t.Fatalf("%d reason code outputs, want %d", reasonOutputs, MaxReasons)
	}
	if len(sc.MiningSchema.Fields) != len(m.Features)+1 {
		t.Fatalf("MiningSchema has %d fields", len(sc.MiningSchema.Fields))
	}
	if len(sc.Characteristics.List) != m.NumTerms() {
		t.Fatalf("%d characteristics, want one per term (%d)", len(sc.Characteristics.List), m.NumTerms())
	}
	for term, ch := range sc.Characteristics.List {
		if ch.Name != m.TermName(term) || ch.ReasonCode == "" || ch.BaselineScore != m.BestPoints(term) {
			t.Fatalf("characteristic %d: %+v", term, ch)
		}
		want := 0
		if term < len(m.Features) {
			want = len(m.Features[term].Bins)
		} else {
			in := m.Interactions[term-len(m.Features)]
			want = in.Axes[0].NumBins() * in.Axes[1].NumBins()
		}
		if len(ch.Attributes) != want {
			t.Fatalf("characteristic %s: %d attributes, want %d", ch.Name, len(ch.Attributes), want)
		}
		for _, a := range ch.Attributes {
			if len(a.Children) != 1 || !strings.HasSuffix(a.Children[0].Local, "Predicate") && a.Children[0].Local != "True" {
				t.Fatalf("characteristic %s: attribute without one predicate: %s", ch.Name, a.Inner)
			}
		}
	}
}
