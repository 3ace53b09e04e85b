package kctl

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
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

func TestLogsOfASelector(t *testing.T) {
	const pods = "/api/v1/namespaces/default/pods/"
	podWith := func(name, labels, containers string) string {
		return fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q,"namespace":"default","labels":%s},"spec":%s}`,
			name, labels, containers)
	}
	one := `{"containers":[{"name":"app","image":"x"}]}`
	for _, tc := range []struct {
		name     string
		args     []string
		out      string
		errOut   string
		code     int
		requests []string // the log requests, path?query
	}{
		{"each pod in turn, the last 10 lines", []string{"logs", "-l", "app=kubia"}, "a1\na2\nb1\n", "", 0,
			[]string{pods + "kubia-a/log?container=app&tailLines=10", pods + "kubia-b/log?container=app&tailLines=10"}},
		{"prefixed", []string{"logs", "-l", "app=kubia", "--prefix", "--tail", "-1"},
			"[pod/kubia-a/app] a1\n[pod/kubia-a/app] a2\n[pod/kubia-b/app] b1\n", "", 0,
			[]string{pods + "kubia-a/log?container=app", pods + "kubia-b/log?container=app"}},
		{"the first of several containers, said so", []string{"logs", "-l", "app=multi", "--tail=3"}, "m1\n",
			"Defaulted container \"web\" out of: web, sidecar, setup (init)\n", 0,
			[]string{pods + "multi/log?container=web&tailLines=3"}},
		{"a container asked for", []string{"logs", "-l", "app=multi", "-c", "sidecar"}, "s1\n", "", 0,
			[]string{pods + "multi/log?container=sidecar&tailLines=10"}},
		{"a container some pod lacks", []string{"logs", "-l", "app in (kubia,multi)", "-c", "sidecar"}, "",
			"error: container sidecar is not valid for pod kubia-a out of: app\n", 1, nil},
		{"nothing matches", []string{"logs", "-l", "app=none"}, "", "No resources found in default namespace.\n", 0, nil},
		{"one pod, prefixed", []string{"logs", "kubia-b", "--prefix"}, "[pod/kubia-b/app] b1\n", "", 0,
			[]string{pods + "kubia-b/log?container=app"}},
		{"following, all at once", []string{"logs", "-f", "-l", "app=kubia"}, "", "", 0,
			[]string{pods + "kubia-a/log?container=app&follow=true&tailLines=10", pods + "kubia-b/log?container=app&follow=true&tailLines=10"}},
		{"following more than allowed", []string{"logs", "-f", "-l", "app=kubia", "--max-log-requests=1"}, "",
			"error: you are attempting to follow 2 log streams, but maximum allowed concurrency is 1, use --max-log-requests to increase the limit\n", 1, nil},
		{"a name and a selector", []string{"logs", "kubia-a", "-l", "app=kubia"}, "", "error: only a selector (-l) or a POD name is allowed\n", 1, nil},
		{"neither", []string{"logs"}, "", "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'. POD or TYPE/NAME is a required argument for the logs command\n", 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			fake.objects[pods+"kubia-a"] = podWith("kubia-a", `{"app":"kubia"}`, one)
			fake.objects[pods+"kubia-b"] = podWith("kubia-b", `{"app":"kubia"}`, one)
			fake.objects[pods+"multi"] = podWith("multi", `{"app":"multi"}`,
				`{"initContainers":[{"name":"setup","image":"x"}],"containers":[{"name":"web","image":"x"},{"name":"sidecar","image":"x"}]}`)
			fake.logs[pods+"kubia-a/log"] = "a1\na2\n"
			fake.logs[pods+"kubia-b/log"] = "b1\n"
			fake.logs[pods+"multi/log"] = "m1\n"
			if strings.Contains(tc.name, "container asked for") {
				fake.logs[pods+"multi/log"] = "s1\n"
			}
			out, errOut, code := kctl(t, server, "", tc.args...)
			if strings.HasPrefix(tc.name, "following, all at once") { // the lines of the two logs may interleave
				if lines := strings.Split(out, "\n"); len(lines) != 4 || !strings.Contains(out, "a1\na2\n") || !strings.Contains(out, "b1\n") {
					t.Errorf("out %q", out)
				}
				out = tc.out
			}
			if out != tc.out || errOut != tc.errOut || code != tc.code {
				t.Errorf("got %q %q exit %d, want %q %q exit %d", out, errOut, code, tc.out, tc.errOut, tc.code)
			}
			var got []string
			for _, r := range fake.requests {
				if strings.HasSuffix(r.path, "/log") {
					got = append(got, r.path+"?"+r.query)
				}
			}
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(tc.requests, "\n") {
				t.Errorf("log requests\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.requests, "\n"))
			}
		})
	}
}
