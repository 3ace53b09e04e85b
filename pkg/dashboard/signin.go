package dashboard

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Who may do what through the dashboard (doc.go says why):
//
//   - Reading is the dashboard's own identity's: its informers show
//     anyone who reaches the page what its ClusterRole lets it read.
//   - Acting is the viewer's: a viewer signs in with a bearer token of
//     their own, which the dashboard keeps in a cookie the page's scripts
//     cannot read (HttpOnly) and other sites' pages cannot make the
//     browser send (SameSite=Strict), and sends with each action. The
//     apiserver authenticates the token and RBAC decides.
//   - A POST must come from the dashboard's own pages: its Origin (when
//     the browser sends one) is the dashboard's, and it carries the CSRF
//     token of the page's cookie.
//   - The Host a request names must be an IP address, localhost, or a
//     name given with --allowed-host: a web page cannot read the
//     dashboard by pointing a name of its own at 127.0.0.1 (DNS
//     rebinding).

// Cookies.
const (
	tokenCookie = "kubelab_token"
	csrfCookie  = "kubelab_csrf"
	flashCookie = "kubelab_flash"
)

// guard checks every request before the routes see it, and sets the
// headers that keep the pages to themselves: no script, style, frame or
// form target from elsewhere.
func (d *Dashboard) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if !d.allowedHost(r.Host) {
			http.Error(w, "the dashboard does not answer to the host "+r.Host+": use its IP address, localhost, or start it with --allowed-host "+hostOnly(r.Host), http.StatusMisdirectedRequest)
			return
		}
		if r.Method == http.MethodPost {
			if err := d.checkPost(r); err != nil {
				http.Error(w, err.Error(), http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// allowedHost reports whether the dashboard answers to Host value host.
func (d *Dashboard) allowedHost(host string) bool {
	h := strings.Trim(hostOnly(host), "[]")
	return net.ParseIP(h) != nil || h == "localhost" || slices.Contains(d.hosts, h)
}

// maxForm bounds a POST body: a manifest pasted into the apply form is
// the biggest, and the apiserver takes no more than 3 MiB either.
const maxForm = 3 << 20

// checkPost refuses a POST that another site's page may have sent: one
// whose Origin is not the dashboard's, or whose form lacks the CSRF token
// of the cookie.
func (d *Dashboard) checkPost(r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return errors.New("refused: the form was sent from another site (" + o + ")")
		}
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return errors.New("refused: the form could not be read: " + err.Error())
	}
	c, err := r.Cookie(csrfCookie)
	sent := r.PostForm.Get("csrf")
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(sent)) != 1 {
		return errors.New("refused: the form's CSRF token is missing or stale; reload the page and try again")
	}
	return nil
}

// csrfToken returns the CSRF token of r's cookie, setting a new cookie
// when r has none.
func (d *Dashboard) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if v := d.csrfCookie(r); v != "" {
		return v
	}
	b := make([]byte, 24)
	rand.Read(b) // crypto/rand never fails on Linux
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: v}) // for the rest of this request
	return v
}

func (d *Dashboard) csrfCookie(r *http.Request) string {
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// viewerToken is the bearer token the viewer signed in with, "" for none.
func viewerToken(r *http.Request) string {
	c, err := r.Cookie(tokenCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// tokenUsers remembers whose each token is, for the page's header; the
// token itself stays in the viewer's cookie. A dashboard restarted since
// the viewer signed in asks the apiserver again.
type tokenUsers struct {
	mu    sync.Mutex
	users map[[32]byte]string // sha256 of a token → its user
}

// maxTokenUsers bounds what tokenUsers remembers; past it, it forgets all.
const maxTokenUsers = 1000

func newTokenUsers() *tokenUsers { return &tokenUsers{users: map[[32]byte]string{}} }

func (s *tokenUsers) get(token string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[sha256.Sum256([]byte(token))]
	return u, ok
}

func (s *tokenUsers) put(token, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.users) >= maxTokenUsers {
		clear(s.users)
	}
	s.users[sha256.Sum256([]byte(token))] = user
}

// viewerName is who the signed-in viewer is, "" when no one is.
func (d *Dashboard) viewerName(r *http.Request) string {
	tok := viewerToken(r)
	if tok == "" {
		return ""
	}
	if u, ok := d.tokenUsers.get(tok); ok {
		return u
	}
	u, err := d.viewers.whoAmI(r.Context(), tok)
	if err != nil {
		return "" // an expired token: the viewer signs in again
	}
	d.tokenUsers.put(tok, u)
	return u
}

// flash is a one-time message to the next page: what an action did.
type flash struct {
	Error bool   `json:"error,omitempty"`
	Text  string `json:"text"`
}

func setFlash(w http.ResponseWriter, f flash) {
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// takeFlash reads the flash message, if any, and clears it.
func takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	var f flash
	if json.Unmarshal(b, &f) != nil || f.Text == "" {
		return nil
	}
	return &f
}

// returnPath is where a form goes back to: a path of the dashboard's own,
// never another site (an open redirect).
func returnPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return "/"
	}
	return p
}

// loginPage is the model of the sign-in page.
type loginPage struct {
	Error  string
	Return string
}

func (d *Dashboard) serveLoginForm(w http.ResponseWriter, r *http.Request) {
	d.renderPlain(w, r, "login", "Sign in", "login", loginPage{Return: returnPath(r.URL.Query().Get("return"))}, http.StatusOK)
}

// serveLogin checks the token with the apiserver (who is it?) and keeps
// it in the viewer's cookie.
func (d *Dashboard) serveLogin(w http.ResponseWriter, r *http.Request) {
	back := returnPath(r.PostForm.Get("return"))
	tok := strings.TrimSpace(r.PostForm.Get("token"))
	if tok == "" {
		d.renderPlain(w, r, "login", "Sign in", "login", loginPage{Error: "Paste a token first.", Return: back}, http.StatusBadRequest)
		return
	}
	user, err := d.viewers.whoAmI(r.Context(), tok)
	if err != nil {
		d.renderPlain(w, r, "login", "Sign in", "login", loginPage{Error: "The apiserver does not take this token: " + errorLine(err), Return: back}, http.StatusUnauthorized)
		return
	}
	d.tokenUsers.put(tok, user)
	http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	setFlash(w, flash{Text: "Signed in as " + user + ". Actions now go to the API as " + user + ", and RBAC decides what they may do."})
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (d *Dashboard) serveLogout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: tokenCookie, Path: "/", MaxAge: -1})
	setFlash(w, flash{Text: "Signed out: the dashboard shows the cluster, and acts on nothing."})
	http.Redirect(w, r, returnPath(r.PostForm.Get("return")), http.StatusSeeOther)
}
