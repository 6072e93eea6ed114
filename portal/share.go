package portal

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/credential"
)

// maxQRCodes bounds the QR codes drawn per page (each is a PNG made on the fly).
const maxQRCodes = 10

type credentialRow struct {
	credential.Record
	Status string // active | revoked | expired
	Link   string
	QR     template.URL // data:image/png;base64,… ("" when not drawn)
	Just   bool         // issued by the request that led here
}

type shareData struct {
	Unavailable bool
	NoScore     bool
	Bands       []sesame.Band // the bands the person may claim: theirs and below
	Band        sesame.Band
	Rows        []credentialRow
}

func (p *Portal) baseURL(r *http.Request) string {
	if p.cfg.BaseURL != "" {
		return p.cfg.BaseURL
	}
	scheme := "http"
	if p.secureRequest(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// VerifyLink is the public link that checks a credential.
func VerifyLink(base, token string) string {
	return base + "/verify?c=" + url.QueryEscape(token)
}

func qrDataURI(content string) template.URL {
	png, err := qrcode.Encode(content, qrcode.Low, 320)
	if err != nil {
		return ""
	}
	// A data: URI of a PNG we drew ourselves; html/template would otherwise
	// refuse the scheme.
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}

func (p *Portal) share(w http.ResponseWriter, r *http.Request, person string) {
	v := p.newView(w, r, "share.title", "share")
	v.Person = person
	d := &shareData{}
	v.Data = d
	if p.cfg.Credentials == nil {
		d.Unavailable = true
		p.render(w, http.StatusOK, "share", v)
		return
	}
	s, err := p.cfg.Scores.LatestScore(r.Context(), person)
	switch {
	case sesame.ErrorCode(err) == sesame.ENOTFOUND || (err == nil && s.Status != sesame.StatusScored):
		d.NoScore = true
	case err != nil:
		p.fail(w, r, v, err)
		return
	default:
		d.Band = sesame.BandOf(s.Score)
		for _, b := range sesame.Bands {
			if b.Band.Rank() <= d.Band.Rank() {
				d.Bands = append(d.Bands, b.Band)
			}
		}
	}
	recs, err := p.cfg.Credentials.List(r.Context(), person)
	if err != nil {
		p.fail(w, r, v, err)
		return
	}
	now, base, just, drawn := p.now(), p.baseURL(r), r.URL.Query().Get("show"), 0
	for _, rec := range recs {
		row := credentialRow{Record: rec, Status: "active", Link: VerifyLink(base, rec.Token), Just: rec.ID == just}
		switch {
		case !rec.RevokedAt.IsZero():
			row.Status = "revoked"
		case !now.Before(rec.ExpiresAt):
			row.Status = "expired"
		case drawn < maxQRCodes:
			row.QR, drawn = qrDataURI(row.Link), drawn+1
		}
		d.Rows = append(d.Rows, row)
	}
	p.render(w, http.StatusOK, "share", v)
}

func (p *Portal) issueCredential(w http.ResponseWriter, r *http.Request, person string) {
	l := p.locale(r)
	if p.cfg.Credentials == nil {
		p.fail(w, r, nil, userError(sesame.EUNAVAILABLE, l.T("unavailable")))
		return
	}
	days, err := strconv.Atoi(r.PostFormValue("days"))
	if err != nil || days < 1 || days > 366 {
		p.fail(w, r, nil, userError(sesame.EINVALID, l.T("share.err.days")))
		return
	}
	s, err := p.cfg.Scores.LatestScore(r.Context(), person)
	if err != nil {
		p.fail(w, r, nil, err)
		return
	}
	rec, err := p.cfg.Credentials.Issue(r.Context(), s, credential.IssueRequest{
		Kind: r.PostFormValue("kind"), Band: sesame.Band(r.PostFormValue("band")), Validity: time.Duration(days) * 24 * time.Hour})
	if err != nil {
		p.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/portal/share?done=issued&show="+url.QueryEscape(rec.ID)+"#c-"+rec.ID, http.StatusSeeOther)
}

func (p *Portal) revokeCredential(w http.ResponseWriter, r *http.Request, person string) {
	if p.cfg.Credentials == nil {
		p.fail(w, r, nil, userError(sesame.EUNAVAILABLE, p.locale(r).T("unavailable")))
		return
	}
	if err := p.cfg.Credentials.Revoke(r.Context(), person, r.PathValue("id")); err != nil {
		p.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/portal/share?done=credential_revoked", http.StatusSeeOther)
}
