package sqlrow

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sesame-credit/sesame"
)

// The reads below are the same query on both engines.

// Watermarks returns every source's watermark, by source name.
func Watermarks(ctx context.Context, q Querier) ([]sesame.Watermark, error) {
	rows, err := q.Query(ctx, `SELECT source, complete_to, updated_at FROM source_watermarks ORDER BY source`)
	if err != nil {
		return nil, err
	}
	return Collect(rows, func(row Row) (sesame.Watermark, error) {
		var w sesame.Watermark
		var to, at int64
		err := row.Scan(&w.Source, &to, &at)
		w.CompleteTo, w.UpdatedAt = FromNS(to), FromNS(at)
		return w, err
	})
}

// MailDue returns up to limit notices to mail, oldest first: those to a
// recipient with an address, created since it was set, not mailed yet.
func MailDue(ctx context.Context, q Querier, limit int) ([]sesame.MailItem, error) {
	rows, err := q.Query(ctx, `SELECT a.address, n.id, n.recipient, n.topic, n.body, n.created_at
		FROM mail_addresses a JOIN notices n ON n.recipient = a.recipient AND n.created_at >= a.set_at
		WHERE n.mailed_at IS NULL ORDER BY n.created_at, n.id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	return Collect(rows, func(row Row) (sesame.MailItem, error) {
		var m sesame.MailItem
		var body []byte
		var created int64
		err := row.Scan(&m.Address, &m.Notice.ID, &m.Notice.Recipient, &m.Notice.Topic, &body, &created)
		m.Notice.Body, m.Notice.CreatedAt = json.RawMessage(body), FromNS(created)
		return m, err
	})
}

// ScoreChangesAfter returns up to limit scored rows of the history after
// seq after, each with the person's score before it (0: none).
func ScoreChangesAfter(ctx context.Context, q Querier, after int64, limit int) ([]sesame.ScoreChange, error) {
	rows, err := q.Query(ctx, `SELECT s.seq, s.person, s.score, s.as_of,
		COALESCE((SELECT p.score FROM scores p WHERE p.person = s.person AND p.seq < s.seq AND p.status = 'scored' ORDER BY p.seq DESC LIMIT 1), 0)
		FROM scores s WHERE s.seq > ? AND s.status = 'scored' ORDER BY s.seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	return Collect(rows, func(row Row) (sesame.ScoreChange, error) {
		var c sesame.ScoreChange
		var asOf int64
		err := row.Scan(&c.Seq, &c.Person, &c.To, &asOf, &c.From)
		c.AsOf = FromNS(asOf)
		return c, err
	})
}

// ConsentsExpiring returns the live consents that expire in (from, to].
func ConsentsExpiring(ctx context.Context, q Querier, from, to time.Time) ([]*sesame.Consent, error) {
	rows, err := q.Query(ctx, `SELECT `+ConsentColumns+` FROM consents
		WHERE revoked_at IS NULL AND expires_at > ? AND expires_at <= ? ORDER BY expires_at, id`, NS(from), NS(to))
	if err != nil {
		return nil, err
	}
	return Collect(rows, ScanConsent)
}

// ScoreHistoryBefore returns up to limit of a person's past scores older
// than seq before (0: from the newest), newest first.
func ScoreHistoryBefore(ctx context.Context, q Querier, person string, before int64, limit int) ([]sesame.ScorePoint, error) {
	before, limit = Page(before, limit)
	rows, err := q.Query(ctx, `SELECT seq, status, score, band, model_version, as_of FROM scores
		WHERE person = ? AND seq < ? ORDER BY seq DESC LIMIT ?`, person, before, limit)
	if err != nil {
		return nil, err
	}
	out, err := Collect(rows, func(row Row) (sesame.ScorePoint, error) {
		var p sesame.ScorePoint
		var band string
		var asOf int64
		err := row.Scan(&p.Seq, &p.Status, &p.Score, &band, &p.ModelVersion, &asOf)
		p.Band, p.AsOf = sesame.Band(band), FromNS(asOf)
		return p, err
	})
	if out == nil && err == nil {
		out = []sesame.ScorePoint{}
	}
	return out, err
}

// modelColumns are a model's columns as scanModel reads them.
const modelColumns = `version, kind, created_at, active, auc, note, registration_drift`

func scanModel(row Row, extra ...any) (sesame.ModelInfo, error) {
	var m sesame.ModelInfo
	var created int64
	var drift string
	err := row.Scan(append([]any{&m.Version, &m.Kind, &created, &m.Active, &m.AUC, &m.Note, &drift}, extra...)...)
	m.CreatedAt = FromNS(created)
	if err == nil && drift != "" {
		m.Drift = &sesame.ModelDrift{}
		if err = json.Unmarshal([]byte(drift), m.Drift); err != nil {
			err = fmt.Errorf("model %s: registration drift: %w", m.Version, err)
		}
	}
	return m, err
}

// EncodeDrift is a model's registration drift as stored: JSON, or "" when
// none was measured.
func EncodeDrift(d *sesame.ModelDrift) (string, error) {
	if d == nil {
		return "", nil
	}
	b, err := json.Marshal(d)
	return string(b), err
}

// Models lists the stored model versions, newest first.
func Models(ctx context.Context, q Querier) ([]sesame.ModelInfo, error) {
	rows, err := q.Query(ctx, `SELECT `+modelColumns+` FROM models ORDER BY created_at DESC, version`)
	if err != nil {
		return nil, err
	}
	out, err := Collect(rows, func(row Row) (sesame.ModelInfo, error) { return scanModel(row) })
	if out == nil && err == nil {
		out = []sesame.ModelInfo{}
	}
	return out, err
}

// ModelArtifact returns a version's artifact or ENOTFOUND.
func ModelArtifact(ctx context.Context, q Querier, version string) ([]byte, error) {
	var a []byte
	err := q.QueryRow(ctx, `SELECT artifact FROM models WHERE version = ?`, version).Scan(&a)
	return a, NotFound(err, "no model version %q", version)
}

// ActiveModel returns the active model or EUNAVAILABLE.
func ActiveModel(ctx context.Context, q Querier) (sesame.ModelInfo, []byte, error) {
	var a []byte
	m, err := scanModel(q.QueryRow(ctx, `SELECT `+modelColumns+`, artifact FROM models WHERE active`), &a)
	if errors.Is(err, sql.ErrNoRows) {
		return m, nil, sesame.Errorf(sesame.EUNAVAILABLE, "no active model: train one and activate it (sesame model activate VERSION)")
	}
	return m, a, err
}

// Challenger returns the challenger model or ENOTFOUND.
func Challenger(ctx context.Context, q Querier) (sesame.ModelInfo, []byte, error) {
	var a []byte
	m, err := scanModel(q.QueryRow(ctx, `SELECT m.version, m.kind, m.created_at, m.active, m.auc, m.note, m.registration_drift, m.artifact
		FROM model_challenger c JOIN models m ON m.version = c.version`), &a)
	return m, a, NotFound(err, "no challenger model (sesame model challenger VERSION)")
}

// ShadowScore returns a person's latest shadow score under version, or
// ENOTFOUND.
func ShadowScore(ctx context.Context, q Querier, person, version string) (*sesame.Score, error) {
	sc := &sesame.Score{Person: person, ModelVersion: version}
	var band string
	var asOf int64
	err := q.QueryRow(ctx, `SELECT status, score, band, as_of FROM shadow_scores WHERE person = ? AND model_version = ?`,
		person, version).Scan(&sc.Status, &sc.Score, &band, &asOf)
	if err != nil {
		return nil, NotFound(err, "no shadow score of %s under %s", person, version)
	}
	sc.Band, sc.AsOf = sesame.Band(band), FromNS(asOf)
	return sc, nil
}

// Promotions lists promotions and rollbacks of the active model, newest
// first.
func Promotions(ctx context.Context, q Querier) ([]sesame.Promotion, error) {
	rows, err := q.Query(ctx, `SELECT seq, version, previous, action, reason, at FROM model_promotions ORDER BY seq DESC`)
	if err != nil {
		return nil, err
	}
	return Collect(rows, func(row Row) (sesame.Promotion, error) {
		var p sesame.Promotion
		var at int64
		err := row.Scan(&p.Seq, &p.Version, &p.Previous, &p.Action, &p.Reason, &at)
		p.At = FromNS(at)
		return p, err
	})
}

// Additions returns the self-reported additions matching where, newest
// first.
func Additions(ctx context.Context, q Querier, where string, args ...any) ([]*sesame.Addition, error) {
	rows, err := q.Query(ctx, `SELECT id, person, kind, source, label, added_at, removed_at, gain, events
		FROM self_additions WHERE `+where+` ORDER BY added_at DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	return Collect(rows, func(row Row) (*sesame.Addition, error) {
		var a sesame.Addition
		var added int64
		var removed *int64
		var events string
		if err := row.Scan(&a.ID, &a.Person, &a.Kind, &a.Source, &a.Label, &added, &removed, &a.Gain, &events); err != nil {
			return nil, err
		}
		a.AddedAt, a.RemovedAt = FromNS(added), FromNullNS(removed)
		return &a, json.Unmarshal([]byte(events), &a.Events)
	})
}

// PeopleWithAdditions lists the people with a kept addition, in order.
func PeopleWithAdditions(ctx context.Context, q Querier) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT person FROM self_additions WHERE removed_at IS NULL ORDER BY person`)
	if err != nil {
		return nil, err
	}
	return Collect(rows, String)
}

// Badge returns the badge the person chose to show partner, or ENOTFOUND.
func Badge(ctx context.Context, q Querier, person, partner string) (*sesame.BadgeChoice, error) {
	var claim string
	var at int64
	err := q.QueryRow(ctx, `SELECT claim, chosen_at FROM badge_choices WHERE person = ? AND partner = ?`, person, partner).Scan(&claim, &at)
	if err != nil {
		return nil, NotFound(err, "no badge chosen for partner %q", partner)
	}
	c, err := sesame.ParseBadgeClaim(claim)
	if err != nil {
		return nil, err
	}
	return &sesame.BadgeChoice{Person: person, Partner: partner, Claim: c, ChosenAt: FromNS(at)}, nil
}

// Badges returns all of a person's badge choices, by partner.
func Badges(ctx context.Context, q Querier, person string) ([]*sesame.BadgeChoice, error) {
	rows, err := q.Query(ctx, `SELECT partner, claim, chosen_at FROM badge_choices WHERE person = ? ORDER BY partner`, person)
	if err != nil {
		return nil, err
	}
	return Collect(rows, func(row Row) (*sesame.BadgeChoice, error) {
		b := &sesame.BadgeChoice{Person: person}
		var claim string
		var at int64
		if err := row.Scan(&b.Partner, &claim, &at); err != nil {
			return nil, err
		}
		b.ChosenAt = FromNS(at)
		b.Claim, err = sesame.ParseBadgeClaim(claim)
		return b, err
	})
}

// Stats counts what the operator's dashboard shows. outcome is the
// engine's expression for a decision row's outcome (its result's
// "decision").
func Stats(ctx context.Context, q Querier, now time.Time, outcome string) (sesame.Stats, error) {
	st := sesame.Stats{PeopleByBand: map[sesame.Band]int64{}}
	// The band lives in the history row each latest score copies.
	rows, err := q.Query(ctx, `SELECT s.band, COUNT(*) FROM score_latest l JOIN scores s ON s.seq = l.seq GROUP BY s.band`)
	if err != nil {
		return st, err
	}
	if err := Each(rows, func(row Row) error {
		var band string
		var n int64
		if err := row.Scan(&band, &n); err != nil {
			return err
		}
		if band == "" {
			band = string(sesame.NoBand)
		}
		st.PeopleByBand[sesame.Band(band)] += n
		return nil
	}); err != nil {
		return st, err
	}
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM consents WHERE revoked_at IS NULL AND expires_at > ?`, NS(now)).Scan(&st.LiveConsents); err != nil {
		return st, err
	}
	if err := q.QueryRow(ctx, `SELECT COUNT(*), COUNT(revoked_at) FROM credentials`).Scan(&st.CredentialsIssued, &st.CredentialsRevoked); err != nil {
		return st, err
	}
	rows, err = q.Query(ctx, `SELECT product, `+outcome+`, COUNT(*) FROM decisions GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return st, err
	}
	st.Decisions, err = Collect(rows, func(row Row) (sesame.DecisionCount, error) {
		var c sesame.DecisionCount
		return c, row.Scan(&c.Product, &c.Outcome, &c.N)
	})
	return st, err
}

// Epochs returns each topic's epoch of cluster_epochs.
func Epochs(ctx context.Context, q Querier) (map[string]int64, error) {
	rows, err := q.Query(ctx, `SELECT topic, epoch FROM cluster_epochs`)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	return out, PersonSeqs(rows, out)
}

// RescoreRuns returns the latest limit full rescores with their progress.
func RescoreRuns(ctx context.Context, q Querier, limit int) ([]sesame.RescoreRun, error) {
	rows, err := q.Query(ctx, `SELECT u.id, u.reason, u.model_version, u.ledger_end, u.created_at, COALESCE(u.finished_at, 0),
		count(*), count(g.done_at), COALESCE(sum(g.people), 0), COALESCE(sum(g.scored), 0), COALESCE(sum(g.insufficient), 0), COALESCE(u.drift, '')
		FROM rescore_runs u JOIN rescore_ranges g ON g.run = u.id GROUP BY u.id ORDER BY u.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	return Collect(rows, func(row Row) (sesame.RescoreRun, error) {
		var r sesame.RescoreRun
		var created, finished int64
		var ranges, rangesDone, people, scored, insufficient int64
		var drift string
		if err := row.Scan(&r.ID, &r.Reason, &r.ModelVersion, &r.LedgerEnd, &created, &finished, &ranges, &rangesDone, &people,
			&scored, &insufficient, &drift); err != nil {
			return r, err
		}
		r.Ranges, r.RangesDone, r.People = int(ranges), int(rangesDone), int(people)
		r.Scored, r.Insufficient = int(scored), int(insufficient)
		if drift != "" {
			r.Drift = []byte(drift)
		}
		r.CreatedAt = FromNS(created)
		if finished != 0 {
			r.FinishedAt = FromNS(finished)
		}
		return r, nil
	})
}

// RangeDrifts returns the drift counts of the run's finished ranges.
func RangeDrifts(ctx context.Context, q Querier, run int64) ([][]byte, error) {
	rows, err := q.Query(ctx, `SELECT drift FROM rescore_ranges WHERE run = ? AND done_at IS NOT NULL AND drift IS NOT NULL ORDER BY n`, run)
	if err != nil {
		return nil, err
	}
	return Collect(rows, func(row Row) ([]byte, error) {
		d, err := String(row)
		return []byte(d), err
	})
}
