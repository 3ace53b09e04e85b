package apiserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"kubelab/pkg/api"
)

// Until the API has authentication, anything that reaches its port may
// write, and that includes a web page open in a browser on the same
// machine: the page cannot read the answers (the server sends no CORS
// headers), but it can send requests. Browsers name the page that makes
// a request in its Origin header, on every cross-site POST, PUT, PATCH
// and DELETE, so a request whose Origin is not this server itself came
// from some other site's page: it gets 403. Programs (kctl, the
// components, curl) send no Origin and are not affected.
//
// The media type check (mediatypes.go) is the other half: the requests a
// page may send without the browser asking the server first carry form
// or text bodies, which no handler takes.

// checkOrigin refuses a request sent by a page of another origin.
func checkOrigin(r *http.Request) *api.Status {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	if u, err := url.Parse(origin); err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host) {
		return nil
	}
	return statusErr(http.StatusForbidden, "Forbidden",
		fmt.Sprintf("a request from the web page of origin %s is forbidden: only this server's own origin (%s) may send requests with an Origin header",
			api.Quote(origin), r.Host))
}
