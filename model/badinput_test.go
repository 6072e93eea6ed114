package model

import (
	"strings"
	"testing"

	"github.com/sesame-credit/sesame/model/table"
)

// Each case is a small CSV that a person could plausibly hand the trainer,
// and the words the error or warning must contain so they can fix it.
func TestBadInputGetsOneClearMessage(t *testing.T) {
	good := "x,y,bad\n1,a,0\n2,b,1\n3,a,0\n4,b,1\n"
	cases := []struct {
		name, csv, bad string
		wantErr        []string // words of the error; nil means success
		wantWarn       []string // words of a warning
	}{
		{name: "label not 0/1", csv: "x,bad\n1,0\n2,2\n3,1\n", wantErr: []string{`"bad"`, "row 2", `"2"`, "--bad"}},
		{name: "label yes/no without --bad", csv: "x,bad\n1,no\n2,yes\n", wantErr: []string{`"bad"`, "row 1", `"no"`}},
		{name: "label yes/no with --bad", csv: "x,bad\n1,no\n2,yes\n3,no\n", bad: "yes"},
		{name: "bad value never occurs", csv: "x,bad\n1,no\n2,no\n", bad: "yes", wantErr: []string{`"bad"`, "no bad rows", `"yes"`}},
		{name: "missing label", csv: "x,bad\n1,0\n2,\n3,1\n", wantErr: []string{`"bad"`, "row 2", "missing"}},
		{name: "all-missing column", csv: "x,empty,bad\n1,,0\n2,NA,1\n3,,0\n", wantWarn: []string{`"empty"`, "missing on every row"}},
		{name: "constant column", csv: "x,k,bad\n1,7,0\n2,7,1\n3,7,0\n", wantWarn: []string{`"k"`, "one value"}},
		{name: "text in a numeric column", csv: "x,bad\n" + strings.Repeat("1,0\n2,1\n", 10) + "two,0\n", wantErr: []string{`"x"`, "row 21", `"two"`, "not a number"}},
		{name: "only bad columns", csv: "k,bad\n7,0\n7,1\n", wantErr: []string{"no usable feature", `"k"`}},
		{name: "no label column", csv: good, wantErr: []string{`"nolabel"`, "not found"}},
		{name: "negative weight", csv: "x,w,bad\n1,1,0\n2,-3,1\n", wantErr: []string{`"w"`, "row 2", `"-3"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb, err := readCSV(t, c.csv)
			if err != nil {
				t.Fatalf("reading: %v", err)
			}
			spec := DataSpec{Label: "bad", Bad: c.bad}
			if strings.Contains(c.csv, ",w,") {
				spec.Weight = "w"
			}
			if c.name == "no label column" {
				spec.Label = "nolabel"
			}
			d, err := LoadDataset(tb, spec)
			if c.wantErr != nil {
				if err == nil {
					t.Fatalf("no error; want one mentioning %q", c.wantErr)
				}
				for _, w := range c.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Fatalf("error %q does not mention %s", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			warnings := strings.Join(d.Warnings, "\n")
			for _, w := range c.wantWarn {
				if !strings.Contains(warnings, w) {
					t.Fatalf("warnings %q do not mention %s", warnings, w)
				}
			}
			if len(c.wantWarn) == 0 && len(d.Warnings) > 0 {
				t.Fatalf("unexpected warnings: %s", warnings)
			}
		})
	}
}

func TestEmptyFileIsAnError(t *testing.T) {
	for _, in := range []string{"", "   \n", "x,bad\n"} {
		if _, err := readCSV(t, in); err == nil {
			t.Fatalf("%q: no error", in)
		} else if !strings.Contains(err.Error(), "empty") && !strings.Contains(err.Error(), "no data rows") {
			t.Fatalf("%q: error %q does not say the file is empty", in, err)
		}
	}
}

func TestRaggedRowNamesTheRow(t *testing.T) {
	_, err := readCSV(t, "x,bad\n1,0\n2,1,9\n")
	if err == nil || !strings.Contains(err.Error(), "row 2") {
		t.Fatalf("error %v does not name row 2", err)
	}
}

func TestScoringTextInANumericColumnNamesIt(t *testing.T) {
	m, test := trainTaiwan(t, fastConfig())
	test.Rows[4] = append([]string(nil), test.Rows[4]...)
	test.Rows[4][test.Column("AGE")] = "forty"
	_, err := m.EncodeTable(test)
	if err == nil || !strings.Contains(err.Error(), `"AGE"`) || !strings.Contains(err.Error(), "row 5") {
		t.Fatalf("error %v does not name column AGE and row 5", err)
	}
}

func TestTrainRejectsBadConfig(t *testing.T) {
	tb := synthetic(500, 4)
	d, err := LoadDataset(tb, DataSpec{Label: "bad", Exclude: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]Config{
		"kind":        {Kind: "forest"},
		"monotone":    {Monotone: map[string]int{"nosuch": 1}},
		"direction":   {Monotone: map[string]int{"late": 2}},
		"categorical": {Monotone: map[string]int{"job": 1}},
	} {
		if _, err := Train(d, cfg); err == nil {
			t.Errorf("%s: bad config accepted", name)
		}
	}
}

func TestEncodeRowNamesTheFileRow(t *testing.T) {
	m, test := trainTaiwan(t, fastConfig())
	test.Rows[6] = append([]string(nil), test.Rows[6]...)
	test.Rows[6][test.Column("LIMIT_BAL")] = "lots"
	if _, err := m.EncodeRow(test, 7); err == nil || !strings.Contains(err.Error(), "row 7") || !strings.Contains(err.Error(), `"LIMIT_BAL"`) {
		t.Fatalf("error %v does not name column LIMIT_BAL and row 7", err)
	}
	if _, err := m.EncodeRow(test, 0); err == nil {
		t.Fatal("row 0 accepted")
	}
	x, err := m.EncodeRow(test, 1)
	if err != nil {
		t.Fatal(err)
	}
	all, err := m.EncodeTable(&table.Table{Header: test.Header, Rows: test.Rows[:1]})
	if err != nil {
		t.Fatal(err)
	}
	if m.Score(x).Score != m.Score(all[0]).Score {
		t.Fatal("EncodeRow and EncodeTable disagree")
	}
}
