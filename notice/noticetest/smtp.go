package noticetest

import (
	"bufio"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
)

// SMTPServer is a small real SMTP server for tests (none runs on the test
// machines): it accepts every message over plain SMTP on a loopback port
// and keeps it, so a test can read the mail a person would get.
type SMTPServer struct {
	Addr string // host:port, for smtp://Addr
	mu   sync.Mutex
	msgs []Mail
	got  chan struct{}
}

// Mail is one message the server accepted.
type Mail struct {
	To      string
	Subject string
	Body    string // decoded text
}

// NewSMTPServer listens until the test ends.
func NewSMTPServer(t testing.TB) *SMTPServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	s := &SMTPServer{Addr: l.Addr().String(), got: make(chan struct{}, 100)}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go s.session(c)
		}
	}()
	return s
}

// Wait returns the first message to to that arrives within d.
func (s *SMTPServer) Wait(t testing.TB, to string, d time.Duration) Mail {
	t.Helper()
	deadline := time.After(d)
	for {
		s.mu.Lock()
		for _, m := range s.msgs {
			if strings.EqualFold(m.To, to) {
				s.mu.Unlock()
				return m
			}
		}
		s.mu.Unlock()
		select {
		case <-s.got:
		case <-deadline:
			t.Fatalf("no mail to %s within %s", to, d)
		}
	}
}

// Count is how many messages the server accepted.
func (s *SMTPServer) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

func (s *SMTPServer) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { c.Write([]byte(line + "\r\n")) }
	say("220 test ESMTP")
	var rcpt string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-test")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM:"), cmd == "RSET", cmd == "NOOP":
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			rcpt = strings.Trim(strings.TrimSpace(line[len("RCPT TO:"):]), "<>")
			say("250 ok")
		case cmd == "DATA":
			say("354 end with .")
			var raw strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				raw.WriteString(strings.TrimPrefix(l, "."))
			}
			m := Mail{To: rcpt}
			if msg, err := mail.ReadMessage(strings.NewReader(raw.String())); err == nil {
				m.Subject, _ = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
				var body io.Reader = msg.Body
				if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
					body = quotedprintable.NewReader(body)
				}
				b, _ := io.ReadAll(body)
				m.Body = strings.ReplaceAll(string(b), "\r\n", "\n")
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			s.got <- struct{}{}
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}
