package notice

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// Feeds whose cursors the notifier keeps.
const (
	FeedAccess = "notices.access"
	FeedScores = "notices.scores"
)

// Defaults of the Notifier.
const (
	DefaultScoreChange    = 20
	DefaultConsentWarning = 7 * 24 * time.Hour
)

// Notifier writes the notices that changes committed elsewhere owe: each
// partner's look at a person's data (to the person), a score change of
// ScoreChange points or more (to the person), and a consent about to
// expire (to the person and the partner's webhook). Dispute steps write
// their own notices in their transactions.
type Notifier struct {
	Feed sesame.NoticeFeed
	Now  func() time.Time
	// ScoreChange is the smallest move in points that is told (default 20).
	ScoreChange int
	// ConsentWarning is how long before its expiry a consent is told of
	// (default 7 days).
	ConsentWarning time.Duration
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now().UTC()
	}
	return time.Now().UTC()
}

const feedBatch = 1000

// NotifyDue writes every notice owed now and reports how many it wrote
// (notices already written count again; the store keeps one).
func (n *Notifier) NotifyDue(ctx context.Context) (int, error) {
	total := 0
	for _, step := range []func(context.Context) (int, bool, error){n.access, n.scores} {
		for {
			c, more, err := step(ctx)
			total += c
			if err != nil {
				return total, err
			}
			if !more {
				break
			}
		}
	}
	c, err := n.consents(ctx)
	return total + c, err
}

func (n *Notifier) access(ctx context.Context) (int, bool, error) {
	pos, err := n.Feed.NoticeCursor(ctx, FeedAccess)
	if err != nil {
		return 0, false, err
	}
	es, err := n.Feed.AccessAfter(ctx, pos, feedBatch)
	if err != nil || len(es) == 0 {
		return 0, false, err
	}
	var ns []sesame.Notice
	for _, e := range es {
		pos = e.Seq
		partner, ok := strings.CutPrefix(e.Actor, "partner:")
		if !ok || e.ErasedBy != 0 {
			continue
		}
		ns = append(ns, notice("ntc_access_"+strconv.FormatInt(e.Seq, 10), sesame.PersonRecipient(e.Person), sesame.TopicAccess, e.At, map[string]any{
			"seq": e.Seq, "partner": partner, "action": e.Action, "purpose": e.Purpose, "outcome": e.Outcome, "at": e.At,
		}))
	}
	return len(ns), len(es) == feedBatch, n.Feed.EnqueueNotices(ctx, FeedAccess, pos, ns)
}

func (n *Notifier) scores(ctx context.Context) (int, bool, error) {
	pos, err := n.Feed.NoticeCursor(ctx, FeedScores)
	if err != nil {
		return 0, false, err
	}
	cs, err := n.Feed.ScoreChangesAfter(ctx, pos, feedBatch)
	if err != nil || len(cs) == 0 {
		return 0, false, err
	}
	min := n.ScoreChange
	if min <= 0 {
		min = DefaultScoreChange
	}
	var ns []sesame.Notice
	at := n.now()
	for _, c := range cs {
		pos = c.Seq
		if c.From == 0 || abs(c.To-c.From) < min {
			continue
		}
		ns = append(ns, notice("ntc_score_"+strconv.FormatInt(c.Seq, 10), sesame.PersonRecipient(c.Person), sesame.TopicScoreChanged, at, map[string]any{
			"from": c.From, "to": c.To, "change": c.To - c.From, "as_of": c.AsOf,
		}))
	}
	return len(ns), len(cs) == feedBatch, n.Feed.EnqueueNotices(ctx, FeedScores, pos, ns)
}

// consents tells of each consent once, by its id, whenever the notifier
// first runs within the warning period.
func (n *Notifier) consents(ctx context.Context) (int, error) {
	warn := n.ConsentWarning
	if warn <= 0 {
		warn = DefaultConsentWarning
	}
	now := n.now()
	cs, err := n.Feed.ConsentsExpiring(ctx, now, now.Add(warn))
	if err != nil || len(cs) == 0 {
		return 0, err
	}
	var ns []sesame.Notice
	for _, c := range cs {
		body := map[string]any{"consent": c.ID, "partner": c.Partner, "purpose": c.Purpose, "expires_at": c.ExpiresAt}
		ns = append(ns, notice("ntc_expiring_"+c.ID+"_person", sesame.PersonRecipient(c.Person), sesame.TopicConsentExpiring, now, body))
		pbody := map[string]any{"consent": c.ID, "person": c.Person, "purpose": c.Purpose, "expires_at": c.ExpiresAt}
		ns = append(ns, notice("ntc_expiring_"+c.ID+"_partner", sesame.PartnerRecipient(c.Partner), sesame.TopicConsentExpiring, now, pbody))
	}
	return len(ns), n.Feed.EnqueueNotices(ctx, "", 0, ns)
}

func notice(id, recipient, topic string, at time.Time, body any) sesame.Notice {
	b, _ := json.Marshal(body) // maps of strings, numbers and times always marshal
	return sesame.Notice{ID: id, Recipient: recipient, Topic: topic, Body: b, CreatedAt: at}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// RunNotifier writes owed notices every interval until ctx ends.
func (d *Deliverer) RunNotifier(ctx context.Context, n *Notifier, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := n.NotifyDue(ctx); err != nil {
			d.log().Error("notices: deriving", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
