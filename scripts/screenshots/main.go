// Command screenshots makes the README's portal screenshots from the real
// demo: it builds and starts `sesame demo` on a new database (or uses the
// server at --base), logs in as a simulated person in Chromium and saves
// each page at desktop (1280×800) and phone (390×844) size, in English and
// Chinese, into docs/screenshots/: the sign-in page, the person's pages, a
// credential's verify page, the same credential altered (verify-altered),
// and a partner's consent request as the person sees it (approval; the
// script registers a partner and asks through the API, as a partner would).
// The person then approves, the partner and an operator look, and the
// script waits for the next signed head, so that the access log's pages
// list the looks verified against it.
//
//	go run ./scripts/screenshots            # from the repository root
//	go run ./scripts/screenshots --base http://127.0.0.1:8080 --out /tmp/shots
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/sesame-credit/sesame/client"
)

type page struct {
	name, path, wait string
}

// pages are the portal's pages shown in the README, each with an element
// that proves it rendered.
var pages = []page{
	{"home", "/portal/", `svg[data-chart="history"]`},
	{"benefits", "/portal/benefits", "#h-now"},
	{"consents", "/portal/consents", "#h-active"},
	{"access-log", "/portal/access-log", "#chain-status"},
	{"my-data", "/portal/data", "#h-events"},
	{"share", "/portal/share", "#issue-submit"},
	{"account", "/portal/account", "#sessions-h"},
}

type size struct {
	name string
	w, h int64
	full bool // the whole page, not just the screen
}

// A phone shot is one screen, as a person sees it; a desktop shot is the
// whole page.
var sizes = []size{{"desktop", 1280, 800, true}, {"phone", 390, 844, false}}

func main() {
	base := flag.String("base", "", "portal `URL` of a running demo (empty: build and start one on a new database)")
	out := flag.String("out", filepath.Join("docs", "screenshots"), "`DIR` to write the PNGs to")
	person := flag.String("person", "p00000001", "simulated `PERSON` to log in as (one with a backfilled history)")
	chromium := flag.String("chromium", envOr("SESAME_CHROMIUM", "/usr/bin/chromium"), "Chromium `PATH`")
	operator := flag.String("operator-token", envOr("SESAME_OPERATOR_TOKEN", "demo-operator-token"), "the demo's operator `TOKEN` (to register the partner that asks for consent)")
	full := flag.Bool("full", false, "shoot whole pages at phone size too (for checking a layout; the README's are one screen)")
	flag.Parse()
	if *full {
		for i := range sizes {
			sizes[i].full = true
		}
	}
	if err := run(*base, *out, *person, *chromium, *operator); err != nil {
		log.Fatalf("screenshots: %v", err)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func run(base, out, person, chromium, operator string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if base == "" {
		stop, url, err := startDemo()
		if err != nil {
			return err
		}
		defer stop()
		base = url
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1280, 800),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	// Start the browser on the untimed context (a timeout there would end it).
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		return fmt.Errorf("start Chromium at %s: %w", chromium, err)
	}
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) error {
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(c, actions...); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	shoot := func(name string, sz size) error {
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		shot := chromedp.CaptureScreenshot()
		if sz.full {
			shot = chromedp.FullScreenshot(100)
		}
		png, err := chromedp.Run(c, shot)
		if err != nil {
			return fmt.Errorf("screenshot %s: %w", name, err)
		}
		return os.WriteFile(filepath.Join(out, name), png, 0o644)
	}
	n := 0
	// The sign-in page, logged out, in each language (switched with the
	// page's own button) and size; then back to English.
	for _, lang := range []string{"en", "zh", "back"} {
		htmlLang := map[string]string{"en": "en", "zh": "zh-Hans", "back": "en"}[lang]
		if err := step("sign-in page", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(base+"/portal/login"),
			chromedp.WaitVisible(chromedp.CSS("#who"))); err != nil {
			return err
		}
		if lang != "en" {
			if err := step("switch language", chromedp.Click(chromedp.CSS("#lang-switch")),
				chromedp.WaitVisible(chromedp.CSS(`html[lang="`+htmlLang+`"] #who`))); err != nil {
				return err
			}
		}
		if lang == "back" {
			break
		}
		for _, sz := range sizes {
			if err := step("sign-in page", chromedp.EmulateViewport(sz.w, sz.h),
				chromedp.Navigate(base+"/portal/login"), chromedp.WaitVisible(chromedp.CSS(`html[lang="`+htmlLang+`"] #who`))); err != nil {
				return err
			}
			if err := shoot(fmt.Sprintf("signin-%s-%s.png", sz.name, lang), sz); err != nil {
				return err
			}
			n++
		}
	}
	if err := step("desktop", chromedp.EmulateViewport(1280, 800)); err != nil {
		return err
	}
	if err := step("log in",
		chromedp.Navigate(base+"/portal/login"),
		chromedp.WaitVisible(chromedp.CSS("#who")),
		chromedp.SendKeys(chromedp.CSS("#who"), person),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#login-link")),
		chromedp.Click(chromedp.CSS("#login-link")),
		chromedp.WaitVisible(chromedp.CSS("#login-confirm")),
		chromedp.Click(chromedp.CSS("#login-confirm")),
		chromedp.WaitVisible(chromedp.CSS(`svg[data-chart="gauge"]`)),
	); err != nil {
		return err
	}
	// Issue a credential, as the person would, for the public verify page.
	c, cancelIssue := context.WithTimeout(ctx, 30*time.Second)
	var link string
	err := chromedp.Do(c, chromedp.Navigate(base+"/portal/share"), chromedp.WaitVisible(chromedp.CSS("#issue-submit")),
		chromedp.Click(chromedp.CSS("#issue-submit")), chromedp.WaitVisible(chromedp.CSS(".cred.just .cred-link")))
	if err == nil {
		link, err = chromedp.Run(c, chromedp.Value(chromedp.CSS(".cred.just .cred-link")))
	}
	cancelIssue()
	if err != nil {
		return fmt.Errorf("issue a credential: %w", err)
	}
	pages := append(pages, page{"verify", strings.TrimPrefix(link, base), "#verdict"})
	// The same credential with one character of its payload changed: the
	// signature no longer matches, and the page says so.
	altered, err := alter(link)
	if err != nil {
		return err
	}
	if err := step("verify altered", chromedp.Navigate(altered), chromedp.WaitVisible(chromedp.CSS("#verdict"))); err != nil {
		return err
	}
	if err := shoot("verify-altered.png", sizes[0]); err != nil {
		return err
	}
	n++
	// A partner asks the person for consent, through the API; the person
	// opens the approval link.
	approval, partnerKey, err := askConsent(base, operator, person)
	if err != nil {
		return err
	}
	if err := step("approval", chromedp.Navigate(approval), chromedp.WaitVisible(chromedp.CSS("#focus-approve"))); err != nil {
		return err
	}
	if err := shoot("approval.png", sizes[0]); err != nil {
		return err
	}
	n++
	// The person approves (the partner's redirect leads nowhere here: only
	// the approval's POST matters); the partner and an operator then look,
	// and a head is signed over their entries, so that the access log's
	// pages show what a person sees after a look.
	if err := step("approve", chromedp.Click(chromedp.CSS("#focus-approve")), chromedp.Sleep(time.Second)); err != nil {
		return err
	}
	if err := look(base, partnerKey, operator, person); err != nil {
		return err
	}
	for _, lang := range []string{"en", "zh"} {
		if lang != "en" { // the portal's own switch, as a person would
			if err := step("language "+lang,
				chromedp.Navigate(base+"/portal/"),
				chromedp.Click(chromedp.CSS("#lang-switch")),
				chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-Hans"] svg[data-chart="gauge"]`)),
			); err != nil {
				return err
			}
		}
		for _, sz := range sizes {
			if err := step("resize", chromedp.EmulateViewport(sz.w, sz.h)); err != nil {
				return err
			}
			for _, p := range pages {
				if err := step(p.name, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait))); err != nil {
					return err
				}
				if err := shoot(fmt.Sprintf("%s-%s-%s.png", p.name, sz.name, lang), sz); err != nil {
					return err
				}
				n++
			}
		}
	}
	fmt.Fprintf(os.Stderr, "screenshots: %d PNGs in %s\n", n, out)
	return nil
}

// alter changes one character in the middle of a credential link's
// payload (the JWT's second part).
func alter(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil {
		return "", err
	}
	q := u.Query()
	parts := strings.Split(q.Get("c"), ".")
	if len(parts) != 3 || len(parts[1]) < 2 {
		return "", fmt.Errorf("the credential link %s holds no JWT", link)
	}
	mid := len(parts[1]) / 2
	swap := byte('A')
	if parts[1][mid] == 'A' {
		swap = 'B'
	}
	parts[1] = parts[1][:mid] + string(swap) + parts[1][mid+1:]
	q.Set("c", strings.Join(parts, "."))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// look reads person's data as the partner (the threshold its consent
// covers) and as an operator, then waits for the server to sign a head
// after those reads (it signs every 30 seconds).
func look(base, partnerKey, operator, person string) error {
	ctx := context.Background()
	if _, err := (&client.Client{BaseURL: base, Token: partnerKey}).Threshold(ctx, person, 650); err != nil {
		return fmt.Errorf("the partner's look: %w", err)
	}
	if _, err := (&client.Client{BaseURL: base, Token: operator}).Score(ctx, person); err != nil {
		return fmt.Errorf("an operator's look: %w", err)
	}
	looked := time.Now()
	for deadline := looked.Add(75 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Second) {
		h, err := (&client.Client{BaseURL: base}).AccessHead(ctx)
		if err != nil {
			return err
		}
		if h != nil && h.At.After(looked) {
			return nil
		}
	}
	return errors.New("no head was signed within 75 s of the looks")
}

// askConsent registers a partner with the operator token and asks person
// for a consent as that partner; it returns the request's approval link
// and the partner's API key.
func askConsent(base, operator, person string) (approval, partnerKey string, err error) {
	call := func(token, path string, in, out any) error {
		body, _ := json.Marshal(in)
		req, err := http.NewRequest("POST", base+path, strings.NewReader(string(body)))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 300 {
			return fmt.Errorf("POST %s: %d %s", path, res.StatusCode, b)
		}
		return json.Unmarshal(b, out)
	}
	var partner struct {
		APIKey string `json:"api_key"`
	}
	id := fmt.Sprintf("city-bank-%d", time.Now().Unix()) // a partner id is taken once
	if err := call(operator, "/v1/operator/partners", map[string]any{"id": id, "name": "City Bank",
		"redirect_uris": []string{"https://citybank.example/cb"}}, &partner); err != nil {
		return "", "", fmt.Errorf("register a partner: %w", err)
	}
	var cr struct {
		ApprovalURL string `json:"approval_url"`
	}
	if err := call(partner.APIKey, "/v1/partner/consent-requests", map[string]any{"person": person, "purpose": "credit_card",
		"scope": "threshold", "thresholds": []int{650}, "redirect_uri": "https://citybank.example/cb", "state": "s1"}, &cr); err != nil {
		return "", "", fmt.Errorf("ask for consent: %w", err)
	}
	if cr.ApprovalURL == "" {
		return "", "", errors.New("the consent request has no approval link")
	}
	return cr.ApprovalURL, partner.APIKey, nil
}

// startDemo builds the sesame binary and runs `sesame demo` on a new
// database in a temporary directory, on a free port, until stop.
func startDemo() (stop func(), base string, err error) {
	dir, err := os.MkdirTemp("", "sesame-screenshots")
	if err != nil {
		return nil, "", err
	}
	bin := filepath.Join(dir, "sesame")
	build := exec.Command("go", "build", "-o", bin, "./cmd/sesame")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		return nil, "", fmt.Errorf("build (run from the repository root): %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "demo", "--db", filepath.Join(dir, "demo.db"), "--addr", addr)
	cmd.Stderr = io.Discard
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, "", err
	}
	stop = func() {
		cmd.Process.Kill()
		cmd.Wait()
		os.RemoveAll(dir)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Sesame demo is ready") {
				ready <- true
			}
		}
		close(ready)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case ok := <-ready:
		if !ok {
			stop()
			return nil, "", errors.New("the demo stopped before it was ready")
		}
	case <-time.After(5 * time.Minute):
		stop()
		return nil, "", errors.New("the demo was not ready after 5 minutes")
	}
	return stop, "http://" + addr, nil
}
