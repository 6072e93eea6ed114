package notice

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/url"
	"strings"
	"time"
)

// DirectMail sends one plain-text mail at once through the SMTP server of
// an --smtp-url, outside the notice outbox: a login link is useful for
// minutes and only to the person waiting for it, so it is not queued.
type DirectMail struct {
	Server *url.URL
	From   string
	Now    func() time.Time
}

// Send mails subject and body (UTF-8 text) to one address.
func (d *DirectMail) Send(ctx context.Context, to, subject, body string) error {
	if !ValidAddress(to) || !ValidAddress(d.From) {
		return errors.New("a mail address is not valid")
	}
	if strings.ContainsAny(subject, "\r\n") {
		return errors.New("a subject is one line")
	}
	now := time.Now()
	if d.Now != nil {
		now = d.Now()
	}
	var id [12]byte
	rand.Read(id[:])
	var b bytes.Buffer
	domain := d.From[strings.LastIndexByte(d.From, '@')+1:]
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\n",
		d.From, to, mime.QEncoding.Encode("utf-8", subject), now.Format(time.RFC1123Z), hex.EncodeToString(id[:]), domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	w := quotedprintable.NewWriter(&b)
	w.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n")))
	if err := w.Close(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- deliver(d.Server, d.From, to, b.Bytes()) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
