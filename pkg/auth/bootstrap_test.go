package auth

import (
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// secretMap is a SecretLookup over a map keyed "namespace/name".
type secretMap map[string]*api.Secret

func (m secretMap) Secret(namespace, name string) (*api.Secret, bool) {
	s, ok := m[namespace+"/"+name]
	return s, ok
}

var _ SecretLookup = secretMap(nil)

func TestBootstrapTokenAuthenticator(t *testing.T) {
	now := time.Date(2025, 1, 2, 12, 0, 0, 0, time.UTC)
	token := func(mutate func(*api.Secret)) *api.Secret {
		s := bootstrapTokenSecretAt(now, "abcdef", "0123456789abcdef", time.Hour, []string{DefaultBootstrapTokenGroup}, "for n1")
		if mutate != nil {
			mutate(s)
		}
		return s
	}
	tests := []struct {
		name    string
		header  string // the Authorization header
		secret  *api.Secret
		want    *User
		wantOK  bool
		wantErr string
	}{
		{name: "a good token", header: "Bearer abcdef.0123456789abcdef", secret: token(nil), wantOK: true,
			want: &User{Name: "system:bootstrap:abcdef", Groups: []string{GroupBootstrappers, DefaultBootstrapTokenGroup}}},
		{name: "no extra groups, no expiration", header: "Bearer abcdef.0123456789abcdef", wantOK: true,
			secret: token(func(s *api.Secret) {
				delete(s.Data, BootstrapTokenExtraGroupsKey)
				delete(s.Data, BootstrapTokenExpirationKey)
			}),
			want: &User{Name: "system:bootstrap:abcdef", Groups: []string{GroupBootstrappers}}},
		{name: "no token", header: "", secret: token(nil)},
		{name: "a token of another shape is not this authenticator's", header: "Bearer 31ada4fd-adec-460c-809a-9e56ceb75269", secret: token(nil)},
		{name: "upper case is another shape", header: "Bearer ABCDEF.0123456789abcdef", secret: token(nil)},
		{name: "a JWT is another shape", header: "Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", secret: token(nil)},
		{name: "no such token", header: "Bearer abcdee.0123456789abcdef", secret: token(nil),
			wantErr: `bootstrap token "abcdee": no such token`},
		{name: "wrong secret", header: "Bearer abcdef.0123456789abcdee", secret: token(nil),
			wantErr: `bootstrap token "abcdef": wrong secret`},
		{name: "a Secret of another type", header: "Bearer abcdef.0123456789abcdef",
			secret: token(func(s *api.Secret) { s.Type = "Opaque" }), wantErr: "no such token"},
		{name: "a Secret being deleted", header: "Bearer abcdef.0123456789abcdef",
			secret: token(func(s *api.Secret) { at := api.NewTime(now); s.DeletionTimestamp = &at }), wantErr: "no such token"},
		{name: "a Secret whose token-id is another's", header: "Bearer abcdef.0123456789abcdef",
			secret: token(func(s *api.Secret) { s.Data[BootstrapTokenIDKey] = []byte("zzzzzz") }), wantErr: "wrong secret"},
		{name: "expired", header: "Bearer abcdef.0123456789abcdef",
			secret:  token(func(s *api.Secret) { s.Data[BootstrapTokenExpirationKey] = []byte("2025-01-02T12:00:00Z") }),
			wantErr: `bootstrap token "abcdef": expired at 2025-01-02T12:00:00Z`},
		{name: "an expiration that does not parse", header: "Bearer abcdef.0123456789abcdef",
			secret:  token(func(s *api.Secret) { s.Data[BootstrapTokenExpirationKey] = []byte("tomorrow") }),
			wantErr: `expiration "tomorrow" is not an RFC 3339 time`},
		{name: "not for authentication", header: "Bearer abcdef.0123456789abcdef",
			secret:  token(func(s *api.Secret) { delete(s.Data, BootstrapTokenUsageAuthentication) }),
			wantErr: `not for authentication (usage-bootstrap-authentication is not "true")`},
		{name: "an extra group outside system:bootstrappers", header: "Bearer abcdef.0123456789abcdef",
			secret: token(func(s *api.Secret) {
				s.Data[BootstrapTokenExtraGroupsKey] = []byte("system:bootstrappers:ok,system:masters")
			}),
			wantErr: `auth-extra-groups: "system:masters" does not start with system:bootstrappers:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewBootstrapTokenAuthenticator(secretMap{"kube-system/" + tt.secret.Name: tt.secret})
			a.now = func() time.Time { return now }
			r := httptest.NewRequest("GET", "/api", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			u, ok, err := a.AuthenticateRequest(r)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || ok || u != nil {
					t.Fatalf("= %+v, %v, %v; want an error with %q", u, ok, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "0123456789abcde") {
					t.Errorf("the error shows the secret: %v", err)
				}
				return
			}
			if err != nil || ok != tt.wantOK || !reflect.DeepEqual(u, tt.want) {
				t.Fatalf("= %+v, %v, %v; want %+v, %v", u, ok, err, tt.want, tt.wantOK)
			}
		})
	}
}

func TestNewBootstrapToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id, secret, err := NewBootstrapToken()
		if err != nil {
			t.Fatal(err)
		}
		gotID, gotSecret, ok := ParseBootstrapToken(id + "." + secret)
		if !ok || gotID != id || gotSecret != secret {
			t.Fatalf("%s.%s does not parse back: %q %q %v", id, secret, gotID, gotSecret, ok)
		}
		if seen[id+secret] {
			t.Fatalf("token %s.%s twice", id, secret)
		}
		seen[id+secret] = true
	}
}

func TestBootstrapTokenSecret(t *testing.T) {
	now := time.Date(2025, 1, 2, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name        string
		ttl         time.Duration
		groups      []string
		description string
		want        map[string]string
	}{
		{"as kubeadm token create", 24 * time.Hour, []string{DefaultBootstrapTokenGroup}, "made by kubeadm init", map[string]string{
			"token-id": "abcdef", "token-secret": "0123456789abcdef",
			"usage-bootstrap-authentication": "true", "usage-bootstrap-signing": "true",
			"expiration": "2025-01-03T11:00:00Z", "auth-extra-groups": DefaultBootstrapTokenGroup,
			"description": "made by kubeadm init"}},
		{"never expires, two groups, no description", 0, []string{"system:bootstrappers:a", "system:bootstrappers:b"}, "", map[string]string{
			"token-id": "abcdef", "token-secret": "0123456789abcdef",
			"usage-bootstrap-authentication": "true", "usage-bootstrap-signing": "true",
			"auth-extra-groups": "system:bootstrappers:a,system:bootstrappers:b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := bootstrapTokenSecretAt(now, "abcdef", "0123456789abcdef", tt.ttl, tt.groups, tt.description)
			if s.Namespace != "kube-system" || s.Name != "bootstrap-token-abcdef" || s.Type != "bootstrap.kubernetes.io/token" || s.Kind != "Secret" {
				t.Errorf("secret %s/%s of type %q, kind %q", s.Namespace, s.Name, s.Type, s.Kind)
			}
			got := map[string]string{}
			for k, v := range s.Data {
				got[k] = string(v)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("data = %v\nwant   %v", got, tt.want)
			}
			if errs := api.Validate(s); len(errs) > 0 {
				t.Errorf("not a valid Secret: %v", errs)
			}
			// What it writes, the authenticator accepts.
			a := NewBootstrapTokenAuthenticator(secretMap{"kube-system/bootstrap-token-abcdef": s})
			a.now = func() time.Time { return now.Add(time.Hour) }
			r := httptest.NewRequest("GET", "/api", nil)
			r.Header.Set("Authorization", "Bearer abcdef.0123456789abcdef")
			if _, ok, err := a.AuthenticateRequest(r); !ok || err != nil {
				t.Errorf("the authenticator refuses it: %v", err)
			}
		})
	}
}
