package apiserver

import (
	"net/http"
	"slices"

	"kubelab/pkg/api"
)

// Every request being served holds memory (its body, the objects it reads,
// the answer it builds), so the apiserver serves only so many at once, as
// kube-apiserver does with --max-requests-inflight and
// --max-mutating-requests-inflight: reads and writes have a budget each,
// so that a flood of one kind does not starve the other. A request over
// budget is refused at once with 429 Too Many Requests and Retry-After;
// clients wait and try again. (Kubernetes has since moved on to API
// Priority and Fairness, which queues requests by who sends them.)
//
// Long-running requests (watches, pod log and exec streams) are not
// counted, as in Kubernetes: they stay open for minutes, and would use up
// the budget. Each holds a bounded buffer instead (Limits.WatchBuffer),
// and a connection (Limits.MaxConnections). Health checks and metrics are
// not counted either, so that they answer during a flood.

// inflight holds one token per request being served, by kind.
type inflight struct {
	reads, writes chan struct{}
}

func newInflight(l Limits) inflight {
	return inflight{reads: make(chan struct{}, l.MaxRequestsInflight), writes: make(chan struct{}, l.MaxMutatingRequestsInflight)}
}

// limitInflight refuses a request with 429 when its kind is at its budget.
func (s *Server) limitInflight(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if exemptFromInflight(r) || longRunning(r) {
			next.ServeHTTP(w, r)
			return
		}
		tokens, kind := s.inflight.reads, "readOnly"
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions {
			tokens, kind = s.inflight.writes, "mutating"
		}
		select {
		case tokens <- struct{}{}:
		default:
			s.metrics.dropped.WithLabelValues(kind).Inc()
			w.Header().Set("Retry-After", "1")
			writeStatus(w, tooManyRequests())
			return
		}
		s.metrics.inflight.WithLabelValues(kind).Inc()
		defer func() {
			<-tokens
			s.metrics.inflight.WithLabelValues(kind).Dec()
		}()
		next.ServeHTTP(w, r)
	})
}

// tooManyRequests is Kubernetes' answer to a request over budget.
func tooManyRequests() *api.Status {
	st := statusErr(http.StatusTooManyRequests, "TooManyRequests", "Too many requests, please try again later.")
	st.Details = &api.StatusDetails{RetryAfterSeconds: 1}
	return st
}

// exemptFromInflight are the paths probes and Prometheus use.
func exemptFromInflight(r *http.Request) bool {
	switch r.URL.Path {
	case "/healthz", "/livez", "/readyz", "/metrics":
		return true
	}
	return false
}

// intoContainers are the subresources that go through the apiserver into
// a container or a node. kubelab serves pods/log and pods/exec; the others
// are Kubernetes' (pods/attach, pods/portforward, {pods,services,nodes}/proxy),
// named so that one added later is long-running from its first day.
var intoContainers = []string{"log", "exec", "attach", "portforward", "proxy"}

// longRunning reports the requests that stay open as long as the client
// wants: watches, and the streams into containers (Kubernetes' long-running
// check names the same: watch, proxy, and the attach, exec, log and
// portforward subresources).
func longRunning(r *http.Request) bool {
	info, st := requestInfoOf(r)
	return st == nil && (info.verb == "watch" || slices.Contains(intoContainers, info.subresource))
}
