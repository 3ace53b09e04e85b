package kubelet

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"kubelab/pkg/api"
)

// The log endpoint over the fake runtime, with a fake that answers logs.
// Exec, attach and port-forward: streams_remotecommand_test.go.
func TestLogEndpoint(t *testing.T) {
	missing := testPod("missing", api.RestartAlways, "missing/app")
	missing.Spec.Containers[0].ImagePullPolicy = api.PullNever
	h := newHarness(t, testPod("web", api.RestartAlways, "kubia"), testPod("two", api.RestartAlways, "kubia", "kubia"), missing)
	for _, key := range []string{"default/web", "default/two", "default/missing"} {
		h.sync(key)
	}
	// two's c1 crashed and restarted: it has a previous run.
	h.exit("uid-two", "c1", 1)
	h.sync("default/two")
	wantStrings(t, "containers", h.containers(), []string{
		"POD 0 running 0", "c0 0 running 0", // web
		"POD 0 running 0", "c0 0 running 0", "c1 0 exited 1", // two
		"POD 0 running 0", // missing
		"c1 1 running 0",  // two's c1 again
	})

	srv := httptest.NewServer(handler(prometheus.NewRegistry(), &streamServer{
		node: "n1", runtime: h.rt, streams: &fakeExecer{}, pods: func() podLister { return h.pods },
	}))
	defer srv.Close()

	for _, tc := range []struct {
		name, method, path string
		code               int
		body               string // the answer, or the Status message for an error
	}{
		{"log", "GET", "/pods/default/web/log", 200, "log of fake://n1-2 1\nlog of fake://n1-2 2\nlog of fake://n1-2 3\n"},
		{"log tail", "GET", "/pods/default/web/log?tailLines=1&follow=false", 200, "log of fake://n1-2 3\n"},
		{"log of a container", "GET", "/pods/default/two/log?container=c1", 200, "log of fake://n1-7 1\nlog of fake://n1-7 2\nlog of fake://n1-7 3\n"},
		{"log of the previous run", "GET", "/pods/default/two/log?container=c1&previous=true&tailLines=1", 200, "log of fake://n1-5 3\n"},
		{"no previous run", "GET", "/pods/default/web/log?previous=true", 400, `previous terminated container "c0" in pod "web" not found`},
		{"bad tail", "GET", "/pods/default/web/log?tailLines=-1", 400, `tailLines="-1": must be a number of lines, 0 or more`},
		{"bad follow", "GET", "/pods/default/web/log?follow=yes", 400, `follow="yes": must be true or false`},
		{"no such pod", "GET", "/pods/default/nope/log", 404, `pods "nope" not found on node n1`},
		{"two containers, none named", "GET", "/pods/default/two/log", 400, "a container name must be specified for pod two, choose one of: [c0 c1]"},
		{"no such container", "GET", "/pods/default/two/log?container=c9", 404, `container "c9" not found in pod "two"`},
		{"not started", "GET", "/pods/default/missing/log", 400, `container "c0" in pod "missing" is waiting to start: ErrImageNeverPull`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			body := string(b)
			if resp.StatusCode >= 400 && resp.StatusCode != 405 {
				var st api.Status
				if err := json.Unmarshal(b, &st); err != nil || st.Kind != "Status" || int(st.Code) != resp.StatusCode || st.Reason == "" {
					t.Errorf("not a Status: %s", b)
				}
				body = st.Message
			}
			if resp.StatusCode != tc.code || (tc.code != 405 && body != tc.body) {
				t.Errorf("%d %q, want %d %q", resp.StatusCode, body, tc.code, tc.body)
			}
		})
	}

	// A simulated node has nothing to show.
	sim := httptest.NewServer(handler(prometheus.NewRegistry(), &streamServer{node: "n1", runtime: h.rt, pods: func() podLister { return h.pods }}))
	defer sim.Close()
	resp, err := http.Get(sim.URL + "/pods/default/web/log")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "node n1 is a simulated node (--runtime=fake)") {
		t.Errorf("logs on a simulated node: %d %s", resp.StatusCode, b)
	}
}
