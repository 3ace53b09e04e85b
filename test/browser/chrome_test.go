package browser

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// page is one tab of a headless Chromium, pointed at the dashboard at
// base. Every request the tab makes is recorded: one to anywhere but the
// dashboard fails the test.
type page struct {
	tb   testing.TB
	ctx  context.Context
	base string

	mu         sync.Mutex
	outside    []string
	lastFailed string // the error of the last request that failed
}

// chromium is Debian's chromium package's binary, if it is installed.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// openBrowser starts Chromium for the test, or skips the test without it.
// The browser can reach nothing but loopback: every other host name fails
// to resolve, every other address goes to a proxy that is not there, and
// the background services that would call home are off.
func openBrowser(tb testing.TB, base string) *page {
	tb.Helper()
	path := chromium()
	if path == "" {
		tb.Skip("no Chromium: apt-get install chromium to run the browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.DisableGPU,
		chromedp.WindowSize(1400, 1000),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
		chromedp.Flag("proxy-server", "http://127.0.0.1:9"), // loopback bypasses it; anything else fails here
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("dns-prefetch-disable", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,CertificateTransparencyComponentUpdater"),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium's sandbox refuses to run as root
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	p := &page{tb: tb, ctx: ctx, base: base}
	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
		p.checkLoopbackOnly()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		tb.Fatalf("starting Chromium: %v", err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventLoadingFailed); ok && !e.Canceled {
			p.mu.Lock()
			p.lastFailed = e.ErrorText
			p.mu.Unlock()
		}
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			u := e.Request.URL
			if !strings.HasPrefix(u, base+"/") && u != base && !strings.HasPrefix(u, "data:") {
				p.mu.Lock()
				p.outside = append(p.outside, u)
				p.mu.Unlock()
			}
		}
	})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func (p *page) checkLoopbackOnly() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.outside) > 0 {
		p.tb.Errorf("the page asked for something besides the dashboard: %v", p.outside)
	}
}

// open loads a page of the dashboard and, when it is live, waits until
// its event stream is open.
func (p *page) open(path string) {
	p.tb.Helper()
	for attempt := 1; ; attempt++ {
		err := chromedp.Do(p.ctx, chromedp.Navigate(p.base+path))
		if err == nil {
			break
		}
		if !networkChanged(err.Error()) || attempt == 3 {
			p.tb.Fatalf("opening %s: %v", path, err)
		}
		p.tb.Logf("opening %s: %v; again", path, err)
	}
	p.waitLive()
}

// waitLive waits until the page's event stream, if it has one, is open.
func (p *page) waitLive() {
	p.tb.Helper()
	p.waitFor("the page's live updates to connect", `(() => { const l = document.getElementById("live"); return !l || l.classList.contains("on"); })()`, 10*time.Second)
}

// networkChanged reports Chromium's answer to a change of the host's
// network (another program adding a link or an address): it drops the
// requests in flight, even to loopback. Other tests on the machine do
// that; what was dropped is sent again.
func networkChanged(s string) bool { return strings.Contains(s, "ERR_NETWORK_CHANGED") }

// eval evaluates a JavaScript expression in the page.
func eval[T any](p *page, expr string) T {
	p.tb.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.tb.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript predicate in the page until it is true. A
// poll cut short by a navigation (a form's answer loading) starts again
// in the new page.
func (p *page) waitFor(what, predicate string, timeout time.Duration) {
	p.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		_, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](predicate,
			chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return
		}
		if !navigated(err) || time.Now().After(deadline) {
			p.fail(fmt.Sprintf("waiting %s for %s: %v", timeout, what, err))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// navigated reports an error that only says the page changed under a
// script: it is to be run again.
func navigated(err error) bool {
	s := err.Error()
	return strings.Contains(s, "navigated or closed") || strings.Contains(s, "context was destroyed") ||
		strings.Contains(s, "Cannot find context")
}

// submit fills a form (fill opens its page and sets its fields) and
// clicks its button, then waits for the page it leads to: the redirect
// after an action, or the answer to the apply form. A submission the
// browser dropped because the host's network changed is made again, when
// fill says it is still to be made (the first may have arrived).
func (p *page) submit(fill func() bool, button string) {
	p.tb.Helper()
	for attempt := 1; ; attempt++ {
		if !fill() {
			return
		}
		p.mu.Lock()
		p.lastFailed = ""
		p.mu.Unlock()
		if err := chromedp.Do(p.ctx, chromedp.Evaluate[chromedp.Void](`window.__kubelabOld = true`)); err != nil {
			p.tb.Fatal(err)
		}
		if err := chromedp.Do(p.ctx, chromedp.Click(chromedp.CSS(button))); err != nil {
			p.fail(fmt.Sprintf("clicking %s: %v", button, err))
		}
		p.waitFor("the next page", `window.__kubelabOld === undefined && (document.readyState === "complete" || location.href.startsWith("chrome-error:"))`, 10*time.Second)
		if !strings.HasPrefix(eval[string](p, `location.href`), "chrome-error:") {
			p.waitLive()
			return
		}
		p.mu.Lock()
		why := p.lastFailed
		p.mu.Unlock()
		if !networkChanged(why) || attempt == 3 {
			p.fail(fmt.Sprintf("submitting %s: the browser shows an error page (%s)", button, why))
		}
		p.tb.Logf("submitting %s: %s; again", button, why)
	}
}

// setValue sets a form field.
func (p *page) setValue(sel, value string) {
	p.tb.Helper()
	if err := chromedp.Do(p.ctx, chromedp.SetValue(chromedp.CSS(sel), value)); err != nil {
		p.fail(fmt.Sprintf("setting %s: %v", sel, err))
	}
}

// viewport makes the tab's window width×height pixels, as a phone's.
func (p *page) viewport(width, height int64) {
	p.tb.Helper()
	if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(width, height)); err != nil {
		p.tb.Fatal(err)
	}
}

// screenshot saves the whole page as a PNG in dir and returns its path.
func (p *page) screenshot(dir, name string) string {
	p.tb.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.tb.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.tb.Fatal(err)
	}
	return path
}

// fail ends the test with what the page showed, to see why.
func (p *page) fail(msg string) {
	p.tb.Helper()
	body, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`location.href + " (" + document.readyState + ")\n" + (document.body ? document.body.innerText : "")`))
	if err != nil {
		body = "(the page could not be read: " + err.Error() + ")"
	}
	if len(body) > 4000 {
		body = body[:4000] + "…"
	}
	p.tb.Fatalf("%s\nthe page said:\n%s", msg, body)
}
