package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sesame-credit/sesame/client"
	"github.com/sesame-credit/sesame/simulate"
)

// ingestLoad posts NDJSON batches of `batch` payment events for random
// people of the population to POST /v1/events, one batch after another,
// until ctx ends: the ledger's writer busy as it is when a source delivers
// its month, while partners read scores. It returns the events stored.
type ingestLoad struct {
	base, token string
	people      int
	batch       int
	stored      atomic.Int64
	errors      atomic.Int64
	wg          sync.WaitGroup
}

func (l *ingestLoad) start(ctx context.Context) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		api := &client.Client{BaseURL: l.base, Token: l.token, HTTP: &http.Client{Timeout: time.Minute}}
		at := time.Now().Add(-time.Hour).Format(time.RFC3339)
		var body bytes.Buffer
		for n := 0; ctx.Err() == nil; n++ {
			body.Reset()
			for i := range l.batch {
				fmt.Fprintf(&body, `{"source":"bench-during","id":"d%d-%d-%d","person":%q,"kind":"payment.made","occurred_at":%q,"payload":{"amount":{"amount":%d,"currency":"CNY"},"merchant_category":"5411","channel":"qr","direction":"debit"}}`+"\n",
					time.Now().UnixNano(), n, i, simulate.PersonID(rand.IntN(l.people)), at, 100+rand.IntN(50000))
			}
			res, err := api.IngestNDJSON(ctx, bytes.NewReader(body.Bytes()))
			if err != nil || res.Rejected > 0 {
				if ctx.Err() == nil {
					l.errors.Add(1)
				}
				continue
			}
			l.stored.Add(int64(res.Accepted))
		}
	}()
}
