package portal

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Every string the portal shows lives in a message catalog,
// messages/LANG.json (flat keys). English is the fallback: a key missing from
// another catalog shows in English rather than as a key (a test keeps the
// catalogs complete).
//
//go:embed messages/*.json
var messageFiles embed.FS

// Languages the portal speaks, in the order of the switch.
var Languages = []string{"en", "zh"}

// langCookie remembers the person's choice across visits.
const langCookie = "sesame_lang"

type catalog map[string]string

func loadCatalogs() (map[string]catalog, error) {
	out := map[string]catalog{}
	for _, l := range Languages {
		b, err := messageFiles.ReadFile("messages/" + l + ".json")
		if err != nil {
			return nil, err
		}
		c := catalog{}
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("portal: messages/%s.json: %w", l, err)
		}
		out[l] = c
	}
	return out, nil
}

// Locale translates for one request. Templates call {{.L.T "key"}}.
type Locale struct {
	Lang     string // BCP 47 tag for <html lang>: en or zh-Hans
	code     string
	msgs     catalog
	fallback catalog
	zone     *time.Location // where DateTime shows instants (zoneOf)
}

// T returns the message for key, formatted with args when given.
func (l *Locale) T(key string, args ...any) string {
	s, ok := l.msgs[key]
	if !ok {
		if s, ok = l.fallback[key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Code returns the catalog code (en, zh).
func (l *Locale) Code() string { return l.code }

// Has reports whether key has a message (for optional translations such as
// a reason code the catalog may not know).
func (l *Locale) Has(key string) bool {
	_, ok := l.fallback[key]
	return ok
}

// Date formats a day the way the language writes it.
func (l *Locale) Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if l.code == "zh" {
		return t.Format("2006年1月2日")
	}
	return t.Format("2 Jan 2006")
}

// Month names a calendar month the way the language writes it.
func (l *Locale) Month(t time.Time) string {
	t = t.UTC()
	if l.code == "zh" {
		return t.Format("2006年1月")
	}
	return t.Format("Jan 2006")
}

// DateTime formats an instant in the person's time zone the way the
// language writes it, with the zone's offset so that it is never ambiguous.
func (l *Locale) DateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	zone := l.zone
	if zone == nil {
		zone = DefaultZone
	}
	t = t.In(zone)
	if l.code == "zh" {
		return t.Format("2006年1月2日 15:04 ") + utcOffset(t)
	}
	return t.Format("2 Jan 2006 15:04 ") + utcOffset(t)
}

// utcOffset names t's offset: "UTC", "UTC+8", "UTC−5:30".
func utcOffset(t time.Time) string {
	_, off := t.Zone()
	if off == 0 {
		return "UTC"
	}
	sign := "+"
	if off < 0 {
		sign, off = "−", -off
	}
	s := "UTC" + sign + itoa(off/3600)
	if m := off % 3600 / 60; m != 0 {
		s += ":" + fmt.Sprintf("%02d", m)
	}
	return s
}

// locale picks the language: the cookie, then Accept-Language, then English.
func (p *Portal) locale(r *http.Request) *Locale {
	code := "en"
	if c, err := r.Cookie(langCookie); err == nil && p.catalogs[c.Value] != nil {
		code = c.Value
	} else if strings.HasPrefix(strings.ToLower(r.Header.Get("Accept-Language")), "zh") {
		code = "zh"
	}
	tag := code
	if code == "zh" {
		tag = "zh-Hans"
	}
	return &Locale{Lang: tag, code: code, msgs: p.catalogs[code], fallback: p.catalogs["en"], zone: zoneOf(r)}
}
