package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The health endpoints, as kube-apiserver's:
//
//	/healthz, /livez  200 while etcd answers a read: restarting the apiserver would not help otherwise
//	/readyz           also 503 while etcd has an alarm raised, with the reason: a NOSPACE alarm
//	                  means every write is refused until objects are deleted and compaction
//	                  frees the space (store.Store.Alarms), and a client should know

// healthTimeout bounds how long a probe waits for etcd.
const healthTimeout = 2 * time.Second

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	if _, err := s.store.Revision(ctx); err != nil {
		http.Error(w, "etcd: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
}

func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	alarms, err := s.store.Alarms(ctx)
	switch {
	case err != nil:
		http.Error(w, "etcd: "+err.Error(), http.StatusServiceUnavailable)
	case len(alarms) > 0:
		http.Error(w, "etcd alarm: "+strings.Join(alarms, "; "), http.StatusServiceUnavailable)
	default:
		fmt.Fprintln(w, "ok")
	}
}
