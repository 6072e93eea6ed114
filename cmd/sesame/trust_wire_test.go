package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/record"
)

// TestSimulatedVoucherOnlyInDemo: the simulator vouches for any account
// named to it, so a server on real data must not offer it as a source, or
// anyone could raise their score with made-up bills.
func TestSimulatedVoucherOnlyInDemo(t *testing.T) {
	if v := vouchingSources(false); len(v) != 0 {
		t.Fatalf("sesame serve offers vouching sources %v", v)
	}
	if _, ok := vouchingSources(true)["simulated"]; !ok {
		t.Fatal("the demo does not offer the simulated source")
	}
	s := &record.Service{Vouchers: vouchingSources(false)}
	_, err := s.Add(context.Background(), "p00000001", sesame.AdditionRequest{Source: "simulated", Kind: sesame.AdditionBillAccount, Account: "electricity-4411"})
	var e *sesame.Error
	if !errors.As(err, &e) || e.Code != sesame.EINVALID || len(e.Details) != 1 || e.Details[0].Field != "source" ||
		!strings.Contains(e.Details[0].Reason, "no vouching source is connected") {
		t.Fatalf("adding through the simulator outside the demo: %v", err)
	}
}
