package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// authFunc is an Authenticator that answers what it is told.
type authFunc func(r *http.Request) (*User, bool, error)

func (f authFunc) AuthenticateRequest(r *http.Request) (*User, bool, error) { return f(r) }

// answers is an Authenticator that returns a user called name, or
// not ok with err when name is "".
func answers(name string, err error) Authenticator {
	return authFunc(func(*http.Request) (*User, bool, error) {
		if err != nil || name == "" {
			return nil, false, err
		}
		return &User{Name: name, Groups: []string{"g"}}, true, nil
	})
}

func TestUnion(t *testing.T) {
	errA, errB := errors.New("bad signature"), errors.New("expired")
	tests := []struct {
		name  string
		auths []Authenticator
		want  string  // user; "" for not ok
		errs  []error // all must be in the error
	}{
		{"none", nil, "", nil},
		{"nobody knows the request", []Authenticator{answers("", nil), answers("", nil)}, "", nil},
		{"first ok wins", []Authenticator{answers("", nil), answers("alice", nil), answers("bob", nil)}, "alice", nil},
		{"an error, then someone knows it", []Authenticator{answers("", errA), answers("bob", nil)}, "bob", nil},
		{"errors, joined", []Authenticator{answers("", errA), answers("", nil), answers("", errB)}, "", []error{errA, errB}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, ok, err := Union(tt.auths...).AuthenticateRequest(httptest.NewRequest("GET", "/", nil))
			if ok != (tt.want != "") || ok && u.Name != tt.want {
				t.Fatalf("user = %+v, %v; want %q", u, ok, tt.want)
			}
			if (err != nil) != (len(tt.errs) > 0) {
				t.Fatalf("error = %v, want %v", err, tt.errs)
			}
			for _, e := range tt.errs {
				if !errors.Is(err, e) {
					t.Errorf("error %v does not hold %v", err, e)
				}
			}
		})
	}
}

func TestWithAuthenticatedGroup(t *testing.T) {
	// Room to append in place, to catch an append that writes into it.
	stored := &User{Name: "alice", Groups: make([]string, 1, 4)}
	stored.Groups[0] = "ops"
	tests := []struct {
		name  string
		inner Authenticator
		want  []string // groups; nil for not ok
	}{
		{"added", returns(stored), []string{"ops", GroupAuthenticated}},
		{"not twice", returns(&User{Name: "bob", Groups: []string{GroupAuthenticated}}), []string{GroupAuthenticated}},
		{"no groups", returns(&User{Name: "carol"}), []string{GroupAuthenticated}},
		{"not authenticated", answers("", nil), nil},
		{"an error", answers("", errors.New("bad")), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, ok, _ := WithAuthenticatedGroup(tt.inner).AuthenticateRequest(httptest.NewRequest("GET", "/", nil))
			if ok != (tt.want != nil) {
				t.Fatalf("ok = %v, want %v", ok, tt.want != nil)
			}
			if ok && !slices.Equal(u.Groups, tt.want) {
				t.Errorf("groups = %v, want %v", u.Groups, tt.want)
			}
		})
	}
	if len(stored.Groups) != 1 || stored.Groups[:2][1] != "" {
		t.Errorf("the inner authenticator's user was changed: %v", stored.Groups[:2])
	}
}

// returns is an Authenticator that always returns u.
func returns(u *User) Authenticator {
	return authFunc(func(*http.Request) (*User, bool, error) { return u, true, nil })
}
