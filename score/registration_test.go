package score

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/model/report"
	"github.com/sesame-credit/sesame/model/table"
	"github.com/sesame-credit/sesame/sqlite"
)

// populationTable turns a drawn population into the model rows registration
// reads; shift is added to every utilisation.
func populationTable(d *model.Dataset, shift float64) *table.Table {
	t := &table.Table{Header: []string{"late_payments", "utilisation"}}
	for i := range d.Label {
		t.Rows = append(t.Rows, []string{
			strconv.FormatFloat(d.Columns[0].Num[i], 'g', -1, 64),
			strconv.FormatFloat(d.Columns[1].Num[i]+shift, 'g', -1, 64),
		})
	}
	return t
}

// The drift a version meets at registration is measured against its
// training baseline and stored with the version: people drawn as the
// training ones were are stable, people whose utilisation has risen have
// shifted (score PSI and the input's CSI above the alert), and the model
// card shows it.
func TestRegistrationDriftIsStoredWithTheVersion(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := &Service{Models: db.Scores(), Scales: db.Scores()}
	registered := map[string]float64{}
	for v, shift := range []float64{0, 0.6} {
		m, err := model.Train(scalePopulation(4000, uint64(v+1), -3), model.Config{Seed: uint64(v + 1), Bags: 2, MaxRounds: 200, Interactions: 0})
		if err != nil {
			t.Fatal(err)
		}
		info, err := svc.RegisterWithPopulation(ctx, artifact(t, m), "", populationTable(scalePopulation(3000, 9, -3), shift))
		if err != nil {
			t.Fatal(err)
		}
		registered[info.Version] = shift
	}
	plain, err := model.Train(scalePopulation(4000, 5, -3), model.Config{Seed: 5, Bags: 2, MaxRounds: 200, Interactions: 0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Register(ctx, artifact(t, plain), "no population"); err != nil {
		t.Fatal(err)
	}
	infos, err := db.Scores().Models(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		shift, measured := registered[info.Version]
		d := info.Drift
		switch {
		case !measured:
			if d != nil {
				t.Errorf("version %s, registered without a population, has drift %+v", info.Version, d)
			}
		case d == nil || d.ScorePSI == nil || d.People != 3000:
			t.Errorf("version %s (shift %g): stored drift %+v", info.Version, shift, d)
		case shift == 0 && (*d.ScorePSI >= model.PSIAlert || d.InputCSI["utilisation"] >= model.PSIAlert):
			t.Errorf("an unshifted population reads as shifted: score PSI %.4f, utilisation CSI %.4f", *d.ScorePSI, d.InputCSI["utilisation"])
		case shift > 0 && (*d.ScorePSI <= model.PSIAlert || d.InputCSI["utilisation"] <= model.PSIAlert):
			t.Errorf("a shifted population reads as stable: score PSI %.4f, utilisation CSI %.4f", *d.ScorePSI, d.InputCSI["utilisation"])
		case shift > 0:
			var card strings.Builder
			reg := &model.Drift{Rows: d.People, Score: *d.ScorePSI, Features: d.InputCSI}
			if err := report.CardMarkdown(&card, plain, info.Version, reg); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"Drift at registration, over the 3000 people", "utilisation | " + strconv.FormatFloat(d.InputCSI["utilisation"], 'f', 4, 64) + " | shifted"} {
				if !strings.Contains(card.String(), want) {
					t.Errorf("the card lacks %q:\n%s", want, card.String())
				}
			}
		}
	}
	if _, err := svc.RegisterWithPopulation(ctx, artifact(t, plain), "", &table.Table{Header: []string{"other"}, Rows: [][]string{{"1"}}}); err == nil {
		t.Error("a population without the model's inputs was accepted")
	}
}
