package kctl

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// streamServer answers pods/{name}/log and pods/{name}/exec the way the
// apiserver passes on the kubelet's answers, and records the request
// lines.
type streamServer struct {
	mu       sync.Mutex
	requests []string // "METHOD path?query"
	answer   func(w http.ResponseWriter, r *http.Request)
}

func newStreamServer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) (*streamServer, string) {
	s := &streamServer{answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.RequestURI())
		s.mu.Unlock()
		s.answer(w, r)
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func TestLogs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		request string
		out     string
		errOut  string
		code    int
	}{
		{"one container", []string{"logs", "kubia"}, "GET /api/v1/namespaces/default/pods/kubia/log", "line 1\nline 2\n", "", 0},
		{"all flags", []string{"logs", "-n", "lab", "-f", "-c", "app", "--tail", "5", "--previous", "pod/kubia"},
			"GET /api/v1/namespaces/lab/pods/kubia/log?container=app&follow=true&previous=true&tailLines=5", "line 1\nline 2\n", "", 0},
		{"the kubelet's error", []string{"logs", "two"}, "GET /api/v1/namespaces/default/pods/two/log", "",
			"Error from server (BadRequest): a container name must be specified for pod two, choose one of: [a b]\n", 1},
		{"not a pod", []string{"logs", "svc/kubia"}, "", "", "error: svc/kubia: only pods have logs and can run commands\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, url := newStreamServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/api/v1/namespaces/default/pods/two/log" {
					writeStatus(w, http.StatusBadRequest, "BadRequest", "a container name must be specified for pod two, choose one of: [a b]")
					return
				}
				w.Write([]byte("line 1\n"))
				w.(http.Flusher).Flush()
				w.Write([]byte("line 2\n"))
			})
			out, errOut, code := kctl(t, url, "", tc.args...)
			if out != tc.out || errOut != tc.errOut || code != tc.code {
				t.Errorf("got %q %q exit %d, want %q %q exit %d", out, errOut, code, tc.out, tc.errOut, tc.code)
			}
			var want []string
			if tc.request != "" {
				want = []string{tc.request}
			}
			if len(s.requests) != len(want) || (len(want) == 1 && s.requests[0] != want[0]) {
				t.Errorf("requests %q, want %q", s.requests, want)
			}
		})
	}
}
