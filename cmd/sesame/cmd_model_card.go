package main

import (
	"bytes"
	"context"
	"fmt"
	"os"

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
	if *htmlOut != "" {
		var b bytes.Buffer
		if err := report.CardHTML(&b, m, version); err != nil {
			return err
		}
		if err := os.WriteFile(*htmlOut, b.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "wrote", *htmlOut)
	}
	return report.CardMarkdown(os.Stdout, m, version)
}
