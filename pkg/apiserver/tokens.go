package apiserver

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
	"kubelab/pkg/pki"
)

// ServiceAccount tokens (pkg/auth/serviceaccount.go): POST
// serviceaccounts/{name}/token hands out a token signed by the apiserver's
// key, for the audiences asked (the apiserver's own by default), bound to
// a pod if asked, for an hour unless asked otherwise. The kubelet asks for
// one per pod; `kctl create token` for one by hand.

// ServiceAccounts configures the tokens: the key that signs them, the
// keys that verify them (the signing key's own and older ones, for a key
// rotation), the issuer they name and the audiences the API accepts.
type ServiceAccounts struct {
	SigningKey crypto.Signer
	Keys       []crypto.PublicKey
	Issuer     string   // default DefaultIssuer
	Audiences  []string // default [Issuer]
	// MaxExpiration caps the life of a token; default 48h.
	MaxExpiration time.Duration
}

// LoadServiceAccounts reads the signing key and the verifying keys (the
// signing key's public half is always one of them).
func LoadServiceAccounts(signingKeyFile string, keyFiles []string, issuer string, audiences []string) (*ServiceAccounts, error) {
	if signingKeyFile == "" {
		return nil, errors.New("--service-account-signing-key-file is required: pods authenticate with ServiceAccount tokens (kubeadm init writes pki/sa.key)")
	}
	data, err := os.ReadFile(signingKeyFile)
	if err != nil {
		return nil, fmt.Errorf("--service-account-signing-key-file: %w", err)
	}
	key, err := pki.ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("--service-account-signing-key-file %s: %w", signingKeyFile, err)
	}
	sa := &ServiceAccounts{SigningKey: key, Keys: []crypto.PublicKey{key.Public()}, Issuer: issuer, Audiences: audiences}
	for _, f := range keyFiles {
		pub, err := readPublicKey(f)
		if err != nil {
			return nil, fmt.Errorf("--service-account-key-file %s: %w", f, err)
		}
		sa.Keys = append(sa.Keys, pub)
	}
	return sa, nil
}

// readPublicKey reads a PEM public key, or the public half of a private one.
func readPublicKey(file string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if block, _ := pem.Decode(data); block != nil && block.Type == "PUBLIC KEY" {
		return x509.ParsePKIXPublicKey(block.Bytes)
	}
	key, err := pki.ParseKey(data)
	if err != nil {
		return nil, err
	}
	return key.Public(), nil
}

// DefaultIssuer is Kubernetes' default --service-account-issuer.
const DefaultIssuer = "https://kubernetes.default.svc.cluster.local"

// Token lives, Kubernetes' defaults and kubelab's bounds.
const (
	defaultTokenTTL = time.Hour
	minTokenTTL     = 10 * time.Minute
)

// serveTokenRequest answers POST serviceaccounts/{name}/token.
func (s *Server) serveTokenRequest(w http.ResponseWriter, r *http.Request, info requestInfo) {
	if s.tokens == nil {
		writeStatus(w, statusErr(http.StatusServiceUnavailable, "ServiceUnavailable",
			"the apiserver has no service account signing key (--service-account-signing-key-file)"))
		return
	}
	ctx := r.Context()
	obj, _, st := s.load(ctx, info.resource, info.namespace, info.name)
	if st != nil {
		writeStatus(w, st)
		return
	}
	sa := obj.(*api.ServiceAccount)
	body, _, st := s.readBody(w, r, objectTypes)
	if st != nil {
		writeStatus(w, st)
		return
	}
	var req api.TokenRequest
	if strings.TrimSpace(string(body)) != "" {
		if _, err := api.DecodeInto(body, &req); err != nil {
			writeStatus(w, badRequest("the body is not a valid TokenRequest: "+err.Error()))
			return
		}
	}
	spec, st := s.tokenSpec(ctx, sa, &req)
	if st != nil {
		writeStatus(w, st)
		return
	}
	token, exp, err := s.tokens.Issue(spec)
	if err != nil {
		writeStatus(w, internalError(err))
		return
	}
	req.APIVersion, req.Kind = api.AuthenticationGroup+"/v1", "TokenRequest"
	req.Name, req.Namespace, req.CreationTimestamp = sa.Name, sa.Namespace, api.Now()
	req.Spec.Audiences = spec.Audiences
	secs := int64(spec.TTL / time.Second)
	req.Spec.ExpirationSeconds = &secs
	req.Status = api.TokenRequestStatus{Token: token, ExpirationTimestamp: api.Time{Time: exp}}
	writeJSON(w, http.StatusCreated, req)
}

// tokenSpec checks a request and says what the token will say. A kubelet
// may ask only for a token bound to a pod on its node that runs as sa
// (NodeRestriction's rule for tokens).
func (s *Server) tokenSpec(ctx context.Context, sa *api.ServiceAccount, req *api.TokenRequest) (auth.TokenSpec, *api.Status) {
	res := mustResource("serviceaccounts")
	spec := auth.TokenSpec{Namespace: sa.Namespace, ServiceAccount: sa.Name, ServiceAccountUID: sa.UID,
		Audiences: req.Spec.Audiences, TTL: defaultTokenTTL}
	if len(spec.Audiences) == 0 {
		spec.Audiences = s.audiences
	}
	if e := req.Spec.ExpirationSeconds; e != nil {
		spec.TTL = time.Duration(*e) * time.Second
		if spec.TTL < minTokenTTL {
			return spec, invalidToken(sa.Name, "spec.expirationSeconds", fmt.Sprint(*e), "may not specify a duration less than 10 minutes")
		}
		spec.TTL = min(spec.TTL, s.maxTokenTTL)
	}
	node, isNode := auth.NodeName(userFrom(ctx))
	ref := req.Spec.BoundObjectRef
	switch {
	case ref == nil && isNode:
		return spec, forbidden(res, sa.Name, "a node may only ask for tokens bound to its pods")
	case ref == nil:
		return spec, nil
	case ref.Kind != "Pod":
		return spec, invalidToken(sa.Name, "spec.boundObjectRef.kind", ref.Kind, "supported values: \"Pod\"")
	}
	obj, _, st := s.load(ctx, mustResource("pods"), sa.Namespace, ref.Name)
	if st != nil {
		return spec, st
	}
	pod := obj.(*api.Pod)
	switch {
	case ref.UID != "" && ref.UID != pod.UID:
		return spec, conflictStatus(fmt.Sprintf("the UID in the bound object reference (%s) does not match the UID in record (%s); the object might have been deleted and then recreated", ref.UID, pod.UID))
	case pod.Spec.ServiceAccountName != sa.Name:
		return spec, forbidden(res, sa.Name, fmt.Sprintf("pod %s runs as service account %q, not %q", pod.Name, pod.Spec.ServiceAccountName, sa.Name))
	case isNode && pod.Spec.NodeName != node:
		return spec, forbidden(res, sa.Name, fmt.Sprintf("node %q may not ask for a token of pod %s, which is not bound to it", node, pod.Name))
	}
	spec.PodName, spec.PodUID = pod.Name, pod.UID
	return spec, nil
}

func invalidToken(name, field, value, detail string) *api.Status {
	return invalid(mustResource("serviceaccounts"), name, api.ErrorList{{Type: api.ErrorTypeInvalid, Field: field, BadValue: value, Detail: detail}})
}

func conflictStatus(msg string) *api.Status {
	return statusErr(http.StatusConflict, "Conflict", msg)
}

// saLookup is auth.ServiceAccountLookup over the caches, with a read of
// the store when the cache has not seen an object yet: a token for an
// account made a moment ago works at once.
type saLookup struct{ s *Server }

func (l saLookup) ServiceAccount(namespace, name string) (*api.ServiceAccount, bool) {
	if o, ok := l.s.caches.serviceAccounts.get(namespace, name); ok {
		return o.(*api.ServiceAccount), true
	}
	obj, _, st := l.s.load(context.Background(), mustResource("serviceaccounts"), namespace, name)
	if st != nil {
		return nil, false
	}
	return obj.(*api.ServiceAccount), true
}

// secretLookup is auth.SecretLookup over the store, for bootstrap tokens:
// a join is rare, and a fresh token must work at once.
type secretLookup struct{ s *Server }

func (l secretLookup) Secret(namespace, name string) (*api.Secret, bool) {
	obj, _, st := l.s.load(context.Background(), mustResource("secrets"), namespace, name)
	if st != nil {
		return nil, false
	}
	return obj.(*api.Secret), true
}

func (l saLookup) Pod(namespace, name string) (*api.Pod, bool) {
	if o, ok := l.s.caches.pods.get(namespace, name); ok {
		return o.(*api.Pod), true
	}
	obj, _, st := l.s.load(context.Background(), mustResource("pods"), namespace, name)
	if st != nil {
		return nil, false
	}
	return obj.(*api.Pod), true
}
