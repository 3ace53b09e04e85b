package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
)

// The kubelet's log endpoint, which the apiserver proxies
// `GET pods/{name}/log` to:
//
//	GET  /pods/{namespace}/{name}/log?container=C&follow=true&tailLines=N&previous=true
//
// A log is plain text, flushed as it comes when following (Kubernetes'
// sinceSeconds, timestamps and limitBytes are not supported, and
// ignored). Exec, attach and port-forward upgrade the connection instead
// (streams_remotecommand.go, streams_portforward.go).
//
// Errors are api.Status objects, as the apiserver's own: 404 for a pod or
// container that is not on this node, 400 for a bad query or a container
// that cannot answer (none named in a pod of several, not started, no
// previous run, not running for exec).

// streamServer serves the endpoints above from the runtime.
type streamServer struct {
	node    string
	runtime runtime.Runtime
	streams runtime.LogsExecer // nil: the runtime has no processes (fake)
	pods    func() podLister   // nil until the pod informer has synced
	log     *zap.Logger
}

func (s *streamServer) register(mux *http.ServeMux) {
	mux.HandleFunc("GET /pods/{namespace}/{name}/log", s.serveLog)
	for _, method := range []string{"GET", "POST"} { // GET for a WebSocket, POST for SPDY
		mux.HandleFunc(method+" /exec/{namespace}/{pod}/{container}", s.serveExec)
		mux.HandleFunc(method+" /attach/{namespace}/{pod}/{container}", s.serveAttach)
		mux.HandleFunc(method+" /portForward/{namespace}/{pod}", s.servePortForward)
	}
}

func (s *streamServer) serveLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	follow, err1 := boolParam(q, "follow")
	previous, err2 := boolParam(q, "previous")
	tail, err3 := tailParam(q)
	if err := firstErr(err1, err2, err3); err != nil {
		writeStatus(w, http.StatusBadRequest, err.Error())
		return
	}
	c, code, msg := s.container(r.Context(), r.PathValue("namespace"), r.PathValue("name"), q.Get("container"), previous)
	if code != 0 {
		writeStatus(w, code, msg)
		return
	}
	out := &streamWriter{w: w, rc: http.NewResponseController(w), flush: follow}
	err := s.streams.Logs(r.Context(), c.ID, follow, tail, out)
	switch {
	case err != nil && !out.started():
		writeStatus(w, http.StatusInternalServerError, err.Error())
	case err != nil:
		s.log.Warn("a log stream broke off", zap.String("container", c.ID), zap.Error(err))
	default:
		out.start() // an empty log is a 200 too
	}
}

// container finds the container a request is about: container name of the
// pod, or the pod's only container when name is "", in its latest run (or
// the one before, with previous). A non-zero code is an HTTP error, with
// its message.
func (s *streamServer) container(ctx context.Context, namespace, podName, name string, previous bool) (c runtime.Container, code int, msg string) {
	if s.streams == nil {
		return c, http.StatusBadRequest, fmt.Sprintf("node %s is a simulated node (--runtime=fake): its containers have no logs and cannot run commands", s.node)
	}
	var pods podLister
	if s.pods != nil {
		pods = s.pods()
	}
	if pods == nil {
		return c, http.StatusServiceUnavailable, "the kubelet is starting: try again in a moment"
	}
	obj, ok := pods.Get(namespace + "/" + podName)
	if !ok {
		return c, http.StatusNotFound, fmt.Sprintf("pods %q not found on node %s", podName, s.node)
	}
	pod := obj.(*api.Pod)
	if name == "" {
		if len(pod.Spec.Containers) != 1 {
			msg := fmt.Sprintf("a container name must be specified for pod %s, choose one of: %s", podName, containerNames(pod.Spec.Containers))
			if len(pod.Spec.InitContainers) > 0 {
				msg += " or one of the init containers: " + containerNames(pod.Spec.InitContainers)
			}
			return c, http.StatusBadRequest, msg
		}
		name = pod.Spec.Containers[0].Name
	}
	isName := func(c api.Container) bool { return c.Name == name }
	if !slices.ContainsFunc(pod.Spec.Containers, isName) && !slices.ContainsFunc(pod.Spec.InitContainers, isName) {
		return c, http.StatusNotFound, fmt.Sprintf("container %q not found in pod %q", name, podName)
	}
	all, err := s.runtime.ListContainers(ctx)
	if err != nil {
		return c, http.StatusInternalServerError, fmt.Sprintf("list containers: %v", err)
	}
	var mine []runtime.Container
	for _, c := range all {
		if c.PodUID == pod.UID {
			mine = append(mine, c)
		}
	}
	runs := containerHistory(mine)[name]
	switch {
	case previous && len(runs) < 2:
		return c, http.StatusBadRequest, fmt.Sprintf("previous terminated container %q in pod %q not found", name, podName)
	case previous:
		return runs[1], 0, ""
	case len(runs) == 0:
		reason := reasonContainerCreating
		for _, cs := range append(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses...) {
			if cs.Name == name && cs.State.Waiting != nil && cs.State.Waiting.Reason != "" {
				reason = cs.State.Waiting.Reason
			}
		}
		return c, http.StatusBadRequest, fmt.Sprintf("container %q in pod %q is waiting to start: %s", name, podName, reason)
	}
	return runs[0], 0, ""
}

// containerNames is "[a b]", as kubectl prints the choice.
func containerNames(cs []api.Container) string {
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	return "[" + strings.Join(names, " ") + "]"
}

// streamWriter sends a 200 with its first byte, and flushes every write
// when asked to, so a follower sees each line as it is printed. Until its
// first byte the handler can still answer with an error instead.
type streamWriter struct {
	w     http.ResponseWriter
	rc    *http.ResponseController
	flush bool

	mu      sync.Mutex
	written bool
}

func (s *streamWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.startLocked()
	n, err := s.w.Write(p)
	if err == nil && s.flush {
		err = s.rc.Flush()
	}
	return n, err
}

// start sends the headers if nothing was written yet.
func (s *streamWriter) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.startLocked()
}

func (s *streamWriter) startLocked() {
	if s.written {
		return
	}
	s.written = true
	h := s.w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	s.w.WriteHeader(http.StatusOK)
	if s.flush {
		_ = s.rc.Flush()
	}
}

func (s *streamWriter) started() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.written
}

// writeStatus answers with an api.Status, as the apiserver does.
func writeStatus(w http.ResponseWriter, code int, msg string) {
	st := &api.Status{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   "Failure", Message: msg, Reason: statusReasons[code], Code: int32(code),
	}
	b, _ := json.Marshal(st)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(b)
}

var statusReasons = map[int]string{
	http.StatusBadRequest:          "BadRequest",
	http.StatusUnauthorized:        "Unauthorized",
	http.StatusForbidden:           "Forbidden",
	http.StatusNotFound:            "NotFound",
	http.StatusInternalServerError: "InternalError",
	http.StatusServiceUnavailable:  "ServiceUnavailable",
}

// boolParam reads a query parameter that is true, false or absent.
func boolParam(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: must be true or false", name, v)
	}
	return b, nil
}

// tailParam reads tailLines: -1 (all) when absent.
func tailParam(q url.Values) (int, error) {
	v := q.Get("tailLines")
	if v == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("tailLines=%q: must be a number of lines, 0 or more", v)
	}
	return n, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
