package apiserver

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"kubelab/pkg/api"
)

// badRequest is one case of testdata/bad-requests.yaml.
type badRequestCase struct {
	Name        string `json:"name"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	ContentType string `json:"contentType"`
	Body        string `json:"body"`
	// Headers are sent besides the Content-Type (an Origin, say).
	Headers map[string]string `json:"headers"`
	Code    int               `json:"code"`
	Want    string            `json:"want"`
}

func TestBadRequests(t *testing.T) {
	raw, err := os.ReadFile("testdata/bad-requests.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cases []badRequestCase
	if err := yaml.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", podsPath, testPod("kubia"))
	ts.must(http.StatusCreated, "POST", svcPath, testService("web", "NodePort", 30001))
	ts.must(http.StatusCreated, "POST", rsPath, testReplicaSet("rs", 1))
	ts.must(http.StatusCreated, "POST", "/api/v1/nodes", kubeletNode("n1", 10250))
	before := ts.storeRevision()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			r := ts.send(tc)
			st := r.status()
			if r.code != tc.Code || !strings.Contains(st.Message, tc.Want) {
				t.Fatalf("got %d %q, want %d containing %q", r.code, st.Message, tc.Code, tc.Want)
			}
			if st.Kind != "Status" || st.Status != "Failure" || int(st.Code) != tc.Code {
				t.Fatalf("not a proper Status: %s", r.body)
			}
		})
	}
	if after := ts.storeRevision(); after != before {
		t.Fatalf("bad requests wrote to etcd: revision %d → %d", before, after)
	}
}

// send makes the request of a case: with its body, if any, as
// application/json unless it names another type (a case that sets
// contentType to "none" sends none), and its headers.
func (ts *testServer) send(tc badRequestCase) response {
	ts.t.Helper()
	req, err := http.NewRequest(tc.Method, ts.http.URL+tc.Path, strings.NewReader(tc.Body))
	if err != nil {
		ts.t.Fatal(err)
	}
	switch tc.ContentType {
	case "":
		req.Header.Set("Content-Type", "application/json")
	case "none":
	default:
		req.Header.Set("Content-Type", tc.ContentType)
	}
	for k, v := range tc.Headers {
		req.Header.Set(k, v)
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return response{code: resp.StatusCode, body: out, headers: resp.Header}
}

// Every broken manifest of pkg/api's corpus is refused by the apiserver too,
// with the same message, when POSTed to its resource.
func TestBadManifestsOverHTTP(t *testing.T) {
	files, err := filepath.Glob("../api/testdata/bad/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	ts := newTestServer(t)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, _ := os.ReadFile(file)
			want := wantLine(string(raw))
			obj, res, _, err := api.Decode(raw)
			if err != nil {
				return // refused before any request could be made: pkg/api's test covers it
			}
			ns := obj.GetObjectMeta().Namespace
			if ns == "" && res.Namespaced {
				ns = "default"
			}
			r := ts.do("POST", res.Path(ns, ""), raw, "application/yaml")
			st := r.status()
			if r.code < 400 || r.code >= 500 || !strings.Contains(st.Message, want) {
				t.Fatalf("got %d %q, want 4xx containing %q", r.code, st.Message, want)
			}
		})
	}
}

func wantLine(manifest string) string {
	for _, line := range strings.Split(manifest, "\n") {
		if rest, ok := strings.CutPrefix(line, "# want: "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

func (ts *testServer) storeRevision() int64 {
	ts.t.Helper()
	rev, err := ts.store.Revision(ts.t.Context())
	if err != nil {
		ts.t.Fatal(err)
	}
	return rev
}
