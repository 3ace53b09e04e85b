package apiserver

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// An object etcd would refuse as too large a request is refused before
// anything is written, with 413 naming the limit, not etcd's 500; the
// same object a little smaller is stored.
func TestObjectSizeLimit(t *testing.T) {
	ts := newTestServer(t)
	const path = podsPath
	// A pod with long args: nothing limits them but the size of the whole.
	// (No token volume: a PUT of the same spec must change nothing else.)
	pod := func(name string, size int, annotation string) string {
		return fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q,"annotations":{"a":%q}},`+
			`"spec":{"automountServiceAccountToken":false,"containers":[{"name":"c","image":"i","args":[%q]}]}}`, name, annotation, strings.Repeat("x", size))
	}
	big := strings.Repeat("y", 1000)
	limit := fmt.Sprintf("Request entity too large: limit is %d bytes", maxObjectBytes)
	tests := []struct {
		name, method, path, body string
		code                     int
	}{
		{"just below the limit", "POST", path, pod("fits", maxObjectBytes-1000, ""), http.StatusCreated},
		{"just above the limit", "POST", path, pod("above", maxObjectBytes, ""), http.StatusRequestEntityTooLarge},
		{"2 MiB", "POST", path, pod("two", 2<<20, ""), http.StatusRequestEntityTooLarge},
		{"an update that grows too large", "PUT", path + "/fits", pod("fits", maxObjectBytes-1000, big), http.StatusRequestEntityTooLarge},
		{"a patch that grows too large", "PATCH", path + "/fits",
			`{"metadata":{"annotations":{"a":"` + big + `"}}}`, http.StatusRequestEntityTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := ts.storeRevision()
			ct := "application/json"
			if tc.method == "PATCH" {
				ct = mergePatch
			}
			r := ts.do(tc.method, tc.path, tc.body, ct)
			if r.code != tc.code {
				t.Fatalf("got %d %.300s, want %d", r.code, r.body, tc.code)
			}
			if tc.code != http.StatusRequestEntityTooLarge {
				return
			}
			if st := r.status(); st.Reason != "RequestEntityTooLarge" || !strings.HasPrefix(st.Message, limit) {
				t.Fatalf("got %s %q, want RequestEntityTooLarge %q…", st.Reason, st.Message, limit)
			}
			if after := ts.storeRevision(); after != before {
				t.Fatalf("a refused write moved etcd's revision %d → %d", before, after)
			}
		})
	}
}

// A body above the request limit (3 MiB) is refused while it is read.
func TestRequestBodyLimit(t *testing.T) {
	ts := newTestServer(t)
	body := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"huge"},"data":{"d":%q}}`, strings.Repeat("x", 3<<20))
	st := ts.must(http.StatusRequestEntityTooLarge, "POST", "/api/v1/namespaces/default/configmaps", body).status()
	if want := "Request entity too large: limit is 3145728 bytes for a request body"; st.Message != want {
		t.Fatalf("got %q, want %q", st.Message, want)
	}
}
