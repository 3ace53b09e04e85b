package kubelet

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// hookRecorder stands in for the prober: it records each hook it runs,
// takes took on the harness's clock, and fails with fail.
type hookRecorder struct {
	h    *harness
	took time.Duration
	fail error
	ran  []string
}

func (r *hookRecorder) run(_ context.Context, t probeTarget, lh *api.LifecycleHandler) error {
	r.ran = append(r.ran, t.container.Name+" "+strings.Join(lh.Exec.Command, " ")+" on "+t.containerID)
	r.h.clock.Step(r.took)
	return r.fail
}

func withHooks(p *api.Pod, postStart, preStop string) *api.Pod {
	l := &api.Lifecycle{}
	if postStart != "" {
		l.PostStart = &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{postStart}}}
	}
	if preStop != "" {
		l.PreStop = &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{preStop}}}
	}
	p.Spec.Containers[0].Lifecycle = l
	return p
}

// The preStop hook runs before the stop, within the grace period: the
// container gets what the hook left of it, and at least 2 s.
func TestPreStopRunsWithinTheGracePeriod(t *testing.T) {
	tests := []struct {
		name      string
		took      time.Duration
		fail      error
		wantGrace string
		wantEvent []string
	}{
		{"a quick hook leaves most of it", time.Second, nil, "4s", []string{"Normal Killing Stopping container c0"}},
		{"a hook that takes it all leaves 2 s", 10 * time.Second, nil, "2s", []string{"Normal Killing Stopping container c0"}},
		{"a failed hook does not stop the stop", 0, errors.New("exit 1"), "5s",
			[]string{"Normal Killing Stopping container c0", "Warning FailedPreStopHook exit 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, withHooks(testPod("web", api.RestartAlways, "kubia"), "", "drain"))
			hooks := &hookRecorder{h: h}
			h.w.hooks = hooks.run
			h.sync("default/web")
			h.events.take()

			hooks.took, hooks.fail = tt.took, tt.fail
			p := api.DeepCopy(h.pod("default/web"))
			at := api.NewTime(t0.Add(5 * time.Second))
			p.DeletionTimestamp, p.DeletionGracePeriodSeconds, p.ResourceVersion = &at, api.Int64(5), "9"
			h.pods.put(p)
			h.rt.ResetCalls()
			h.sync("default/web")

			wantStrings(t, "hooks", hooks.ran, []string{"c0 drain on fake://n1-2"})
			if calls := h.rt.Calls(); len(calls) == 0 || calls[0] != "stop fake://n1-2 grace="+tt.wantGrace {
				t.Errorf("runtime calls %q; want the container stopped first, grace=%s", calls, tt.wantGrace)
			}
			wantStrings(t, "events", h.events.take(), tt.wantEvent)
		})
	}
}

// A postStart hook that fails gets its container killed; one that works
// leaves it running.
func TestPostStart(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run("fails="+strconv.FormatBool(fail), func(t *testing.T) {
			h := newHarness(t, withHooks(testPod("web", api.RestartAlways, "kubia"), "warm-up", ""))
			hooks := &hookRecorder{h: h}
			if fail {
				hooks.fail = errors.New("no cache")
			}
			h.w.hooks = hooks.run
			h.sync("default/web")

			wantStrings(t, "hooks", hooks.ran, []string{"c0 warm-up on fake://n1-2"})
			events, calls := h.events.take(), h.rt.Calls()
			stopped := len(calls) > 0 && calls[len(calls)-1] == "stop fake://n1-2 grace=30s"
			failed := len(events) > 0 && events[len(events)-1] == "Warning FailedPostStartHook no cache"
			if stopped != fail || failed != fail {
				t.Errorf("hook failed %v: events %q, runtime calls %q", fail, events, calls)
			}
		})
	}
}

// fakeExec runs no command: it answers with code and out.
type fakeExec struct {
	code int
	out  string
	cmds [][]string
}

func (f *fakeExec) Logs(context.Context, string, bool, int, io.Writer) error { return nil }
func (f *fakeExec) Exec(_ context.Context, _ string, cmd []string, _ io.Reader, stdout, _ io.Writer) (int, error) {
	f.cmds = append(f.cmds, cmd)
	_, _ = io.WriteString(stdout, f.out)
	return f.code, nil
}

func TestRunHook(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/quit" {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	host, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	portNum, _ := strconv.Atoi(port)

	pod := testPod("web", api.RestartAlways, "kubia")
	target := probeTarget{pod: pod, container: &pod.Spec.Containers[0], containerID: "c-1", podIP: host}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		exec    *fakeExec
		handler api.LifecycleHandler
		wantErr string
	}{
		{"exec", context.Background(), &fakeExec{}, api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"nginx", "-s", "quit"}}}, ""},
		{"exec fails", context.Background(), &fakeExec{code: 1, out: "no such process\n"},
			api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"nginx", "-s", "quit"}}},
			`Exec lifecycle hook ([nginx -s quit]) for Container "c0" in Pod "web_default(uid-web)" failed - error: no such process`},
		{"httpGet", context.Background(), nil,
			api.LifecycleHandler{HTTPGet: &api.HTTPGetAction{Path: "/quit", Port: api.IntOrString{IntVal: int32(portNum)}}}, ""},
		{"httpGet fails", context.Background(), nil,
			api.LifecycleHandler{HTTPGet: &api.HTTPGetAction{Path: "/stop", Port: api.IntOrString{IntVal: int32(portNum)}}},
			`HTTP lifecycle hook (/stop) for Container "c0" in Pod "web_default(uid-web)" failed - error: HTTP probe failed with statuscode: 500`},
		{"sleep ends with the grace period", canceled, nil, api.LifecycleHandler{Sleep: &api.SleepAction{Seconds: 3600}}, ""},
		{"tcpSocket fails, as in Kubernetes", context.Background(), nil,
			api.LifecycleHandler{TCPSocket: &api.TCPSocketAction{Port: api.IntOrString{IntVal: 80}}},
			"tcpSocket lifecycle hooks are not supported: use exec, httpGet or sleep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProber(nil)
			if tt.exec != nil {
				p = newProber(tt.exec)
			}
			err := p.runHook(tt.ctx, target, &tt.handler)
			if got := errString(err); got != tt.wantErr {
				t.Errorf("runHook: %q; want %q", got, tt.wantErr)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
