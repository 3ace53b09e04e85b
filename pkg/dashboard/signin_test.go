package dashboard

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A POST another site's page could make the browser send is refused: no
// CSRF token, a stale one, or another Origin.
func TestPostsFromElsewhereAreRefused(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	token := b.csrf()
	form := url.Values{"resource": {"replicasets"}, "namespace": {"default"}, "name": {"kubia"}, "replicas": {"5"}}
	tests := []struct {
		name, csrf, origin string
		want               int
	}{
		{"no token", "", "", http.StatusForbidden},
		{"another token", "forged", "", http.StatusForbidden},
		{"another site", token, "http://evil.example", http.StatusForbidden},
		{"the page itself", token, f.srv.URL, http.StatusSeeOther},
		{"no Origin, but the token", token, "", http.StatusSeeOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fm := url.Values{}
			for k, v := range form {
				fm[k] = v
			}
			if tc.csrf != "" {
				fm.Set("csrf", tc.csrf)
			}
			req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/actions/scale", strings.NewReader(fm.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, err := b.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("%d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	if sent := f.api.sent(); len(sent) != 0 {
		t.Fatalf("refused posts reached the API: %+v", sent)
	}
}

// The dashboard answers to IP addresses, localhost and the names it is
// told, not to a name another site points at 127.0.0.1.
func TestHostNames(t *testing.T) {
	f := newFixture(t)
	f.d.hosts = []string{"dashboard.lab"}
	for host, want := range map[string]int{
		"127.0.0.1:8080": http.StatusOK, "localhost:8080": http.StatusOK, "[::1]:8080": http.StatusOK,
		"dashboard.lab": http.StatusOK, "evil.example:8080": http.StatusMisdirectedRequest,
	} {
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/healthz", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
}

func TestReturnPath(t *testing.T) {
	for in, want := range map[string]string{
		"/workloads?ns=default": "/workloads?ns=default",
		"//evil.example/":       "/",
		"https://evil.example/": "/",
		"/\\evil.example":       "/",
		"":                      "/",
	} {
		if got := returnPath(in); got != want {
			t.Errorf("returnPath(%q) = %q, want %q", in, got, want)
		}
	}
}
