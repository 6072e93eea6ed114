package auth

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// Contact is something a person knows and can be reached by — an e-mail
// address or a phone number — mapped to the ledger's person. The operator
// (`sesame person contact`), the demo and sources' identity events with a
// verified e-mail or phone (ContactEvents) fill them; the login form looks
// them up.
type Contact struct {
	Identifier string // normalised, see NormalizeContact
	Kind       string // ContactEmail or ContactPhone
	Person     string
	CreatedAt  time.Time
}

// Contact kinds.
const (
	ContactEmail = "email"
	ContactPhone = "phone"
)

// ContactStore keeps people's contacts. An identifier names one person at
// most; setting it again moves it.
type ContactStore interface {
	SetContact(ctx context.Context, c Contact) error
	// ContactPerson returns the person of identifier, or ENOTFOUND.
	ContactPerson(ctx context.Context, identifier string) (string, error)
	// Contacts returns person's contacts, oldest first.
	Contacts(ctx context.Context, person string) ([]Contact, error)
	// RemoveContact forgets identifier.
	RemoveContact(ctx context.Context, identifier string) error
}

// NormalizeContact returns the stored form of what a person typed: an
// e-mail address in lower case, or a phone number as + and its digits
// (spaces, dots, dashes and brackets dropped). ok is false for anything else.
func NormalizeContact(s string) (identifier, kind string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 254 {
		return "", "", false
	}
	if strings.Contains(s, "@") {
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s || a.Name != "" {
			return "", "", false
		}
		return strings.ToLower(s), ContactEmail, true
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", "", false
		}
	}
	// E.164: at most 15 digits; fewer than 7 is no one's number.
	if !strings.HasPrefix(s, "+") || b.Len() < 7 || b.Len() > 15 {
		return "", "", false
	}
	return "+" + b.String(), ContactPhone, true
}

// LoginStart is a login link made for someone who typed an identifier:
// the token to send, the person it logs in, and the e-mail address to send
// it to ("" when the person has none on file).
type LoginStart struct {
	Person  string
	Token   string
	Address string
	Expires time.Time
}

// StartLogin makes a login link for whoever who names: an e-mail address
// or phone number on file, or (in demo mode, where anyone may be anyone) a
// person id. An identifier on file for no one is ENOTFOUND; callers must
// not tell the person so, or the form would tell strangers who has an account.
func (p *People) StartLogin(ctx context.Context, who string) (LoginStart, error) {
	person := ""
	id, _, ok := NormalizeContact(who)
	if ok && p.Contacts != nil {
		found, err := p.Contacts.ContactPerson(ctx, id)
		if err != nil && sesame.ErrorCode(err) != sesame.ENOTFOUND {
			return LoginStart{}, err
		}
		person = found
	} else if !ok && (!p.Demo || !sesame.ValidID(who)) {
		return LoginStart{}, sesame.Errorf(sesame.EINVALID, "enter your e-mail address or your phone number with its country code (+86 …)")
	}
	if person == "" && !ok && p.Demo && sesame.ValidID(who) {
		person = who
	}
	if person == "" {
		return LoginStart{}, sesame.Errorf(sesame.ENOTFOUND, "no one has that e-mail address or phone number")
	}
	token, expires, err := p.LoginLink(ctx, person)
	if err != nil {
		return LoginStart{}, err
	}
	st := LoginStart{Person: person, Token: token, Expires: expires}
	if p.Contacts != nil {
		// A link asked for by phone number goes to the person's e-mail:
		// the one channel this server can send on.
		cs, err := p.Contacts.Contacts(ctx, person)
		if err != nil {
			return LoginStart{}, err
		}
		for _, c := range cs {
			if c.Kind == ContactEmail {
				st.Address = c.Identifier
				break
			}
		}
	}
	return st, nil
}
