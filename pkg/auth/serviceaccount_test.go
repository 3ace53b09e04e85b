package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

type fakeLookup struct {
	sas  map[string]*api.ServiceAccount
	pods map[string]*api.Pod
}

func (f fakeLookup) ServiceAccount(ns, name string) (*api.ServiceAccount, bool) {
	sa, ok := f.sas[ns+"/"+name]
	return sa, ok
}

func (f fakeLookup) Pod(ns, name string) (*api.Pod, bool) {
	p, ok := f.pods[ns+"/"+name]
	return p, ok
}

func TestServiceAccountTokens(t *testing.T) {
	const issuer = "https://kubernetes.default.svc.cluster.local"
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	iss, err := NewTokenIssuer(key, issuer)
	if err != nil {
		t.Fatal(err)
	}
	lookup := fakeLookup{
		sas:  map[string]*api.ServiceAccount{"ns1/app": {ObjectMeta: api.ObjectMeta{Name: "app", Namespace: "ns1", UID: "sa-uid"}}},
		pods: map[string]*api.Pod{"ns1/web": {ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "ns1", UID: "pod-uid"}}},
	}
	authn := NewServiceAccountAuthenticator([]crypto.PublicKey{&key.PublicKey}, issuer, []string{issuer}, lookup)
	spec := TokenSpec{Namespace: "ns1", ServiceAccount: "app", ServiceAccountUID: "sa-uid", PodName: "web", PodUID: "pod-uid",
		Audiences: []string{issuer}, TTL: time.Hour}
	issue := func(mutate func(*TokenSpec), signer *TokenIssuer) string {
		s := spec
		if mutate != nil {
			mutate(&s)
		}
		tok, _, err := signer.Issue(s)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	authenticate := func(token string) (*User, bool, error) {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		return authn.AuthenticateRequest(r)
	}

	u, ok, err := authenticate(issue(nil, iss))
	if err != nil || !ok || u.Name != "system:serviceaccount:ns1:app" || u.UID != "sa-uid" ||
		strings.Join(u.Groups, ",") != "system:serviceaccounts,system:serviceaccounts:ns1" || u.Extra[ExtraPodName][0] != "web" {
		t.Fatalf("a good token: %+v %v %v", u, ok, err)
	}

	foreign, _ := NewTokenIssuer(otherKey, issuer)
	otherIssuer, _ := NewTokenIssuer(key, "https://elsewhere")
	expired := &TokenIssuer{key: key, method: iss.method, issuer: issuer, now: func() time.Time { return time.Now().Add(-3 * time.Hour) }}
	refused := map[string]string{
		"signed by another key":    issue(nil, foreign),
		"expired":                  issue(nil, expired),
		"for another audience":     issue(func(s *TokenSpec) { s.Audiences = []string{"vault"} }, iss),
		"of a deleted account":     issue(func(s *TokenSpec) { s.ServiceAccount = "gone" }, iss),
		"of a recreated account":   issue(func(s *TokenSpec) { s.ServiceAccountUID = "old-uid" }, iss),
		"bound to a deleted pod":   issue(func(s *TokenSpec) { s.PodName = "gone" }, iss),
		"bound to a recreated pod": issue(func(s *TokenSpec) { s.PodUID = "old-uid" }, iss),
		"tampered with":            issue(nil, iss)[:20] + "x" + issue(nil, iss)[21:],
	}
	for name, tok := range refused {
		if u, ok, err := authenticate(tok); err == nil && ok {
			t.Errorf("a token %s was accepted as %+v", name, u)
		}
	}
	// Not this authenticator's: another issuer's JWT, or no JWT at all.
	for name, tok := range map[string]string{"another issuer": issue(nil, otherIssuer), "an opaque token": "s3cret"} {
		if _, ok, err := authenticate(tok); ok || err != nil {
			t.Errorf("%s: ok=%v err=%v, want neither", name, ok, err)
		}
	}
	if _, err := NewTokenIssuer(nil, issuer); err == nil {
		t.Error("an issuer without an ECDSA key was made")
	}
}
