package apiserver

import (
	"fmt"
	"net/http"

	"go.uber.org/zap"

	"kubelab/pkg/api"
)

// A bug that panics in a handler must cost one request, not the
// connection or the process: net/http would recover it too, but by
// closing the connection without an answer (the client sees EOF) and
// logging to stderr. So the outermost filter recovers it: the client gets
// a 500 Status, the log an error line with the stack, and
// apiserver_panics_total counts it, as Kubernetes' WithPanicRecovery.
//
// A watch that has started streaming cannot take a Status any more: its
// answer is already 200. It recovers on its own (recoverStream): the
// stream ends cleanly with an ERROR event carrying the 500, and the
// client watches again.

// recoverPanics answers a request whose handler panicked.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p) // net/http's own way to cut a response short
			}
			s.panicked(r, p)
			if !rec.wrote {
				writeStatus(rec, panicStatus())
			}
			// Else the answer has begun and cannot be changed: it ends here.
		}()
		next.ServeHTTP(rec, r)
	})
}

// recoverStream ends a watch stream whose handler panicked with an ERROR
// event; deferred by serveWatch once the stream has begun.
func (s *Server) recoverStream(r *http.Request, out *eventWriter) {
	p := recover()
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	s.panicked(r, p)
	out.status(panicStatus())
}

// panicked logs and counts a recovered panic.
func (s *Server) panicked(r *http.Request, p any) {
	s.metrics.panics.Inc()
	s.log.Error("a request made the apiserver panic", zap.String("method", r.Method),
		zap.String("path", r.URL.Path), zap.String("panic", fmt.Sprint(p)), zap.StackSkip("stack", 2))
}

// panicStatus tells the client what happened without the details, which
// are for the log, as Kubernetes does.
func panicStatus() *api.Status {
	return statusErr(http.StatusInternalServerError, "InternalError",
		"Internal error occurred: this request made the apiserver panic; its log has the details")
}
