package notice_test

import (
	"bufio"
	"context"
	"mime"
	"net"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/notice"
	"github.com/sesame-credit/sesame/sqlite"
)

// smtpReceiver is a tiny in-process SMTP server for the test: no SMTP
// server runs on the test machines. It answers the first `fail` messages
// with 451 (try later) and keeps the others.
type smtpReceiver struct {
	mu    sync.Mutex
	fail  int
	kept  []string // whole messages
	rcpts []string
}

func (s *smtpReceiver) serve(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go s.session(c)
		}
	}()
	return l.Addr().String()
}

func (s *smtpReceiver) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { c.Write([]byte(line + "\r\n")) }
	say("220 test ESMTP")
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
			s.mu.Lock()
			s.rcpts = append(s.rcpts, strings.TrimSpace(line[len("RCPT TO:"):]))
			s.mu.Unlock()
			say("250 ok")
		case cmd == "DATA":
			say("354 end with .")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(l)
			}
			s.mu.Lock()
			if s.fail > 0 {
				s.fail--
				s.mu.Unlock()
				say("451 try again later")
				continue
			}
			s.kept = append(s.kept, msg.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

// TestMailer: notices made after a person gave an address are mailed once
// each through the SMTP server, a refused one is tried again, and notices
// from before the address are not mailed.
func TestMailer(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "mail.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rcv := &smtpReceiver{fail: 1}
	addr := rcv.serve(t)
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	note := func(id, topic string, at time.Time) sesame.Notice {
		return sesame.Notice{ID: id, Recipient: sesame.PersonRecipient("p1"), Topic: topic, Body: []byte(`{"from":600,"to":640}`), CreatedAt: at}
	}
	feed, outbox := db.NoticeFeed(), db.Outbox()
	if err := feed.EnqueueNotices(ctx, "", 0, []sesame.Notice{note("ntc_old", sesame.TopicScoreChanged, t0)}); err != nil {
		t.Fatal(err)
	}
	if err := outbox.SetMailAddress(ctx, sesame.PersonRecipient("p1"), "alice@example.org", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := feed.EnqueueNotices(ctx, "", 0, []sesame.Notice{
		note("ntc_a", sesame.TopicScoreChanged, t0.Add(2*time.Minute)),
		note("ntc_b", sesame.TopicAccess, t0.Add(3*time.Minute)),
	}); err != nil {
		t.Fatal(err)
	}
	server, err := notice.ParseSMTPURL("smtp://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	m := &notice.Mailer{Store: outbox, Server: server, From: "notices@sesame.example"}
	for i, want := range [][2]int{{1, 1}, {1, 0}, {0, 0}} {
		sent, failed, err := m.MailDue(ctx)
		if err != nil || sent != want[0] || failed != want[1] {
			t.Fatalf("round %d: sent %d, failed %d, %v; want %v", i+1, sent, failed, err, want)
		}
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.kept) != 2 {
		t.Fatalf("the server kept %d mails, want 2", len(rcv.kept))
	}
	ids := ""
	for _, msg := range rcv.kept {
		ids += msg
		// The subject says the news in both languages (mail cannot know
		// which one the person chose).
		if m, err := mail.ReadMessage(strings.NewReader(msg)); err == nil {
			subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			ids += "\nSubject: " + subj + "\n"
		}
		if !strings.Contains(msg, "To: alice@example.org\r\n") || !strings.Contains(msg, "From: notices@sesame.example\r\n") {
			t.Errorf("mail headers:\n%s", msg)
		}
	}
	if !strings.Contains(ids, "Message-ID: <ntc_a@sesame.example>") || !strings.Contains(ids, "Message-ID: <ntc_b@sesame.example>") ||
		!strings.Contains(ids, "Subject: Your Sesame score changed / 您的开明分有变化") || strings.Contains(ids, "ntc_old") {
		t.Errorf("mails:\n%s", ids)
	}
	if _, err := notice.ParseSMTPURL("http://mail.example"); err == nil {
		t.Error("an http URL was taken as an SMTP server")
	}
}
