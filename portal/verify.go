package portal

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/credential"
)

type verifyData struct {
	Unavailable bool
	Token       string
	Checked     bool
	Result      credential.Result
}

// verify is public: anyone holding a credential link sees whether it holds.
// The answer is the same for everyone; it reveals only what the credential
// itself says. The token is never logged.
func (p *Portal) verify(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("c")
	if len(token) > credential.MaxTokenLength {
		token = token[:credential.MaxTokenLength+1] // still rejected as malformed, without echoing megabytes
	}
	var res credential.Result
	var err error
	if p.cfg.Credentials == nil {
		err = sesame.Errorf(sesame.EUNAVAILABLE, "credentials are not available in this build")
	} else if token != "" {
		res, err = p.cfg.Credentials.Verify(r.Context(), token)
	}
	if wantsJSON(r) {
		switch {
		case err != nil:
			writeJSONError(w, err)
		case token == "":
			writeJSONError(w, sesame.Errorf(sesame.EINVALID, "pass the credential as ?c=TOKEN"))
		default:
			writeJSON(w, http.StatusOK, res)
		}
		return
	}
	v := p.newView(w, r, "verify.title", "")
	if p.cfg.Credentials == nil {
		v.Data = &verifyData{Unavailable: true}
		p.render(w, http.StatusOK, "verify", v)
		return
	}
	if err != nil {
		p.fail(w, r, v, err)
		return
	}
	v.Data = &verifyData{Token: token, Checked: token != "", Result: res}
	p.render(w, http.StatusOK, "verify", v)
}

// jwks publishes the credential signing keys. Public keys, so any origin may
// read them (a verifier's own web page, for instance).
func (p *Portal) jwks(w http.ResponseWriter, r *http.Request) {
	if p.cfg.Credentials == nil {
		writeJSONError(w, sesame.Errorf(sesame.EUNAVAILABLE, "credentials are not available in this build"))
		return
	}
	set, err := p.cfg.Credentials.JWKS(r.Context())
	if err != nil {
		p.log.Error("portal: jwks", "err", err)
		writeJSONError(w, err)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, set)
}

// statusList publishes the credentials' revocation status list (IETF
// Token Status List): a signed JWT that offline verifiers fetch and cache
// for its ttl, so that checking a credential's revocation tells the issuer
// nothing about which credential is being checked.
func (p *Portal) statusList(w http.ResponseWriter, r *http.Request) {
	if p.cfg.Credentials == nil {
		writeJSONError(w, sesame.Errorf(sesame.EUNAVAILABLE, "credentials are not available in this build"))
		return
	}
	token, err := p.cfg.Credentials.StatusList(r.Context())
	if err != nil {
		p.log.Error("portal: status list", "err", err)
		writeJSONError(w, err)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(credential.StatusListTTL/time.Second)))
	w.Header().Set("Content-Type", "application/statuslist+jwt")
	io.WriteString(w, token)
}
