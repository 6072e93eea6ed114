package portal_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame/portal"
	"github.com/sesame-credit/sesame/portal/portaltest"
)

// errDown stands for a store's error while its database is away.
var errDown = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")

// downAccessLog is the fixture's access log with its database gone.
type downAccessLog struct{ log portaltest.AccessLog }

func (downAccessLog) AccessLog(context.Context, string, int64, int) ([]portal.AccessEntry, error) {
	return nil, errDown
}

func (d downAccessLog) VerifyChain(ctx context.Context, person string) (portal.ChainStatus, error) {
	return d.log.VerifyChain(ctx, person)
}

// A page whose store is down answers 503 with Retry-After and a message to
// try again, when the classifier says it is an outage; other errors stay
// 500.
func TestOutagePage(t *testing.T) {
	for _, c := range []struct {
		outage     func(error) bool
		wantStatus int
	}{
		{nil, http.StatusInternalServerError},
		{func(err error) bool { return errors.Is(err, errDown) }, http.StatusServiceUnavailable},
	} {
		h := newHarness(t, func(cfg *portal.Config) { cfg.AccessLog, cfg.Outage = downAccessLog{}, c.outage })
		h.login("alice")
		res, err := h.client.Get(h.srv.URL + "/portal/access-log")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.wantStatus {
			t.Fatalf("status %d, want %d", res.StatusCode, c.wantStatus)
		}
		if c.wantStatus == http.StatusServiceUnavailable && (res.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "briefly unavailable")) {
			t.Fatalf("Retry-After %q, page %s", res.Header.Get("Retry-After"), b)
		}
	}
}
