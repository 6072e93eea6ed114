package notice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
)

// Mailer mails notices to the recipients that gave an e-mail address,
// through one SMTP server, at least once: a notice is marked mailed only
// after the server accepted it, and its Message-ID (from the notice id)
// lets a mail client fold a repeat.
type Mailer struct {
	Store  sesame.MailStore
	Server *url.URL // smtp://[user:password@]host[:port]; STARTTLS when the server offers it
	From   string
	Now    func() time.Time
	Log    *slog.Logger
}

// ParseSMTPURL checks an --smtp-url.
func ParseSMTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, sesame.Errorf(sesame.EINVALID, "smtp-url: want smtp://[user:password@]host[:port], got %q", raw)
	}
	return u, nil
}

// ValidAddress reports whether s is one plain e-mail address.
func ValidAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

// MailDue mails every notice due and reports how many went and how many
// failed (those are tried again on the next call).
func (m *Mailer) MailDue(ctx context.Context) (sent, failed int, err error) {
	items, err := m.Store.MailDue(ctx, 100)
	if err != nil {
		return 0, 0, err
	}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return sent, failed, err
		}
		if sendErr := m.send(it); sendErr != nil {
			failed++
			m.log().Warn("notices: mailing failed; trying again later", "notice", it.Notice.ID, "err", sendErr)
			continue
		}
		if err := m.Store.Mailed(ctx, it.Notice.ID, m.now()); err != nil {
			return sent, failed, err
		}
		sent++
	}
	return sent, failed, nil
}

func (m *Mailer) send(it sesame.MailItem) error {
	msg, err := m.message(it)
	if err != nil {
		return err
	}
	return deliver(m.Server, m.From, it.Address, msg)
}

// deliver hands one message to the SMTP server of an --smtp-url.
func deliver(server *url.URL, from, to string, msg []byte) error {
	host := server.Hostname()
	port := server.Port()
	if port == "" {
		port = "25"
	}
	var auth smtp.Auth
	if server.User != nil {
		pass, _ := server.User.Password()
		auth = smtp.PlainAuth("", server.User.Username(), pass, host)
	}
	return smtp.SendMail(net.JoinHostPort(host, port), auth, from, []string{to}, msg)
}

// subject is a mail's subject line: the topic's news in English, then in
// Chinese.
func subject(topic string) string {
	t := textOf(topic)
	return t.en + " / " + t.zh
}

func (m *Mailer) message(it sesame.MailItem) ([]byte, error) {
	if !ValidAddress(it.Address) || !ValidAddress(m.From) {
		return nil, errors.New("a mail address is not valid")
	}
	var b bytes.Buffer
	domain := m.From[strings.LastIndexByte(m.From, '@')+1:]
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\n",
		m.From, it.Address, mime.QEncoding.Encode("utf-8", subject(it.Notice.Topic)), m.now().Format(time.RFC1123Z), it.Notice.ID, domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	w := quotedprintable.NewWriter(&b)
	t := textOf(it.Notice.Topic)
	fmt.Fprintf(w, "%s.\r\n%s。\r\n\r\nNotice / 通知 %s (%s), %s:\r\n%s\r\n\r\n%s\r\n%s\r\n",
		t.en, t.zh, it.Notice.ID, it.Notice.Topic, it.Notice.CreatedAt.Format(time.RFC3339), it.Notice.Body, mailFooter.en, mailFooter.zh)
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Run mails every interval until ctx ends.
func (m *Mailer) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, _, err := m.MailDue(ctx); err != nil && ctx.Err() == nil {
			m.log().Error("notices: mailing", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (m *Mailer) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Mailer) log() *slog.Logger {
	if m.Log != nil {
		return m.Log
	}
	return slog.Default()
}
