package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/notice"
)

// `sesame webhook set` and `sesame notices`: where partners' and sources'
// notices go, and what the outbox holds. Wiring only: delivery is package
// notice's.

func init() {
	register(&command{name: "webhook set", summary: "send a partner's or source's notices to a URL, signed with a secret (HMAC-SHA256)", run: runWebhookSet})
	register(&command{name: "notices mail-to", summary: "mail a recipient's notices to an e-mail address when serve has --smtp-url (--remove to stop)", run: runMailTo})
	register(&command{name: "notices", summary: "list the notices of a recipient (person:ID, partner:ID or source:ID) and their delivery", run: runNotices})
}

func validRecipient(r string) bool {
	kind, id, ok := strings.Cut(r, ":")
	return ok && (kind == "person" || kind == "partner" || kind == "source") && sesame.ValidID(id)
}

func runWebhookSet(ctx context.Context, args []string) error {
	fs := newFlags("webhook set", "[--db PATH|URL] [--secret S] partner:ID|source:ID URL")
	dsn := dbFlag(fs)
	secret := fs.String("secret", "", "the HMAC-SHA256 signing `SECRET` (default: a new random one, printed)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 || !validRecipient(fs.Arg(0)) || strings.HasPrefix(fs.Arg(0), "person:") {
		return usageError(fs, "give partner:ID or source:ID and the webhook URL")
	}
	u, err := url.Parse(fs.Arg(1))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return usageError(fs, "the URL must be http:// or https://")
	}
	if *secret == "" {
		var b [24]byte
		rand.Read(b[:])
		*secret = "whsec_" + hex.EncodeToString(b[:])
		fmt.Printf("secret: %s\n", *secret)
	}
	st, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	return st.Outbox().SetWebhook(ctx, sesame.Webhook{Recipient: fs.Arg(0), URL: u.String(), Secret: *secret})
}

func runNotices(ctx context.Context, args []string) error {
	fs := newFlags("notices", "[--db PATH|URL] [--limit N] person:ID|partner:ID|source:ID")
	dsn := dbFlag(fs)
	limit := fs.Int("limit", 50, "newest `N` notices")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || !validRecipient(fs.Arg(0)) {
		return usageError(fs, "give person:ID, partner:ID or source:ID")
	}
	st, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	ns, err := st.Outbox().Notices(ctx, fs.Arg(0), *limit)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	for _, n := range ns {
		if err := enc.Encode(n); err != nil {
			return err
		}
	}
	return nil
}

func runMailTo(ctx context.Context, args []string) error {
	fs := newFlags("notices mail-to", "[--db PATH|URL] RECIPIENT ADDRESS | --remove RECIPIENT")
	dsn := dbFlag(fs)
	remove := fs.Bool("remove", false, "stop mailing the recipient's notices")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	address := ""
	switch {
	case *remove && fs.NArg() == 1:
	case !*remove && fs.NArg() == 2:
		address = fs.Arg(1)
		if !notice.ValidAddress(address) {
			return usageError(fs, "ADDRESS must be one e-mail address, e.g. name@example.org")
		}
	default:
		return usageError(fs, "give the RECIPIENT (person:ID, partner:ID or source:ID) and the ADDRESS, or --remove and the RECIPIENT")
	}
	if !validRecipient(fs.Arg(0)) {
		return usageError(fs, "RECIPIENT must be person:ID, partner:ID or source:ID")
	}
	st, err := openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Mail().SetMailAddress(ctx, fs.Arg(0), address, time.Now()); err != nil {
		return err
	}
	if address == "" {
		fmt.Fprintf(os.Stderr, "%s's notices are no longer mailed\n", fs.Arg(0))
	} else {
		fmt.Fprintf(os.Stderr, "%s's notices from now on are mailed to %s (when serve has --smtp-url)\n", fs.Arg(0), address)
	}
	return nil
}
