package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"kubelab/pkg/api"
)

// ServiceAccount tokens are how pods authenticate: JWTs the apiserver
// signs with its key (kubeadm's pki/sa.key), naming the account, bound to
// one pod, for an audience and until an expiry, as Kubernetes' bound
// service account tokens are. The kubelet asks for one per pod
// (TokenRequest) and mounts it; a program in the pod sends it as a bearer
// token. The apiserver checks the signature, the issuer, the audience and
// the time, and that the account and the pod still exist: a token of a
// deleted pod stops working at once, whatever its expiry.

// Extra keys of a ServiceAccount user, Kubernetes' names.
const (
	ExtraPodName = "authentication.kubernetes.io/pod-name"
	ExtraPodUID  = "authentication.kubernetes.io/pod-uid"
)

// Claims are a token's JWT claims: the registered ones, and Kubernetes'
// private claim naming the account and the object the token is bound to.
type Claims struct {
	jwt.RegisteredClaims
	Kubernetes KubernetesClaims `json:"kubernetes.io"`
}

// KubernetesClaims name the account, and the pod (or secret) the token
// is bound to.
type KubernetesClaims struct {
	Namespace      string `json:"namespace"`
	ServiceAccount ref    `json:"serviceaccount"`
	Pod            *ref   `json:"pod,omitempty"`
	Secret         *ref   `json:"secret,omitempty"`
}

type ref struct {
	Name string `json:"name"`
	UID  string `json:"uid"`
}

// ServiceAccountUser is the user name of a ServiceAccount.
func ServiceAccountUser(namespace, name string) string {
	return ServiceAccountPrefix + namespace + ":" + name
}

// TokenIssuer signs ServiceAccount tokens.
type TokenIssuer struct {
	key    crypto.Signer
	method jwt.SigningMethod
	issuer string
	now    func() time.Time
}

// NewTokenIssuer signs with key (ECDSA P-256: ES256) as issuer.
func NewTokenIssuer(key crypto.Signer, issuer string) (*TokenIssuer, error) {
	k, ok := key.(*ecdsa.PrivateKey)
	if !ok || k.Curve.Params().BitSize != 256 {
		return nil, errors.New("the service account signing key must be an ECDSA P-256 key (kubeadm init writes one)")
	}
	return &TokenIssuer{key: key, method: jwt.SigningMethodES256, issuer: issuer, now: time.Now}, nil
}

// TokenSpec is what a token says: the account, what it is bound to, for
// whom and how long.
type TokenSpec struct {
	Namespace, ServiceAccount, ServiceAccountUID string
	PodName, PodUID                              string // "" when bound to nothing
	Audiences                                    []string
	TTL                                          time.Duration
}

// Issue signs a token and returns it with its expiry.
func (t *TokenIssuer) Issue(s TokenSpec) (string, time.Time, error) {
	now := t.now().Truncate(time.Second)
	exp := now.Add(s.TTL)
	id := make([]byte, 16)
	rand.Read(id)
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: t.issuer, Subject: ServiceAccountUser(s.Namespace, s.ServiceAccount), Audience: s.Audiences,
			ExpiresAt: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
			ID: hex.EncodeToString(id),
		},
		Kubernetes: KubernetesClaims{Namespace: s.Namespace, ServiceAccount: ref{Name: s.ServiceAccount, UID: s.ServiceAccountUID}},
	}
	if s.PodName != "" {
		c.Kubernetes.Pod = &ref{Name: s.PodName, UID: s.PodUID}
	}
	signed, err := jwt.NewWithClaims(t.method, c).SignedString(t.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("signing the token: %w", err)
	}
	return signed, exp, nil
}

// ServiceAccountLookup finds the objects a token names, so that a token
// of a deleted account or pod is refused.
type ServiceAccountLookup interface {
	ServiceAccount(namespace, name string) (*api.ServiceAccount, bool)
	Pod(namespace, name string) (*api.Pod, bool)
}

// ServiceAccountAuthenticator checks ServiceAccount tokens.
type ServiceAccountAuthenticator struct {
	keys      []crypto.PublicKey
	issuer    string
	audiences []string
	lookup    ServiceAccountLookup
	now       func() time.Time
}

// NewServiceAccountAuthenticator accepts tokens signed by one of keys,
// from issuer, for one of audiences.
func NewServiceAccountAuthenticator(keys []crypto.PublicKey, issuer string, audiences []string, lookup ServiceAccountLookup) *ServiceAccountAuthenticator {
	return &ServiceAccountAuthenticator{keys: keys, issuer: issuer, audiences: audiences, lookup: lookup, now: time.Now}
}

// AuthenticateRequest reads a bearer token. One that is not a JWT of this
// issuer is not this authenticator's (ok false); one that is and fails a
// check is refused (an error).
func (a *ServiceAccountAuthenticator) AuthenticateRequest(r *http.Request) (*User, bool, error) {
	token, ok := bearerToken(r)
	if !ok || strings.Count(token, ".") != 2 {
		return nil, false, nil
	}
	var unverified Claims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &unverified); err != nil || unverified.Issuer != a.issuer {
		return nil, false, nil
	}
	u, err := a.authenticate(token)
	if err != nil {
		return nil, false, fmt.Errorf("service account token: %w", err)
	}
	return u, true, nil
}

func (a *ServiceAccountAuthenticator) authenticate(token string) (*User, error) {
	var claims Claims
	var lastErr error
	for _, key := range a.keys {
		_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return key, nil },
			jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}), jwt.WithIssuer(a.issuer),
			jwt.WithAudience(a.audiences...), jwt.WithExpirationRequired(), jwt.WithTimeFunc(a.now), jwt.WithLeeway(time.Minute))
		if err == nil {
			return a.user(&claims)
		}
		lastErr = err
	}
	if lastErr == nil {
		lastErr = errors.New("no key to check it with")
	}
	return nil, lastErr
}

// user checks that what the token names still exists, and is the same
// object (a pod of the same name made since is another pod).
func (a *ServiceAccountAuthenticator) user(c *Claims) (*User, error) {
	k := c.Kubernetes
	if k.Namespace == "" || k.ServiceAccount.Name == "" || c.Subject != ServiceAccountUser(k.Namespace, k.ServiceAccount.Name) {
		return nil, errors.New("the token names no service account")
	}
	sa, ok := a.lookup.ServiceAccount(k.Namespace, k.ServiceAccount.Name)
	if !ok || k.ServiceAccount.UID != "" && sa.UID != k.ServiceAccount.UID {
		return nil, fmt.Errorf("service account %s/%s is gone", k.Namespace, k.ServiceAccount.Name)
	}
	u := &User{Name: c.Subject, UID: sa.UID, Groups: []string{GroupServiceAccounts, GroupServiceAccounts + ":" + k.Namespace}}
	if k.Pod != nil {
		pod, ok := a.lookup.Pod(k.Namespace, k.Pod.Name)
		if !ok || pod.UID != k.Pod.UID || pod.DeletionTimestamp != nil && a.now().After(pod.DeletionTimestamp.Time) {
			return nil, fmt.Errorf("pod %s/%s, which the token is bound to, is gone", k.Namespace, k.Pod.Name)
		}
		u.Extra = map[string][]string{ExtraPodName: {k.Pod.Name}, ExtraPodUID: {k.Pod.UID}}
	}
	return u, nil
}
