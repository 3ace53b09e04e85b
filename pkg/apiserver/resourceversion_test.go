package apiserver

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// Tests wait less than Kubernetes' 3 s for a resourceVersion etcd has not
// reached (the bad-request corpus has such cases).
func init() { freshWait = 200 * time.Millisecond }

// TestResourceVersions: every resourceVersion a list or a watch may name
// gets Kubernetes' answer: 400 for one that is not a version, 504 Too
// large resource version for one etcd has not reached, 410 for a
// compacted one asked for exactly, and the state at that version for one
// still kept.
func TestResourceVersions(t *testing.T) {
	ts := newTestServer(t)
	var p api.Pod
	ts.must(http.StatusCreated, "POST", podsPath, testPod("p")).into(t, &p)
	created := p.ResourceVersion
	p.Labels["v"] = "2"
	ts.must(http.StatusOK, "PUT", podsPath+"/p", &p).into(t, &p)
	rev, _ := strconv.ParseInt(p.ResourceVersion, 10, 64)
	future := strconv.FormatInt(rev+1000, 10)

	tests := []struct {
		name, query string
		code        int
		want        string // in the Status message; for 200, the label v of the pod listed
	}{
		{"list, negative", "?resourceVersion=-1", 400, `resourceVersion "-1": must not be negative`},
		{"watch, negative", "?watch=true&resourceVersion=-1", 400, `resourceVersion "-1": must not be negative`},
		{"list, not a number", "?resourceVersion=x1", 400, `resourceVersion "x1": must be an integer`},
		{"list, future", "?resourceVersion=" + future, 504, "Timeout: Too large resource version: " + future + ", current: "},
		{"watch, future", "?watch=true&resourceVersion=" + future, 504, "Too large resource version: " + future},
		{"watch, largest int64", "?watch=true&resourceVersion=9223372036854775807", 504, "Too large resource version"},
		{"list, exact future", "?resourceVersionMatch=Exact&resourceVersion=" + future, 504, "Too large resource version"},
		{"list, unknown match", "?resourceVersionMatch=Newest&resourceVersion=1", 400, `resourceVersionMatch: Unsupported value: "Newest"`},
		{"list, match without version", "?resourceVersionMatch=NotOlderThan", 400, "resourceVersionMatch is forbidden unless resourceVersion is provided"},
		{"list, exact 0", "?resourceVersionMatch=Exact&resourceVersion=0", 400, `forbidden for resourceVersion "0"`},
		{"watch, exact", "?watch=true&resourceVersionMatch=Exact&resourceVersion=1", 400, `a watch takes only "NotOlderThan"`},
		{"list, not older than", "?resourceVersion=" + created, 200, "2"},
		{"list, exact past", "?resourceVersionMatch=Exact&resourceVersion=" + created, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do("GET", podsPath+tt.query, nil)
			if r.code != tt.code {
				t.Fatalf("got %d %s, want %d", r.code, r.body, tt.code)
			}
			if tt.code == http.StatusOK {
				var list api.List[api.Pod]
				r.into(t, &list)
				if len(list.Items) != 1 || list.Items[0].Labels["v"] != tt.want {
					t.Fatalf("listed %+v, want pod p with label v=%q", list.Items, tt.want)
				}
				return
			}
			st := r.status()
			if !strings.Contains(st.Message, tt.want) {
				t.Fatalf("message %q, want it to contain %q", st.Message, tt.want)
			}
			if tt.code == http.StatusGatewayTimeout && (st.Reason != "Timeout" || st.Details == nil || st.Details.RetryAfterSeconds != 1 ||
				len(st.Details.Causes) != 1 || st.Details.Causes[0].Type != "ResourceVersionTooLarge") {
				t.Fatalf("not Kubernetes' Too large resource version: %s", r.body)
			}
		})
	}

	// Once compacted, the exact past is gone; a list not older than it
	// still answers, with the present.
	if err := ts.store.Compact(context.Background(), rev); err != nil {
		t.Fatal(err)
	}
	r := ts.must(http.StatusGone, "GET", podsPath+"?resourceVersionMatch=Exact&resourceVersion="+created, nil)
	if st := r.status(); st.Reason != "Expired" || st.Message != "The resourceVersion for the provided list is too old." {
		t.Errorf("compacted exact list: %s", r.body)
	}
	ts.must(http.StatusOK, "GET", podsPath+"?resourceVersion="+created, nil)
}

// TestWatchHugeTimeout: a timeoutSeconds too large for a time.Duration is
// a watch without end, not an overflow into a 500.
func TestWatchHugeTimeout(t *testing.T) {
	ts := newTestServer(t)
	next := ts.watch(podsPath + "?watch=true&timeoutSeconds=10000000000")
	ts.must(http.StatusCreated, "POST", podsPath, testPod("p"))
	if typ, pod, _ := next(); typ != "ADDED" || pod.Name != "p" {
		t.Fatalf("got %s %s, want ADDED p", typ, pod.Name)
	}
	if got := seconds(1 << 62); got <= 0 {
		t.Errorf("seconds(2^62) = %s, want a positive duration", got)
	}
}
