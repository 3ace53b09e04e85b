package apiserver

import (
	"context"
	"net/http"

	"go.uber.org/zap"

	"kubelab/pkg/auth"
)

// Authentication: every request but the health checks must say who sends
// it, with a client certificate the cluster CA signed (the TLS handshake
// has checked it already) or a bearer token. Anything else gets 401, as
// Kubernetes answers with anonymous access off; a wrong credential also
// gets 401, never a fall-through to anonymous.

type userKey struct{}

// withUser returns ctx carrying the authenticated user.
func withUser(ctx context.Context, u *auth.User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// userFrom is the user a request was authenticated as; nil for the
// apiserver's own calls (Bootstrap, the kubernetes Service) and for the
// read-only port.
func userFrom(ctx context.Context) *auth.User {
	u, _ := ctx.Value(userKey{}).(*auth.User)
	return u
}

// publicPaths answer a GET without credentials, as Kubernetes' health
// checks and version do (its system:public-info-viewer role): a load
// balancer or a lab script can probe the apiserver before it has a
// certificate. So does the cluster-info ConfigMap (clusterinfo.go), where
// a joining node finds the cluster's CA.
var publicPaths = map[string]bool{"/healthz": true, "/livez": true, "/readyz": true, "/version": true,
	clusterInfoPath: true}

// authenticate finds who sent r and passes it on with the user in its
// context, or answers 401.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := s.authn.AuthenticateRequest(r)
		if err != nil {
			s.log.Debug("authentication failed", zap.String("path", r.URL.Path), zap.Error(err))
			ok = false
		}
		if !ok {
			if publicPaths[r.URL.Path] && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				next.ServeHTTP(w, r)
				return
			}
			s.metrics.unauthorized.Inc()
			writeStatus(w, statusErr(http.StatusUnauthorized, "Unauthorized", "Unauthorized"))
			return
		}
		r.Header.Del("Authorization") // nothing further in needs it, and nothing may forward it
		next.ServeHTTP(w, r.WithContext(withUser(r.Context(), u)))
	})
}
