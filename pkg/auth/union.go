package auth

import (
	"errors"
	"net/http"
)

// Union tries each authenticator in turn, as Kubernetes' union
// authenticator does: the first that recognizes the request wins. If
// none does and some returned an error (a certificate without a name, a
// badly signed token), the error is returned, joined; otherwise ok is
// false and the caller answers 401.
func Union(auths ...Authenticator) Authenticator {
	return union(auths)
}

type union []Authenticator

func (us union) AuthenticateRequest(r *http.Request) (*User, bool, error) {
	var errs []error
	for _, a := range us {
		u, ok, err := a.AuthenticateRequest(r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			return u, true, nil
		}
	}
	return nil, false, errors.Join(errs...)
}

// WithAuthenticatedGroup adds system:authenticated to the groups of every
// user a authenticates, once: the group the default policy grants
// discovery and self-reviews to.
func WithAuthenticatedGroup(a Authenticator) Authenticator {
	return authenticatedGroup{a}
}

type authenticatedGroup struct{ Authenticator }

func (g authenticatedGroup) AuthenticateRequest(r *http.Request) (*User, bool, error) {
	u, ok, err := g.Authenticator.AuthenticateRequest(r)
	if !ok || err != nil || u.InGroup(GroupAuthenticated) {
		return u, ok, err
	}
	cp := *u
	cp.Groups = append(append([]string(nil), u.Groups...), GroupAuthenticated)
	return &cp, true, nil
}
