package auth

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net/http/httptest"
	"slices"
	"testing"
)

func TestX509Authenticator(t *testing.T) {
	cert := func(cn string, orgs ...string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn, Organization: orgs}}
	}
	tests := []struct {
		name    string
		state   *tls.ConnectionState
		want    *User
		wantErr bool
	}{
		{"plain http", nil, nil, false},
		{"tls without a client certificate", &tls.ConnectionState{}, nil, false},
		{"a kubelet", &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{cert("system:node:a", GroupNodes)}}},
			&User{Name: "system:node:a", Groups: []string{GroupNodes}}, false},
		{"the admin, two groups", &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{cert("admin", GroupMasters, "ops"), cert("ca")}}},
			&User{Name: "admin", Groups: []string{GroupMasters, "ops"}}, false},
		{"no groups", &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{cert("jane")}}}, &User{Name: "jane"}, false},
		{"no common name", &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{cert("", "ops")}}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api", nil)
			r.TLS = tt.state
			u, ok, err := X509Authenticator{}.AuthenticateRequest(r)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error: %v", err, tt.wantErr)
			}
			if ok != (tt.want != nil) {
				t.Fatalf("ok = %v, want %v", ok, tt.want != nil)
			}
			if tt.want != nil && (u.Name != tt.want.Name || !slices.Equal(u.Groups, tt.want.Groups)) {
				t.Errorf("user = %+v, want %+v", u, tt.want)
			}
		})
	}
}
