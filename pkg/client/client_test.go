package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/api"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
		wantQPS float64 // 0: no limiter
		burst   int
	}{
		{name: "defaults", cfg: Config{Server: "http://127.0.0.1:6443"}, wantQPS: 50, burst: 100},
		{name: "https with trailing slash", cfg: Config{Server: "https://api.lab:6443/"}, wantQPS: 50, burst: 100},
		{name: "own limits", cfg: Config{Server: "http://h", QPS: 5, Burst: 10}, wantQPS: 5, burst: 10},
		{name: "unlimited", cfg: Config{Server: "http://h", QPS: 0, Burst: -1}},
		{name: "empty", cfg: Config{}, wantErr: true},
		{name: "no scheme", cfg: Config{Server: "127.0.0.1:6443"}, wantErr: true},
		{name: "wrong scheme", cfg: Config{Server: "ftp://h"}, wantErr: true},
		{name: "no host", cfg: Config{Server: "http://"}, wantErr: true},
		{name: "query", cfg: Config{Server: "http://h/?x=1"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New(%q) error = %v, want error %v", tt.cfg.Server, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if strings.HasSuffix(c.Server(), "/") {
				t.Errorf("Server() = %q, want no trailing slash", c.Server())
			}
			switch {
			case tt.wantQPS == 0 && c.limiter != nil:
				t.Errorf("limiter = %v, want none", c.limiter.Limit())
			case tt.wantQPS != 0 && (float64(c.limiter.Limit()) != tt.wantQPS || c.limiter.Burst() != tt.burst):
				t.Errorf("limiter = %v/%d, want %v/%d", c.limiter.Limit(), c.limiter.Burst(), tt.wantQPS, tt.burst)
			}
		})
	}
}

func TestCRUD(t *testing.T) {
	f, c := newFakeAPIServer(t)
	ctx := context.Background()
	podsRes, _ := api.Lookup("pods")
	pods := c.Resource(podsRes).Namespace("ns1")

	created, err := pods.Create(ctx, testPod("", "a", ""))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if got := created.GetObjectMeta(); got.ResourceVersion == "" || got.Namespace != "ns1" || got.UID == "" {
		t.Errorf("created metadata = %+v, want namespace ns1, a uid and a resourceVersion", got)
	}
	if tm := created.GetTypeMeta(); tm.APIVersion != "v1" || tm.Kind != "Pod" {
		t.Errorf("created type = %+v, want v1 Pod", *tm)
	}
	if _, err := pods.Create(ctx, testPod("", "a", "")); !IsAlreadyExists(err) || IsConflict(err) {
		t.Errorf("second Create: %v, want AlreadyExists", err)
	}
	if _, err := pods.Create(ctx, testPod("", "", "")); !IsInvalid(err) {
		t.Errorf("Create without a name: %v, want Invalid", err)
	} else if s, _ := StatusOf(err); s.Details == nil || s.Details.Causes[0].Field != "metadata.name" {
		t.Errorf("Invalid status = %+v, want the cause metadata.name", s)
	}

	got, err := pods.Get(ctx, "a")
	if err != nil || got.(*api.Pod).Spec.Containers[0].Image != "kubia" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	items, rv, err := pods.List(ctx, ListOptions{})
	if err != nil || len(items) != 1 || rv != f.resourceVersion() {
		t.Fatalf("List = %d items at %q, %v; want 1 at %s", len(items), rv, err, f.resourceVersion())
	}
	if tm := items[0].GetTypeMeta(); tm.Kind != "Pod" || tm.APIVersion != "v1" {
		t.Errorf("list item type = %+v, want v1 Pod", *tm)
	}

	stale := api.DeepCopy(got.(*api.Pod))
	fresh := api.DeepCopy(got.(*api.Pod))
	fresh.Labels = map[string]string{"app": "kubia"}
	updated, err := pods.Update(ctx, fresh)
	if err != nil || updated.GetObjectMeta().Labels["app"] != "kubia" {
		t.Fatalf("Update = %+v, %v", updated, err)
	}
	if _, err := pods.Update(ctx, stale); !IsConflict(err) || IsAlreadyExists(err) {
		t.Errorf("Update with a stale resourceVersion: %v, want Conflict", err)
	}
	st := api.DeepCopy(updated.(*api.Pod))
	st.Status.Phase = "Running"
	if _, err := pods.UpdateStatus(ctx, st); err != nil {
		t.Errorf("UpdateStatus: %v", err)
	}
	if len(f.requestsMatching("PUT /api/v1/namespaces/ns1/pods/a/status")) != 1 {
		t.Errorf("UpdateStatus did not PUT the status subresource: %v", f.requestsMatching("PUT"))
	}

	patched, err := pods.Patch(ctx, "a", StrategicMergePatch, []byte(`{"metadata":{"labels":{"app":null,"tier":"web"}}}`), "")
	if err != nil {
		t.Fatalf("Patch: %v", err)
	}
	if l := patched.GetObjectMeta().Labels; l["tier"] != "web" || l["app"] != "" {
		t.Errorf("patched labels = %v, want only tier=web", l)
	}
	if ct := f.lastCTypes[len(f.lastCTypes)-1]; ct != StrategicMergePatch {
		t.Errorf("Patch Content-Type = %q", ct)
	}

	if err := pods.Delete(ctx, "a", &api.DeleteOptions{PropagationPolicy: api.String(api.DeletePropagationForeground)}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if !strings.Contains(string(f.lastBody), `"propagationPolicy":"Foreground"`) || !strings.Contains(string(f.lastBody), `"kind":"DeleteOptions"`) {
		t.Errorf("Delete body = %s", f.lastBody)
	}
	if _, err := pods.Get(ctx, "a"); !IsNotFound(err) {
		t.Errorf("Get after Delete: %v, want NotFound", err)
	}
	if err := pods.Delete(ctx, "a", nil); !IsNotFound(err) {
		t.Errorf("second Delete: %v, want NotFound", err)
	}
	if _, err := pods.Get(ctx, ""); err == nil {
		t.Errorf("Get with no name succeeded, want an error")
	}
}

func TestForAndNamespaces(t *testing.T) {
	f, c := newFakeAPIServer(t)
	ctx := context.Background()

	if _, err := c.For(testPod("ns2", "b", "")).Create(ctx, testPod("ns2", "b", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.For(testPod("", "c", "")).Create(ctx, testPod("", "c", "")); err != nil {
		t.Fatal(err)
	}
	node := &api.Node{}
	node.Name = "n1"
	if _, err := c.For(node).Create(ctx, node); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"POST /api/v1/namespaces/ns2/pods",
		"POST /api/v1/namespaces/default/pods", // no namespace anywhere: default
		"POST /api/v1/nodes",
	} {
		if len(f.requestsMatching(want)) != 1 {
			t.Errorf("no request %q in %v", want, f.requestsMatching("POST"))
		}
	}
	podsRes, _ := api.Lookup("pods")
	all, _, err := c.Resource(podsRes).List(ctx, ListOptions{})
	if err != nil || len(all) != 2 {
		t.Errorf("List across namespaces = %d, %v; want 2", len(all), err)
	}
	if _, err := c.For(&api.Binding{}).Get(ctx, "x"); err == nil || !strings.Contains(err.Error(), "not a registered") {
		t.Errorf("For(*api.Binding).Get: %v, want a not-registered error", err)
	}
}

func TestListPages(t *testing.T) {
	f, c := newFakeAPIServer(t)
	for i := range 5 {
		f.seed("pods", testPod("default", fmt.Sprintf("p%d", i), ""))
	}
	podsRes, _ := api.Lookup("pods")
	items, rv, err := c.Resource(podsRes).List(context.Background(), ListOptions{Limit: 2, ResourceVersion: "0"})
	if err != nil || len(items) != 5 || rv != "5" {
		t.Fatalf("List = %d items at %q, %v; want 5 at 5", len(items), rv, err)
	}
	reqs := f.requestsMatching("GET /api/v1/pods")
	if len(reqs) != 3 || !strings.Contains(reqs[2], "continue=4") || strings.Contains(reqs[2], "resourceVersion") {
		t.Errorf("requests = %v, want 3 pages, later ones with continue and no resourceVersion", reqs)
	}
}

func TestSubresourceRawAndStream(t *testing.T) {
	f, c := newFakeAPIServer(t)
	ctx := context.Background()
	f.seed("pods", testPod("default", "a", ""))
	podsRes, _ := api.Lookup("pods")
	pods := c.Resource(podsRes).Namespace("default")

	binding := &api.Binding{Target: api.ObjectReference{Kind: "Node", Name: "n1"}}
	var status api.Status
	if err := pods.Subresource(ctx, http.MethodPost, "a", "binding", binding, &status); err != nil || status.Status != "Success" {
		t.Fatalf("binding: %+v, %v", status, err)
	}
	got, _ := pods.Get(ctx, "a")
	if got.(*api.Pod).Spec.NodeName != "n1" {
		t.Errorf("nodeName after binding = %q, want n1", got.(*api.Pod).Spec.NodeName)
	}

	logs, err := pods.Raw(ctx, http.MethodGet, "a", "log", url.Values{"container": {"app"}}, nil, "")
	if err != nil || string(logs) != "line 1\nline 2\n" {
		t.Errorf("Raw log = %q, %v", logs, err)
	}
	if len(f.requestsMatching("GET /api/v1/namespaces/default/pods/a/log?container=app")) != 1 {
		t.Errorf("log request not as expected: %v", f.requestsMatching("log"))
	}

	rc, err := c.Stream(ctx, "/api/v1/namespaces/default/pods/a/log?follow=true")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	if string(b) != "line 1\nline 2\n" {
		t.Errorf("Stream = %q", b)
	}
	if _, err := c.Stream(ctx, "/api/v1/namespaces/default/pods/nope"); !IsNotFound(err) {
		t.Errorf("Stream of a missing object: %v, want NotFound", err)
	}
}

func TestErrorsMapToStatus(t *testing.T) {
	tests := []struct {
		name       string
		code       int
		body       string
		is         string // the one Is… that holds, if any
		wantReason string
	}{
		{name: "NotFound", code: 404, body: `{"kind":"Status","reason":"NotFound","message":"pods \"x\" not found","code":404}`, is: "IsNotFound", wantReason: "NotFound"},
		{name: "plain-text 404", code: 404, body: "404 page not found\n", is: "IsNotFound", wantReason: "NotFound"},
		{name: "AlreadyExists", code: 409, body: `{"kind":"Status","reason":"AlreadyExists","code":409}`, is: "IsAlreadyExists", wantReason: "AlreadyExists"},
		{name: "Conflict", code: 409, body: `{"kind":"Status","reason":"Conflict","code":409}`, is: "IsConflict", wantReason: "Conflict"},
		{name: "409 without a reason", code: 409, body: `{"kind":"Status","code":409}`, is: "IsConflict", wantReason: "Conflict"},
		{name: "Expired", code: 410, body: `{"kind":"Status","reason":"Expired","code":410}`, is: "IsGone", wantReason: "Expired"},
		{name: "Gone without a body", code: 410, is: "IsGone", wantReason: "Gone"},
		{name: "Invalid", code: 422, body: `{"kind":"Status","reason":"Invalid","code":422}`, is: "IsInvalid", wantReason: "Invalid"},
		{name: "BadRequest", code: 400, body: `{"kind":"Status","reason":"BadRequest","code":400}`, wantReason: "BadRequest"},
		{name: "server fault", code: 500, body: "<html>boom</html>", wantReason: "InternalError"},
	}
	checks := map[string]func(error) bool{
		"IsNotFound": IsNotFound, "IsAlreadyExists": IsAlreadyExists, "IsConflict": IsConflict, "IsGone": IsGone, "IsInvalid": IsInvalid,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.code)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c, _ := New(Config{Server: srv.URL})
			_, err := c.Do(context.Background(), http.MethodGet, "/api/v1/pods", nil, "")
			s, ok := StatusOf(fmt.Errorf("wrapped: %w", err))
			if !ok {
				t.Fatalf("error %v (%T) is not a Status", err, err)
			}
			if s.Code != int32(tt.code) || s.Reason != tt.wantReason || s.Message == "" {
				t.Errorf("status = code %d reason %q message %q, want %d %q and a message", s.Code, s.Reason, s.Message, tt.code, tt.wantReason)
			}
			for name, check := range checks {
				if want := name == tt.is; check(err) != want {
					t.Errorf("%s = %v, want %v", name, check(err), want)
				}
			}
		})
	}
	if IsNotFound(errors.New("not found")) || IsNotFound(nil) {
		t.Errorf("IsNotFound is true for an error that is not a Status")
	}
}

func TestWarnings(t *testing.T) {
	f, c := newFakeAPIServer(t)
	var mu sync.Mutex
	var got []string
	c.warn = func(s string) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, s)
	}
	f.warning = `unknown field "spec.foo"`
	if _, err := c.For(testPod("default", "a", "")).Create(context.Background(), testPod("default", "a", "")); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != `unknown field "spec.foo"` {
		t.Errorf("warnings = %q", got)
	}

	for _, tt := range []struct{ in, want string }{
		{`299 - "plain"`, "plain"},
		{`299 - "a \"quoted\" word and a \\ backslash"`, `a "quoted" word and a \ backslash`},
		{`299 kubelab "with a date" "Wed, 21 Oct 2015 07:28:00 GMT"`, "with a date"},
		{`not a warning header`, `not a warning header`},
		{`299 - "unterminated`, `299 - "unterminated`},
	} {
		if got := warningText(tt.in); got != tt.want {
			t.Errorf("warningText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close() // nothing listens there any more
	c, _ := New(Config{Server: addr})
	podsRes, _ := api.Lookup("pods")
	_, err := c.Resource(podsRes).Namespace("default").Get(context.Background(), "a")
	if err == nil {
		t.Fatal("Get succeeded against a closed server")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "the server could not be reached at "+addr+": ") || !strings.Contains(msg, "refused") || strings.Contains(msg, "\n") {
		t.Errorf("error = %q, want one line: the server could not be reached at %s: …connection refused", msg, addr)
	}
	if _, ok := StatusOf(err); ok {
		t.Errorf("an unreachable server produced a Status")
	}
}

func TestTimeoutAndRateLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-r.Context().Done()
			return
		}
		io.WriteString(w, "{}")
	}))
	defer srv.Close()

	t.Run("timeout", func(t *testing.T) {
		c, _ := New(Config{Server: srv.URL, Timeout: 50 * time.Millisecond})
		start := time.Now()
		_, err := c.Do(context.Background(), http.MethodGet, "/slow", nil, "")
		if err == nil || !strings.Contains(err.Error(), "no answer within 50ms") {
			t.Errorf("error = %v, want no answer within 50ms", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("timed out after %s", d)
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		c, _ := New(Config{Server: srv.URL, QPS: 1, Burst: 1})
		if _, err := c.Do(context.Background(), http.MethodGet, "/fast", nil, ""); err != nil {
			t.Fatal(err)
		}
		// The next token comes in a second; a caller who can wait only
		// 50 ms is told at once.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := c.Do(ctx, http.MethodGet, "/fast", nil, ""); err == nil || !strings.Contains(err.Error(), "rate limiter") {
			t.Errorf("second request: %v, want a rate limiter error", err)
		}
	})
}
