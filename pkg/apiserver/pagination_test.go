package apiserver

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"kubelab/pkg/api"
)

// podPage is a page of a pod list as a client reads it.
type podPage struct {
	Metadata listMeta  `json:"metadata"`
	Items    []api.Pod `json:"items"`
}

func (p podPage) names() []string {
	var out []string
	for _, pod := range p.Items {
		out = append(out, pod.Namespace+"/"+pod.Name)
	}
	return out
}

// TestListPagination pages through a list while it changes: each page
// shows the list as it was at the first page's revision.
func TestListPagination(t *testing.T) {
	ts := newTestServer(t)
	for i, name := range []string{"a", "b", "c", "d", "e"} {
		pod := testPod(name)
		pod.Labels = map[string]string{"even": strconv.FormatBool(i%2 == 0)}
		ts.must(http.StatusCreated, "POST", podsPath, pod)
	}
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces", &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "other"}})
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/other/pods", testPod("z"))

	var first podPage
	ts.must(http.StatusOK, "GET", podsPath+"?limit=2", nil).into(t, &first)
	if got := first.names(); !slices.Equal(got, []string{"default/a", "default/b"}) || first.Metadata.Continue == "" ||
		first.Metadata.RemainingItemCount == nil || *first.Metadata.RemainingItemCount != 3 {
		t.Fatalf("first page: %v %+v; want a, b, a continue token and 3 remaining", got, first.Metadata)
	}
	// The token is Kubernetes' own encoding.
	raw, err := base64.RawURLEncoding.DecodeString(first.Metadata.Continue)
	want := `{"v":"meta.k8s.io/v1","rv":` + first.Metadata.ResourceVersion + `,"start":"b\u0000"}`
	if err != nil || string(raw) != want {
		t.Errorf("continue token %s = %q, %v; want %s", first.Metadata.Continue, raw, err, want)
	}
	// Changes after the first page do not show in the next ones.
	ts.must(http.StatusCreated, "POST", podsPath, testPod("bb"))
	ts.must(http.StatusOK, "DELETE", podsPath+"/e", nil)

	tests := []struct {
		name, path string
		want       []string
		more       bool
		remaining  int64 // -1: not given
	}{
		{"middle page", podsPath + "?limit=2&continue=" + first.Metadata.Continue, []string{"default/c", "default/d"}, true, 1},
		{"the rest", podsPath + "?continue=" + first.Metadata.Continue, []string{"default/c", "default/d", "default/e"}, false, -1},
		{"every namespace", "/api/v1/pods?limit=6", []string{"default/a", "default/b", "default/bb", "default/c", "default/d", "other/z"}, false, -1},
		{"across namespaces", "/api/v1/pods?limit=5", []string{"default/a", "default/b", "default/bb", "default/c", "default/d"}, true, 1},
		{"selector fills the page", podsPath + "?limit=2&labelSelector=even%3Dtrue", []string{"default/a", "default/c"}, true, -1},
		{"selector, last match", podsPath + "?limit=1&labelSelector=even%3Dfalse", []string{"default/b"}, true, -1},
		{"limit 0 is no limit", podsPath + "?limit=0", []string{"default/a", "default/b", "default/bb", "default/c", "default/d"}, false, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p podPage
			ts.must(http.StatusOK, "GET", tt.path, nil).into(t, &p)
			if got := p.names(); !slices.Equal(got, tt.want) {
				t.Errorf("items = %v, want %v", got, tt.want)
			}
			if (p.Metadata.Continue != "") != tt.more {
				t.Errorf("continue = %q, want one: %v", p.Metadata.Continue, tt.more)
			}
			switch rc := p.Metadata.RemainingItemCount; {
			case tt.remaining < 0 && rc != nil:
				t.Errorf("remainingItemCount = %d, want none", *rc)
			case tt.remaining >= 0 && (rc == nil || *rc != tt.remaining):
				t.Errorf("remainingItemCount = %v, want %d", rc, tt.remaining)
			}
		})
	}

	// Following the tokens to the end reads the snapshot of the first page.
	var all []string
	path := podsPath + "?limit=1"
	for n := 0; n < 10; n++ {
		var p podPage
		ts.must(http.StatusOK, "GET", path, nil).into(t, &p)
		all = append(all, p.names()...)
		if p.Metadata.Continue == "" {
			break
		}
		path = podsPath + "?limit=1&continue=" + url.QueryEscape(p.Metadata.Continue)
	}
	if want := []string{"default/a", "default/b", "default/bb", "default/c", "default/d"}; !slices.Equal(all, want) {
		t.Errorf("pages 1 by 1 = %v, want %v", all, want)
	}
}

// TestListPaginationErrors: bad tokens and options are 400, and a token
// whose revision is compacted is 410 with a token to go on inconsistently.
func TestListPaginationErrors(t *testing.T) {
	ts := newTestServer(t)
	for _, name := range []string{"a", "b", "c"} {
		ts.must(http.StatusCreated, "POST", podsPath, testPod(name))
	}
	var first podPage
	ts.must(http.StatusOK, "GET", podsPath+"?limit=1", nil).into(t, &first)
	token := first.Metadata.Continue
	escape := base64.RawURLEncoding.EncodeToString([]byte(`{"v":"meta.k8s.io/v1","rv":5,"start":"../../secrets/default/x"}`))

	tests := []struct {
		name, query string
		code        int
		message     string
	}{
		{"not base64", "continue=%25%25", http.StatusBadRequest, "invalid continue token: continue key is not valid: illegal base64 data at input byte 0"},
		{"outside the list", "continue=" + escape, http.StatusBadRequest, `invalid continue token: continue key is not valid: "../../secrets/default/x"`},
		{"with a resourceVersion", "resourceVersion=5&continue=" + token, http.StatusBadRequest, "specifying resource version is not allowed when using continue"},
		{"with resourceVersionMatch", "resourceVersion=0&resourceVersionMatch=NotOlderThan&continue=" + token, http.StatusBadRequest,
			"resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided"},
		{"limit not a number", "limit=ten", http.StatusBadRequest, `limit "ten": must be an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ts.must(tt.code, "GET", podsPath+"?"+tt.query, nil).status().Message; got != tt.message {
				t.Errorf("message %q, want %q", got, tt.message)
			}
		})
	}

	ts.must(http.StatusOK, "DELETE", podsPath+"/b", nil)
	rev, _ := ts.store.Revision(context.Background())
	if err := ts.store.Compact(context.Background(), rev); err != nil {
		t.Fatal(err)
	}
	st := ts.must(http.StatusGone, "GET", podsPath+"?limit=1&continue="+token, nil).status()
	if st.Reason != "Expired" || st.Metadata.Continue == "" ||
		st.Message[:60] != "The provided continue parameter is too old to display a cons" {
		t.Fatalf("expired continue: %+v", st)
	}
	// The token in the 410 goes on at the latest revision: b is gone.
	var rest podPage
	ts.must(http.StatusOK, "GET", podsPath+"?continue="+st.Metadata.Continue, nil).into(t, &rest)
	if got := rest.names(); !slices.Equal(got, []string{"default/c"}) || rest.Metadata.ResourceVersion != strconv.FormatInt(rev, 10) {
		t.Errorf("inconsistent continue: %v at %s, want [default/c] at %d", got, rest.Metadata.ResourceVersion, rev)
	}
}
