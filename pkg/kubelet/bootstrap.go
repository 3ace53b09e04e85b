package kubelet

// A node joins the cluster as `kubeadm join` makes it, with nothing but a
// bootstrap token and the hash of the cluster CA's public key
// (`kctl create token --bootstrap` prints both):
//
//  1. discovery: read the ConfigMap kube-public/cluster-info, which anyone
//     may, over TLS that checks nothing and without sending the token. It
//     holds the cluster CA; the kubelet accepts it only if its hash is
//     --ca-cert-hash, and from then on trusts that CA and nothing else. An
//     impostor in between learns nothing worth having: the token is sent
//     only to a server that CA signed.
//  2. TLS bootstrap: make a key, and ask, as the token's user (group
//     system:bootstrappers), for a client certificate for
//     system:node:<name> with a CertificateSigningRequest
//     (bootstrap_csr.go). A controller approves it, another signs it; the
//     key never leaves the node.
//  3. write the kubeconfig, then run as any kubelet. At the next start a
//     certificate with more than a fifth of its life left is used as it
//     is, and the token not at all.
//
// The serving certificate follows, once the Node is registered
// (bootstrap_serving.go). Kubernetes' kubelet also rotates both before
// they expire (pkg/kubelet/certificate); kubelab's asks again at a start.

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.uber.org/zap"
	"sigs.k8s.io/yaml"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
	"kubelab/pkg/client"
	"kubelab/pkg/component"
	"kubelab/pkg/kubeconfig"
	"kubelab/pkg/pki"
)

// groupNodes is the group of every kubelet's client certificate.
const groupNodes = "system:nodes"

// caCertHashRE is the form of pki.CACertHash.
var caCertHashRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// joinCluster makes sure opts.Kubeconfig holds a client certificate of this
// node, bootstrapping one with opts.BootstrapToken if it does not. Run
// calls it before New, which then reads the kubeconfig as usual.
func joinCluster(ctx context.Context, opts *Options) error {
	if err := opts.Complete(); err != nil {
		return err
	}
	if opts.Logger == nil {
		var err error
		if opts.Logger, err = component.NewLogger("kubelet", opts.LogLevel); err != nil {
			return err
		}
	}
	log, err := opts.logger()
	if err != nil {
		return err
	}
	b := &bootstrap{server: opts.Server, token: opts.BootstrapToken, caHash: opts.CACertHash,
		nodeName: opts.NodeName, kubeconfig: opts.Kubeconfig, poll: time.Second, timeout: csrTimeout, now: time.Now, log: log}
	return b.run(ctx)
}

// csrTimeout is how long a kubelet waits for discovery to answer, and for
// a certificate to be signed.
const csrTimeout = 5 * time.Minute

// bootstrap is one join: where to, with what, and where the result goes.
type bootstrap struct {
	server     string // the apiserver, https://
	token      string // <id>.<secret>
	caHash     string // sha256:<hex>, lower case
	nodeName   string
	kubeconfig string        // written with the client certificate, 0600
	poll       time.Duration // between tries of discovery, and looks at the CertificateSigningRequest
	timeout    time.Duration // for discovery to answer, and for the request to be signed
	now        func() time.Time
	log        *zap.Logger
}

// run joins the cluster unless the kubeconfig can be used as it is.
func (b *bootstrap) run(ctx context.Context) error {
	why := b.usableKubeconfig()
	if why == "" {
		b.log.Info("using the client certificate bootstrapped before", zap.String("kubeconfig", b.kubeconfig))
		return nil
	}
	b.log.Info("bootstrapping a client certificate", zap.String("why", why), zap.String("server", b.server))
	caPEM, err := b.discoverCA(ctx)
	if err != nil {
		return err
	}
	tc, err := kubeconfig.TLSConfig(kubeconfig.TLSFiles{CAData: caPEM})
	if err != nil {
		return err
	}
	c, err := client.New(client.Config{Server: b.server, TLS: tc, BearerToken: b.token, UserAgent: "kubelet/" + b.nodeName})
	if err != nil {
		return err
	}
	user := "system:node:" + b.nodeName
	certPEM, keyPEM, err := csrClient{c: c, poll: b.poll, timeout: b.timeout, log: b.log}.request(ctx, api.SignerKubeletClient,
		&x509.CertificateRequest{Subject: pkix.Name{CommonName: user, Organization: []string{groupNodes}}},
		[]string{api.UsageDigitalSignature, api.UsageClientAuth})
	if err != nil {
		return fmt.Errorf("bootstrap the client certificate: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(b.kubeconfig), 0o700); err != nil {
		return err
	}
	kc := kubeconfig.New("kubelab", b.server, caPEM, user, kubeconfig.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM})
	if err := kc.Write(b.kubeconfig); err != nil {
		return err
	}
	b.log.Info("joined the cluster: wrote the kubeconfig", zap.String("kubeconfig", b.kubeconfig), zap.String("user", user))
	return nil
}

// usableKubeconfig says why the kubeconfig cannot be used as it is, or ""
// if it can: it exists, its certificate is this node's and has more than a
// fifth of its life left, and its CA is the one --ca-cert-hash pins.
func (b *bootstrap) usableKubeconfig() string {
	if _, err := os.Stat(b.kubeconfig); errors.Is(err, os.ErrNotExist) {
		return "no kubeconfig yet"
	}
	kc, err := kubeconfig.Load(b.kubeconfig)
	if err != nil {
		return err.Error()
	}
	r, err := kc.Resolve("")
	if err != nil {
		return err.Error()
	}
	if r.TLS == nil || len(r.TLS.Certificates) == 0 || r.TLS.Certificates[0].Leaf == nil {
		return "the kubeconfig has no client certificate"
	}
	cert := r.TLS.Certificates[0].Leaf
	if cert.Subject.CommonName != "system:node:"+b.nodeName {
		return fmt.Sprintf("its certificate is %q's", cert.Subject.CommonName)
	}
	if !fresh(cert, b.now()) {
		return fmt.Sprintf("its certificate expires at %s", cert.NotAfter.Format(time.RFC3339))
	}
	if !pinnedCA(kc, r.Cluster, b.caHash) {
		return "its CA is not the one --ca-cert-hash names"
	}
	return ""
}

// pinnedCA reports whether the CA data of kc's cluster named cluster (the
// kubeconfig run writes holds its CA as data) has the given hash.
func pinnedCA(kc *kubeconfig.Config, cluster, hash string) bool {
	for _, cl := range kc.Clusters {
		if cl.Name != cluster {
			continue
		}
		ca, err := pki.ParseCert(cl.Cluster.CertificateAuthorityData)
		return err == nil && subtle.ConstantTimeCompare([]byte(pki.CACertHash(ca)), []byte(hash)) == 1
	}
	return false
}

// fresh reports whether cert is valid at now with more than a fifth of
// its life left. Kubernetes rotates a certificate between 70 and 90% of it.
func fresh(cert *x509.Certificate, now time.Time) bool {
	life := cert.NotAfter.Sub(cert.NotBefore)
	return !now.Before(cert.NotBefore) && cert.NotAfter.Sub(now) > life/5
}

// clusterInfoPath is the ConfigMap a joining node reads without credentials.
const clusterInfoPath = "/api/v1/namespaces/kube-public/configmaps/cluster-info"

// discoverCA reads the cluster CA from cluster-info and returns it, as
// PEM, if its hash is caHash. Nothing is checked of the server and
// nothing is sent to it but the GET: the hash is what makes the answer
// trustworthy.
func (b *bootstrap) discoverCA(ctx context.Context) ([]byte, error) {
	insecure := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true} // checked by the hash below
	c, err := client.New(client.Config{Server: b.server, TLS: insecure, UserAgent: "kubelet/" + b.nodeName})
	if err != nil {
		return nil, err
	}
	body, err := b.fetch(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("discovery: read the cluster CA from %s: %w", clusterInfoPath, err)
	}
	var cm api.ConfigMap
	var kc kubeconfig.Config
	if err := json.Unmarshal(body, &cm); err != nil {
		return nil, fmt.Errorf("discovery: %s is not a ConfigMap: %w", clusterInfoPath, err)
	}
	if err := yaml.Unmarshal([]byte(cm.Data["kubeconfig"]), &kc); err != nil || len(kc.Clusters) == 0 {
		return nil, fmt.Errorf("discovery: the cluster-info ConfigMap holds no kubeconfig with a cluster (%v)", err)
	}
	ca, err := pki.ParseCert(kc.Clusters[0].Cluster.CertificateAuthorityData)
	if err != nil {
		return nil, fmt.Errorf("discovery: the cluster CA in cluster-info: %w", err)
	}
	got := pki.CACertHash(ca)
	if subtle.ConstantTimeCompare([]byte(got), []byte(b.caHash)) != 1 {
		return nil, fmt.Errorf("discovery: the cluster CA %s hands out has hash %s, but --ca-cert-hash is %s: "+
			"not sending the bootstrap token to a server that may be an impostor (or was the hash mistyped?)", b.server, got, b.caHash)
	}
	b.log.Info("discovery: the cluster CA matches --ca-cert-hash", zap.String("ca", ca.Subject.CommonName), zap.String("hash", got))
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}), nil
}

// fetch GETs cluster-info, again every poll while the apiserver cannot
// answer it (it is not up yet, say), until timeout.
func (b *bootstrap) fetch(ctx context.Context, c *client.Client) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	var logged time.Time
	for {
		body, err := c.Do(ctx, http.MethodGet, clusterInfoPath, nil, "")
		if err == nil {
			return body, nil
		}
		if time.Since(logged) >= csrWaitLog {
			b.log.Warn("discovery: cannot read cluster-info yet; trying again", zap.Error(err))
			logged = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(b.poll):
		}
	}
}

// completeBootstrap checks the join flags and defaults the kubeconfig to
// <RootDir>/kubelet.conf. Complete calls it after RootDir has its default.
func (o *Options) completeBootstrap() error {
	if o.BootstrapToken == "" {
		if o.CACertHash != "" {
			return errors.New("--ca-cert-hash goes with --bootstrap-token")
		}
		return nil
	}
	if _, _, ok := auth.ParseBootstrapToken(o.BootstrapToken); !ok {
		return errors.New("--bootstrap-token: must look like abcdef.0123456789abcdef ([a-z0-9]{6}.[a-z0-9]{16}); kctl create token --bootstrap makes one")
	}
	o.CACertHash = strings.ToLower(o.CACertHash)
	if !caCertHashRE.MatchString(o.CACertHash) {
		return errors.New("--ca-cert-hash: must be sha256:<64 hex digits>, the hash kctl create token --bootstrap prints; without it the token could be sent to an impostor")
	}
	if !strings.HasPrefix(o.Server, "https://") {
		return fmt.Errorf("--server %q: a joining kubelet needs the apiserver's https:// URL", o.Server)
	}
	if o.Kubeconfig == "" {
		o.Kubeconfig = filepath.Join(o.RootDir, "kubelet.conf")
	}
	return nil
}
