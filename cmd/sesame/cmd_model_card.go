package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/model"
	"github.com/sesame-credit/sesame/model/report"
)

// `sesame model card VERSION`: the model card of a stored version — data,
// method, metrics, the fairness audit stored with it, constraints, limits —
// as Markdown on stdout, and as HTML with --html.

func init() {
	register(&command{name: "model card", summary: "print a stored model version's card: data, method, metrics, fairness, constraints, limits", run: runModelCard})
}

func runModelCard(ctx context.Context, args []string) error {
	fs := newFlags("model card", "[--db PATH|URL] [--html FILE] VERSION")
	dsn := dbFlag(fs)
	htmlOut := fs.String("html", "", "also write the card as a self-contained HTML page to `FILE`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError(fs, "give exactly one VERSION (see sesame model list)")
	}
	version := fs.Arg(0)
	svc, st, err := openScoreService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	artifact, err := svc.Models.ModelArtifact(ctx, version)
	if err != nil {
		return err
	}
	m, err := model.Read(bytes.NewReader(artifact))
	if err != nil {
		return fmt.Errorf("model %s: %w", version, err)
	}
	registered, err := registrationDrift(ctx, svc.Models, version)
	if err != nil {
		return err
	}
	if *htmlOut != "" {
		var b bytes.Buffer
		if err := report.CardHTML(&b, m, version, registered); err != nil {
			return err
		}
		if err := os.WriteFile(*htmlOut, b.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "wrote", *htmlOut)
	}
	return report.CardMarkdown(os.Stdout, m, version, registered)
}

// registrationDrift is the drift stored with version when it was
// registered, as the model package counts it (nil: none was measured).
func registrationDrift(ctx context.Context, models sesame.ModelStore, version string) (*model.Drift, error) {
	infos, err := models.Models(ctx)
	if err != nil {
		return nil, err
	}
	for _, info := range infos {
		if info.Version != version || info.Drift == nil {
			continue
		}
		d := &model.Drift{Rows: info.Drift.People, Score: math.NaN(), Features: info.Drift.InputCSI}
		if info.Drift.ScorePSI != nil {
			d.Score = *info.Drift.ScorePSI
		}
		return d, nil
	}
	return nil, nil
}
