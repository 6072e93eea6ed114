package http

import (
	nethttp "net/http"
	"net/http/httptest"
	"testing"
)

type helloMounter struct{}

func (helloMounter) Mount(mux *nethttp.ServeMux) {
	mux.HandleFunc("GET /portal/hello", func(w nethttp.ResponseWriter, r *nethttp.Request) { w.Write([]byte("hello")) })
}

func TestMountedRoutesAreServed(t *testing.T) {
	s := NewServer(Config{})
	s.Mount(helloMounter{})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/portal/hello", nil))
	if rec.Code != 200 || rec.Body.String() != "hello" {
		t.Fatalf("mounted route: %d %q", rec.Code, rec.Body.String())
	}
}
