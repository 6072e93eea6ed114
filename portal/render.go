package portal

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/sesame-credit/sesame"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// parseTemplates builds one template set per page: the layout plus the page.
func parseTemplates() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"add": func(a, b int) int { return a + b },
		"signed": func(n int) string {
			if n > 0 {
				return "+" + itoa(n)
			}
			return itoa(n)
		},
		"pct":    func(f float64) string { return itoa(int(f*100+0.5)) + "%" },
		"badges": func() []badgeOption { return badgeOptions },
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFiles, n)
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// view is what every page template receives.
type view struct {
	L      *Locale
	Title  string // message key of the page title
	Nav    string // which navigation entry is current
	Person string // "" on public pages
	CSRF   string
	Demo   bool
	Path   string // where the language switch returns to
	Flash  string // a message key confirming the last action
	Error  string // a translated, caller-facing error
	Data   any
}

func (p *Portal) newView(w http.ResponseWriter, r *http.Request, title, nav string) *view {
	return &view{L: p.locale(r), Title: title, Nav: nav, CSRF: p.csrfFor(p.csrfSeed(w, r, true)), Demo: p.cfg.DemoMode,
		Path: returnPath(r), Flash: flashKey(r.URL.Query().Get("done"))}
}

// returnPath is where the language switch brings the person back to: the
// page itself for GETs (with its filters), the home page after a POST.
func returnPath(r *http.Request) string {
	if r.Method != http.MethodGet {
		return "/portal/"
	}
	return r.URL.RequestURI()
}

// flashKey maps ?done=… after a redirect to a message; unknown values are ignored.
func flashKey(done string) string {
	switch done {
	case "revoked", "approved", "declined", "disputed", "issued", "credential_revoked", "added", "removed", "badge":
		return "flash." + done
	}
	return ""
}

// render writes a page, buffering it so a template error becomes a clean
// 500 page instead of half a page.
func (p *Portal) render(w http.ResponseWriter, status int, name string, v *view) {
	var buf bytes.Buffer
	if err := p.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		p.log.Error("portal: render", "page", name, "err", err)
		http.Error(w, "internal error; it has been logged", http.StatusInternalServerError)
		return
	}
	secureHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// statusOf maps a domain error code to an HTTP status.
func statusOf(err error) int {
	switch sesame.ErrorCode(err) {
	case sesame.EINVALID:
		return http.StatusBadRequest
	case sesame.ENOTFOUND:
		return http.StatusNotFound
	case sesame.ECONFLICT:
		return http.StatusConflict
	case sesame.EFORBIDDEN:
		return http.StatusForbidden
	case sesame.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case sesame.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case sesame.ERATELIMITED:
		return http.StatusTooManyRequests
	case sesame.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// fail shows an error page. Internal errors are logged and shown generically;
// domain errors show their message, which is written for the person.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, v *view, err error) {
	status := statusOf(err)
	if v == nil {
		v = p.newView(w, r, "error.title", "")
	}
	if status == http.StatusInternalServerError && p.cfg.Outage != nil && p.cfg.Outage(err) {
		p.log.Warn("portal: database unavailable", "path", r.URL.Path, "err", err)
		status, err = http.StatusServiceUnavailable, userError(sesame.EUNAVAILABLE, v.L.T("error.outage"))
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	if status == http.StatusInternalServerError {
		p.log.Error("portal", "path", r.URL.Path, "err", err)
		v.Error = v.L.T("error.internal")
	} else {
		v.Error = v.L.errorText(err)
	}
	v.Title = "error.title"
	p.render(w, status, "error", v)
}

func (p *Portal) forbidden(w http.ResponseWriter, r *http.Request) {
	v := p.newView(w, r, "error.title", "")
	v.Error = v.L.T("error.csrf")
	p.render(w, http.StatusForbidden, "error", v)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	secureHeaders(w)
	w.Header().Set("Content-Type", "application/json")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(body)
}

func writeJSONError(w http.ResponseWriter, err error) {
	writeJSON(w, statusOf(err), map[string]any{"error": map[string]string{"code": sesame.ErrorCode(err), "message": sesame.ErrorMessage(err)}})
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// static serves the embedded CSS and script; they change only with the
// binary, so a day of caching is safe.
func (p *Portal) static() http.Handler {
	sub, _ := fs.Sub(staticFiles, "static")
	files := http.StripPrefix("/portal/static/", http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secureHeaders(w)
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// userError is a domain error whose message is already translated for the person.
func userError(code, message string) error {
	return localError{&sesame.Error{Code: code, Message: message}}
}

func (p *Portal) notFound(w http.ResponseWriter, r *http.Request) {
	v := p.newView(w, r, "error.title", "")
	v.Error = v.L.T("error.notfound")
	p.render(w, http.StatusNotFound, "error", v)
}
