package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"kubelab/pkg/api"
)

// Bootstrap tokens are how a new node first talks to the apiserver, as
// `kubeadm join --token abcdef.0123456789abcdef` does: the token is a
// short-lived shared secret, good for nothing but asking for a
// certificate (the system:node-bootstrapper role). The node's kubelet
// sends a CertificateSigningRequest with it, a controller approves the
// request, another signs it, and from then on the kubelet uses its
// certificate; the token expires and the token cleaner deletes it.
//
// A token is "<id>.<secret>": the id is public (it names the Secret and
// the user, system:bootstrap:<id>), the secret is what proves the
// caller. Each token is a Secret in kube-system, as Kubernetes' bootstrap
// token authenticator (plugin/pkg/auth/authenticator/token/bootstrap)
// reads them:
//
//	name: bootstrap-token-abcdef    type: bootstrap.kubernetes.io/token
//	data: token-id: abcdef, token-secret: 0123456789abcdef,
//	      usage-bootstrap-authentication: "true",
//	      expiration: 2025-01-02T15:04:05Z, auth-extra-groups: system:bootstrappers:kubeadm:default-node-token

// Names of bootstrap tokens, Kubernetes' (k8s.io/cluster-bootstrap/token/api).
const (
	BootstrapTokenSecretPrefix = "bootstrap-token-"              // the Secret is bootstrap-token-<id>, in kube-system
	SecretTypeBootstrapToken   = "bootstrap.kubernetes.io/token" // its type
	BootstrapUserPrefix        = "system:bootstrap:"             // the user is system:bootstrap:<id>
	GroupBootstrappers         = "system:bootstrappers"          // every bootstrap token's user is in it

	BootstrapTokenIDKey          = "token-id"
	BootstrapTokenSecretKey      = "token-secret"
	BootstrapTokenExpirationKey  = "expiration" // RFC 3339; none: never expires
	BootstrapTokenDescriptionKey = "description"
	BootstrapTokenExtraGroupsKey = "auth-extra-groups" // comma-separated, each system:bootstrappers:…
	// BootstrapTokenUsageAuthentication must be "true" for the token to
	// authenticate; usage-bootstrap-signing lets it sign the cluster-info
	// ConfigMap, which kubelab does not do yet.
	BootstrapTokenUsageAuthentication = "usage-bootstrap-authentication"
	BootstrapTokenUsageSigning        = "usage-bootstrap-signing"
	// DefaultBootstrapTokenGroup is the extra group kubeadm gives its tokens.
	DefaultBootstrapTokenGroup = "system:bootstrappers:kubeadm:default-node-token"
)

var (
	bootstrapTokenRE = regexp.MustCompile(`^([a-z0-9]{6})\.([a-z0-9]{16})$`)
	extraGroupRE     = regexp.MustCompile(`^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$`)
)

// SecretLookup finds a Secret; the apiserver answers from its cache.
type SecretLookup interface {
	Secret(namespace, name string) (*api.Secret, bool)
}

// BootstrapTokenAuthenticator authenticates bootstrap tokens.
type BootstrapTokenAuthenticator struct {
	secrets SecretLookup
	now     func() time.Time
}

var _ Authenticator = (*BootstrapTokenAuthenticator)(nil)

// NewBootstrapTokenAuthenticator reads tokens from secrets.
func NewBootstrapTokenAuthenticator(secrets SecretLookup) *BootstrapTokenAuthenticator {
	return &BootstrapTokenAuthenticator{secrets: secrets, now: time.Now}
}

// AuthenticateRequest passes over a request without a bearer token of the
// bootstrap shape: it may be a ServiceAccount's or a static one. A token
// of that shape is this authenticator's to judge, and a wrong one is
// refused. (Kubernetes passes those over too, so that another
// authenticator may try; a token file holding such a token is the only
// case that differs.)
func (b *BootstrapTokenAuthenticator) AuthenticateRequest(r *http.Request) (*User, bool, error) {
	token, ok := bearerToken(r)
	if !ok {
		return nil, false, nil
	}
	id, secret, ok := ParseBootstrapToken(token)
	if !ok {
		return nil, false, nil
	}
	u, err := b.authenticate(id, secret)
	if err != nil {
		return nil, false, fmt.Errorf("bootstrap token %q: %w", id, err)
	}
	return u, true, nil
}

// authenticate checks id's Secret. The errors never show the secret.
func (b *BootstrapTokenAuthenticator) authenticate(id, secret string) (*User, error) {
	s, ok := b.secrets.Secret(api.NamespaceSystem, BootstrapTokenSecretPrefix+id)
	if !ok || s.Type != SecretTypeBootstrapToken || s.DeletionTimestamp != nil {
		return nil, fmt.Errorf("no such token")
	}
	want := s.Data[BootstrapTokenSecretKey]
	if len(want) == 0 || subtle.ConstantTimeCompare(want, []byte(secret)) != 1 || string(s.Data[BootstrapTokenIDKey]) != id {
		return nil, fmt.Errorf("wrong secret")
	}
	if exp, set, err := BootstrapTokenExpiration(s); err != nil {
		return nil, err // unreadable: refused, as if expired
	} else if set && !b.now().Before(exp) {
		return nil, fmt.Errorf("expired at %s", exp.Format(time.RFC3339))
	}
	if string(s.Data[BootstrapTokenUsageAuthentication]) != "true" {
		return nil, fmt.Errorf("not for authentication (%s is not \"true\")", BootstrapTokenUsageAuthentication)
	}
	groups := []string{GroupBootstrappers}
	if extra := string(s.Data[BootstrapTokenExtraGroupsKey]); extra != "" {
		for _, g := range strings.Split(extra, ",") {
			if !extraGroupRE.MatchString(g) {
				return nil, fmt.Errorf("%s: %q does not start with %s: or is not a valid group name", BootstrapTokenExtraGroupsKey, g, GroupBootstrappers)
			}
			groups = append(groups, g)
		}
	}
	return &User{Name: BootstrapUserPrefix + id, Groups: groups}, nil
}

// ParseBootstrapToken splits "abcdef.0123456789abcdef" into its id and
// secret; ok is false for a string of any other shape.
func ParseBootstrapToken(token string) (id, secret string, ok bool) {
	m := bootstrapTokenRE.FindStringSubmatch(token)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// BootstrapTokenExpiration reads a token Secret's expiration; set is false
// when it has none (the token never expires).
func BootstrapTokenExpiration(s *api.Secret) (exp time.Time, set bool, err error) {
	v, ok := s.Data[BootstrapTokenExpirationKey]
	if !ok {
		return time.Time{}, false, nil
	}
	exp, err = time.Parse(time.RFC3339, string(v))
	if err != nil {
		return time.Time{}, true, fmt.Errorf("%s %q is not an RFC 3339 time", BootstrapTokenExpirationKey, v)
	}
	return exp, true, nil
}

// NewBootstrapToken makes a new token's id and secret, from crypto/rand,
// in the alphabet Kubernetes uses ([a-z0-9]).
func NewBootstrapToken() (id, secret string, err error) {
	s, err := randomTokenString(6 + 16)
	if err != nil {
		return "", "", fmt.Errorf("making a bootstrap token: %w", err)
	}
	return s[:6], s[6:], nil
}

const tokenAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomTokenString draws n characters of tokenAlphabet without bias: a
// byte of 252 or more is drawn again, since 256 is not a multiple of 36.
func randomTokenString(n int) (string, error) {
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for _, c := range buf {
			if c < 252 && len(out) < n {
				out = append(out, tokenAlphabet[int(c)%len(tokenAlphabet)])
			}
		}
	}
	return string(out), nil
}

// BootstrapTokenSecret is the Secret of a token, as `kubeadm token create`
// writes it: for authentication and for signing cluster-info, expiring
// after ttl (0: never), with extra groups (each must start with
// system:bootstrappers:, kubeadm's default is DefaultBootstrapTokenGroup)
// and a description for people. id and secret are NewBootstrapToken's.
func BootstrapTokenSecret(id, secret string, ttl time.Duration, groups []string, description string) *api.Secret {
	return bootstrapTokenSecretAt(time.Now(), id, secret, ttl, groups, description)
}

func bootstrapTokenSecretAt(now time.Time, id, secret string, ttl time.Duration, groups []string, description string) *api.Secret {
	data := map[string][]byte{
		BootstrapTokenIDKey:               []byte(id),
		BootstrapTokenSecretKey:           []byte(secret),
		BootstrapTokenUsageAuthentication: []byte("true"),
		BootstrapTokenUsageSigning:        []byte("true"),
	}
	if ttl > 0 {
		data[BootstrapTokenExpirationKey] = []byte(now.Add(ttl).UTC().Format(time.RFC3339))
	}
	if len(groups) > 0 {
		data[BootstrapTokenExtraGroupsKey] = []byte(strings.Join(groups, ","))
	}
	if description != "" {
		data[BootstrapTokenDescriptionKey] = []byte(description)
	}
	s := &api.Secret{
		ObjectMeta: api.ObjectMeta{Namespace: api.NamespaceSystem, Name: BootstrapTokenSecretPrefix + id},
		Type:       SecretTypeBootstrapToken,
		Data:       data,
	}
	api.SetTypeMeta(s)
	return s
}
