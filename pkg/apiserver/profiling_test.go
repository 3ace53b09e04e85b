package apiserver

import (
	"net/http"
	"testing"
)

// The profiler is served only when asked for, and only to whom RBAC
// allows it.
func TestProfiling(t *testing.T) {
	off := newTestServer(t)
	off.must(http.StatusNotFound, "GET", "/debug/pprof/cmdline", nil)

	on := newTestServer(t, func(c *Config) { c.Profiling = true })
	on.must(http.StatusOK, "GET", "/debug/pprof/cmdline", nil)
	if r := on.must(http.StatusOK, "GET", "/debug/pprof/", nil); len(r.body) == 0 {
		t.Error("the profiler's index is empty")
	}
	on.as("alice").must(http.StatusForbidden, "GET", "/debug/pprof/cmdline", nil)
	on.as("").must(http.StatusUnauthorized, "GET", "/debug/pprof/cmdline", nil)
}
