package kubelet

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// The three kinds of check, against a server on this machine's loopback:
// the pod IP of the target is 127.0.0.1.
func TestProberChecks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.WriteHeader(http.StatusOK)
		case "/moved":
			http.Redirect(w, r, "http://elsewhere.invalid/", http.StatusFound)
		case "/host":
			if r.Host != "example.com" || r.Header.Get("X-Probe") != "yes" {
				w.WriteHeader(http.StatusBadRequest)
			}
		case "/slow":
			time.Sleep(300 * time.Millisecond)
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	_, portText, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portText)
	closed := freePort(t)

	container := &api.Container{Name: "app", Ports: []api.ContainerPort{{Name: "http", ContainerPort: int32(port)}}}
	target := probeTarget{pod: testPod("web", api.RestartAlways, "kubia"), container: container, containerID: "fake://1", podIP: "127.0.0.1"}
	get := func(path string, p api.IntOrString, headers ...api.HTTPHeader) api.ProbeHandler {
		return api.ProbeHandler{HTTPGet: &api.HTTPGetAction{Path: path, Port: p, HTTPHeaders: headers}}
	}
	execer := &fakeExecer{}
	p := newProber(execer)

	for _, tc := range []struct {
		name    string
		handler api.ProbeHandler
		timeout time.Duration
		ok      bool
		msg     string // a part of the failure's message
	}{
		{"http 200", get("/ok", api.FromInt(int32(port))), time.Second, true, ""},
		{"http by port name", get("/ok", api.FromString("http")), time.Second, true, ""},
		{"http 302 is success, not followed", get("/moved", api.FromInt(int32(port))), time.Second, true, ""},
		{"http 500", get("/fail", api.FromInt(int32(port))), time.Second, false, "HTTP probe failed with statuscode: 500"},
		{"http host header", get("/host", api.FromInt(int32(port)), api.HTTPHeader{Name: "Host", Value: "example.com"}, api.HTTPHeader{Name: "X-Probe", Value: "yes"}), time.Second, true, ""},
		{"http timeout", get("/slow", api.FromInt(int32(port))), 100 * time.Millisecond, false, "context deadline exceeded"},
		{"http unknown port name", get("/ok", api.FromString("metrics")), time.Second, false, `port "metrics" not found in the ports of container app`},
		{"http refused", get("/ok", api.FromInt(int32(closed))), time.Second, false, "connection refused"},
		{"tcp open", api.ProbeHandler{TCPSocket: &api.TCPSocketAction{Port: api.FromString("http")}}, time.Second, true, ""},
		{"tcp refused", api.ProbeHandler{TCPSocket: &api.TCPSocketAction{Port: api.FromInt(int32(closed))}}, time.Second, false, "connection refused"},
		{"exec exit 0", api.ProbeHandler{Exec: &api.ExecAction{Command: []string{"exit", "0"}}}, time.Second, true, ""},
		{"exec exit 1 shows the output", api.ProbeHandler{Exec: &api.ExecAction{Command: []string{"exit", "1"}}}, time.Second, false, "exited 1"},
		{"no handler", api.ProbeHandler{}, time.Second, false, "has no httpGet, tcpSocket or exec"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
			defer cancel()
			ok, msg := p.check(ctx, target, &api.Probe{ProbeHandler: tc.handler})
			if ok != tc.ok || !strings.Contains(msg, tc.msg) {
				t.Errorf("ok=%t %q, want ok=%t and a message with %q", ok, msg, tc.ok, tc.msg)
			}
		})
	}
	wantStrings(t, "exec calls", execer.calls, []string{"fake://1 exit 0", "fake://1 exit 1"})
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// fakeExecer runs "exit N" (exit code N, printing "exited N") and
// "echo WORDS"; its Logs prints "log of ID" lines.
type fakeExecer struct {
	calls []string
}

var _ runtime.LogsExecer = (*fakeExecer)(nil)

func (f *fakeExecer) Exec(_ context.Context, id string, cmd []string, _ io.Reader, stdout, stderr io.Writer) (int, error) {
	f.calls = append(f.calls, id+" "+strings.Join(cmd, " "))
	switch {
	case len(cmd) == 2 && cmd[0] == "exit":
		code, _ := strconv.Atoi(cmd[1])
		if code != 0 {
			io.WriteString(stderr, "exited "+cmd[1]+"\n")
		}
		return code, nil
	case len(cmd) > 0 && cmd[0] == "echo":
		io.WriteString(stdout, strings.Join(cmd[1:], " ")+"\n")
		return 0, nil
	}
	io.WriteString(stderr, "sh: "+cmd[0]+": not found\n")
	return 127, nil
}

func (f *fakeExecer) Logs(_ context.Context, id string, follow bool, tail int, w io.Writer) error {
	lines := []string{"log of " + id + " 1", "log of " + id + " 2", "log of " + id + " 3"}
	if tail >= 0 && tail < len(lines) {
		lines = lines[len(lines)-tail:]
	}
	for _, l := range lines {
		io.WriteString(w, l+"\n")
	}
	return nil
}
