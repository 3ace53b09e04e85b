package kubelet

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
)

// A pod's ServiceAccount token is asked for by the kubelet, one per pod
// (and audience and life), bound to the pod: the apiserver refuses it once
// the pod is gone. It expires, so the kubelet asks again before it does,
// as Kubernetes' token manager (pkg/kubelet/token/token_manager.go) does:
//
//	issued                         80% of its life          expires
//	  |--------------------------------|-----------------------|
//	  use it                           ask again               too late
//
// and at the latest a day after it was issued, so that a token asked for
// a year (which an apiserver may grant) still changes daily. A refresh
// that fails keeps the current token while it is valid and tries again
// after a back-off; only a pod with no valid token gets an error.
// (Kubernetes adds up to 10 s of jitter to the refresh time, so that the
// tokens of pods started together are not all asked for at once; kubelab
// does not.)

// Token refresh settings.
const (
	tokenMaxAge       = 24 * time.Hour
	tokenRetryInitial = time.Second
	tokenRetryMax     = 2 * time.Minute
)

// tokenAPI asks the apiserver for a token: POST
// serviceaccounts/{serviceAccount}/token.
type tokenAPI interface {
	CreateToken(ctx context.Context, namespace, serviceAccount string, req *api.TokenRequest) (*api.TokenRequest, error)
}

// tokenManager keeps the tokens of this node's pods.
type tokenManager struct {
	api      tokenAPI
	now      func() time.Time
	log      *zap.Logger
	failures *backoff // by token key: when to try a failed refresh again

	mu     sync.Mutex
	tokens map[string]issuedToken // by token key, which starts with the pod's UID
}

// issuedToken is a token and its life, as the apiserver said.
type issuedToken struct {
	token           string
	issued, expires time.Time
}

// refreshAt is when to ask for the next token.
func (t issuedToken) refreshAt() time.Time {
	early := t.expires.Add(-t.expires.Sub(t.issued) / 5)
	if late := t.issued.Add(tokenMaxAge); late.Before(early) {
		return late
	}
	return early
}

func newTokenManager(a tokenAPI, now func() time.Time, log *zap.Logger) *tokenManager {
	return &tokenManager{api: a, now: now, log: log, failures: newBackoff(tokenRetryInitial, tokenRetryMax),
		tokens: map[string]issuedToken{}}
}

// get returns a token of pod's ServiceAccount for audience ("" for the
// apiserver's own) that lives seconds: the one it has, unless that is due
// for a refresh. refresh says when to ask again.
func (m *tokenManager) get(ctx context.Context, pod *api.Pod, audience string, seconds int64) (token string, refresh time.Time, err error) {
	account := cmp.Or(pod.Spec.ServiceAccountName, api.DefaultServiceAccountName)
	// The trailing "s" keeps one key from being a prefix of another's
	// (3600s, 36000s) for the back-off's forget.
	key := fmt.Sprintf("%s/%s/%s/%ds", pod.UID, account, audience, seconds)
	now := m.now()
	m.mu.Lock()
	cur, ok := m.tokens[key]
	m.mu.Unlock()
	valid := ok && now.Before(cur.expires)
	if ok && now.Before(cur.refreshAt()) {
		return cur.token, cur.refreshAt(), nil
	}
	if wait := m.failures.waitSinceUpdate(key, now); valid && wait > 0 {
		return cur.token, now.Add(wait), nil // the last refresh failed a moment ago
	}
	fresh, err := m.request(ctx, pod, account, audience, seconds, now)
	if err != nil {
		m.failures.next(key, now)
		if !valid {
			return "", time.Time{}, fmt.Errorf("failed to fetch token: %w", err)
		}
		retry := m.failures.delay(key)
		m.log.Warn("could not refresh a ServiceAccount token; keeping the current one until it expires",
			zap.String("pod", podDesc(pod)), zap.String("serviceAccount", account), zap.Time("expires", cur.expires),
			zap.Duration("retryIn", retry), zap.Error(err))
		return cur.token, now.Add(retry), nil
	}
	m.failures.forget(key)
	m.mu.Lock()
	m.tokens[key] = fresh
	m.mu.Unlock()
	return fresh.token, fresh.refreshAt(), nil
}

// request asks the apiserver for a token bound to pod.
func (m *tokenManager) request(ctx context.Context, pod *api.Pod, account, audience string, seconds int64, now time.Time) (issuedToken, error) {
	req := &api.TokenRequest{
		TypeMeta: api.TypeMeta{APIVersion: api.AuthenticationGroup + "/v1", Kind: "TokenRequest"},
		Spec: api.TokenRequestSpec{
			ExpirationSeconds: api.Int64(seconds),
			BoundObjectRef:    &api.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
		},
	}
	if audience != "" {
		req.Spec.Audiences = []string{audience}
	}
	out, err := m.api.CreateToken(ctx, pod.Namespace, account, req)
	if err != nil {
		return issuedToken{}, err
	}
	if out.Status.Token == "" {
		return issuedToken{}, errors.New("the apiserver answered with no token")
	}
	// The apiserver may grant another life than the one asked for: its
	// answer says which.
	life := time.Duration(seconds) * time.Second
	if s := out.Spec.ExpirationSeconds; s != nil && *s > 0 {
		life = time.Duration(*s) * time.Second
	}
	expires := out.Status.ExpirationTimestamp.Time
	if expires.IsZero() {
		expires = now.Add(life)
	}
	return issuedToken{token: out.Status.Token, issued: expires.Add(-life), expires: expires}, nil
}

// forget drops the tokens of the pod with uid, which is gone.
func (m *tokenManager) forget(uid string) {
	m.failures.forget(uid + "/")
	m.mu.Lock()
	defer m.mu.Unlock()
	for key := range m.tokens {
		if strings.HasPrefix(key, uid+"/") {
			delete(m.tokens, key)
		}
	}
}
