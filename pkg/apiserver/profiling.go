package apiserver

import (
	"net/http"
	"net/http/pprof"
)

// With Config.Profiling, the apiserver serves Go's profiler under
// /debug/pprof/, as kube-apiserver does with --profiling: a CPU profile
// of the running server, taken while it works, is how one finds where
// its time goes (`go tool pprof https://…/debug/pprof/profile` with the
// admin's certificate). It is off by default, and like every path it is
// behind authentication and authorization: only a user whom RBAC allows
// to get the non-resource URL /debug/pprof/* (system:masters, say) may
// read it, since a profile shows what the server is doing and a trace
// what it holds.

// registerProfiling adds the profiler's handlers to mux.
func registerProfiling(mux *http.ServeMux) {
	mux.HandleFunc("/debug/pprof/", pprof.Index) // the named profiles too: heap, goroutine, …
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
}
