package lab

// The lab's nodes join as kubeadm join makes a node join (hack/lab/node.sh):
// each kubelet starts with nothing but the lab's bootstrap token and the
// hash of its CA, reads the CA from kube-public/cluster-info, checks the
// hash, asks for its client certificate and then its serving certificate
// with CertificateSigningRequests, and writes its own kubeconfig. These
// cases check what that left behind, and that a wrong token or hash gets
// a kubelet nowhere.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
	"kubelab/pkg/client"
	"kubelab/pkg/kubeconfig"
	"kubelab/pkg/pki"
)

// logsAndExecOnJoinedNodes: the apiserver reaches every kubelet for pods'
// logs and exec. It checks the kubelet's serving certificate against the
// lab's CA, and no one made one: each kubelet got its own by a
// CertificateSigningRequest. Run while every node has a kubia pod.
func (l *lab) logsAndExecOnJoinedNodes(t *testing.T) {
	pods := l.waitReady(t, "app=kubia", 6, 30*time.Second)
	for i := 1; i <= nodes; i++ {
		j := slices.IndexFunc(pods, func(p *api.Pod) bool { return p.Spec.NodeName == nodeName(i) })
		if j < 0 {
			t.Fatalf("no kubia pod on %s", nodeName(i))
		}
		p := pods[j]
		out, err := l.kctl("logs", p.Name)
		if err != nil || !strings.Contains(out, "kubia "+p.Name+" ") {
			t.Errorf("kctl logs %s (on %s): %v\n%s", p.Name, p.Spec.NodeName, err, out)
		}
	}
	l.waitReady(t, "app=toolbox", 2, 30*time.Second)
	for _, pod := range []string{"toolbox-node1", "toolbox-node2"} {
		out, err := l.kctl("exec", pod, "--", "echo", "exec in "+pod)
		if err != nil || out != "exec in "+pod+"\n" {
			t.Errorf("kctl exec %s: %v\n%q", pod, err, out)
		}
	}
}

// nodesJoinedByCSR: every node has one client certificate request, sent
// with the bootstrap token, and serving certificate requests sent as the
// node itself, each Approved and Issued by the lab's CA. The node's
// kubeconfig holds the issued client certificate and the key it was made
// for, and its kubelet serves with the issued serving certificate: the
// kubelet wrote both, and nothing of a node's identity was made on the
// host. Run after node2's kubelet was restarted: it used its kubeconfig
// again and sent no second client request.
func (l *lab) nodesJoinedByCSR(t *testing.T) {
	token, _ := l.joinToken(t)
	tokenID, _, _ := strings.Cut(token, ".")
	ca := l.caPool(t)
	csrs := l.csrs(t)
	table, err := l.kctl("get", "csr")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("kctl get csr:\n%s", table)
	for i := 1; i <= nodes; i++ {
		node := nodeName(i)
		t.Run(node, func(t *testing.T) {
			user := auth.NodeUserPrefix + node
			clientCSRs, serving := csrsFor(t, csrs, api.SignerKubeletClient, user), csrsFor(t, csrs, api.SignerKubeletServing, user)
			if len(clientCSRs) != 1 || len(serving) == 0 {
				t.Fatalf("%d client and %d serving certificate requests for %s, want 1 and at least 1", len(clientCSRs), len(serving), user)
			}
			for _, csr := range append(slices.Clone(clientCSRs), serving...) {
				if !strings.Contains(table, csr.Name+" ") {
					t.Errorf("kctl get csr does not list %s", csr.Name)
				}
				issued(t, csr, user, ca)
			}
			if c := clientCSRs[0]; c.Spec.Username != auth.BootstrapUserPrefix+tokenID || !slices.Contains(c.Spec.Groups, auth.GroupBootstrappers) {
				t.Errorf("client request %s sent by %q %v, want the bootstrap token's user %s%s in %s",
					c.Name, c.Spec.Username, c.Spec.Groups, auth.BootstrapUserPrefix, tokenID, auth.GroupBootstrappers)
			}
			for _, s := range serving {
				if s.Spec.Username != user {
					t.Errorf("serving request %s sent by %q, want the node itself, %s", s.Name, s.Spec.Username, user)
				}
			}
			l.kubeconfigHolds(t, node, clientCSRs[0].Status.Certificate)
			servesWith(t, i, ca, serving)
		})
	}
	for _, pattern := range []string{"kubelet-node*.conf", "pki/kubelet-node*"} {
		if made, _ := filepath.Glob(filepath.Join(l.dir, pattern)); len(made) > 0 {
			t.Errorf("a node's identity made on the host: %v", made)
		}
	}
	log, _ := os.ReadFile(filepath.Join(l.dir, "logs", "kubelet-node2.log"))
	if n := bytes.Count(log, []byte("joined the cluster: wrote the kubeconfig")); n != 1 ||
		!bytes.Contains(log, []byte("using the client certificate bootstrapped before")) {
		t.Errorf("node2's kubelet log: joined %d times, want once and then its kubeconfig used again after the restart", n)
	}
}

// wrongJoinRefused: a kubelet with a wrong token secret, or the hash of
// another CA, fails at once with an error that says which, writes no
// kubeconfig and leaves no certificate request. Each runs in node3's
// namespace as a new machine would, with the fake runtime: it must not
// get as far as running anything.
func (l *lab) wrongJoinRefused(t *testing.T) {
	token, hash := l.joinToken(t)
	id, secret, _ := strings.Cut(token, ".")
	badSecret := strings.Repeat("0", 16)
	if secret == badSecret {
		badSecret = strings.Repeat("1", 16)
	}
	tests := []struct {
		name, token, hash string
		want              []string
	}{
		{name: "wrong secret", token: id + "." + badSecret, hash: hash,
			want: []string{"bootstrap the client certificate: create the CertificateSigningRequest: Unauthorized"}},
		{name: "another CA's hash", token: token, hash: "sha256:" + strings.Repeat("ab", 32),
			want: []string{"discovery:", "--ca-cert-hash is sha256:abab", "not sending the bootstrap token"}},
	}
	const node = "lab-join-refused"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			cmd := exec.CommandContext(ctx, "nsenter", "--net="+nodeNS(3), filepath.Join(l.root, "bin", "kubelet"),
				"--runtime", "fake", "--node-name", node, "--port", "-1", "--root-dir", root, "--log-level", "warn",
				"--server", "https://198.51.100.1:6443", "--bootstrap-token", tt.token, "--ca-cert-hash", tt.hash)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if ctx.Err() != nil || !errors.As(err, &exit) {
				t.Fatalf("kubelet: %v after %s, want it to fail at once\n%s", err, time.Since(start).Round(time.Millisecond), out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("kubelet output does not say %q:\n%s", w, out)
				}
			}
			t.Logf("kubelet exited %d after %s: %s", exit.ExitCode(), time.Since(start).Round(time.Millisecond), strings.TrimSpace(string(out)))
			if _, err := os.Stat(filepath.Join(root, "kubelet.conf")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused kubelet wrote a kubeconfig (%v)", err)
			}
		})
	}
	if left := csrsFor(t, l.csrs(t), api.SignerKubeletClient, auth.NodeUserPrefix+node); len(left) > 0 {
		t.Errorf("a refused kubelet left certificate requests: %s", left[0].Name)
	}
}

// joinToken is the bootstrap token and CA hash up.sh made, from the
// output of kctl create token --bootstrap that it keeps in join-token.
func (l *lab) joinToken(t *testing.T) (token, hash string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(l.dir, "join-token"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		switch f := strings.Fields(line); {
		case len(f) == 2 && f[0] == "token:":
			token = f[1]
		case len(f) == 2 && f[0] == "ca-cert-hash:":
			hash = f[1]
		}
	}
	if token == "" || hash == "" {
		t.Fatalf("no token or ca-cert-hash in join-token:\n%s", b)
	}
	return token, hash
}

// caPool holds the lab's CA, which kubeadm init made.
func (l *lab) caPool(t *testing.T) *x509.CertPool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(l.dir, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatal("pki/ca.crt holds no certificate")
	}
	return pool
}

// csrs lists every CertificateSigningRequest, as the admin.
func (l *lab) csrs(t *testing.T) []*api.CertificateSigningRequest {
	t.Helper()
	objs, _, err := l.client.Resource(resource("certificatesigningrequests")).List(context.Background(), client.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []*api.CertificateSigningRequest
	for _, o := range objs {
		out = append(out, o.(*api.CertificateSigningRequest))
	}
	return out
}

// csrsFor picks the requests to signer for the subject user, by the
// request's own Common Name: the client request is sent by the token's
// user, not the node's.
func csrsFor(t *testing.T, csrs []*api.CertificateSigningRequest, signer, user string) []*api.CertificateSigningRequest {
	t.Helper()
	var out []*api.CertificateSigningRequest
	for _, c := range csrs {
		req, err := api.ParseCertificateRequest(c.Spec.Request)
		if err != nil {
			t.Errorf("CertificateSigningRequest %s: %v", c.Name, err)
			continue
		}
		if c.Spec.SignerName == signer && req.Subject.CommonName == user {
			out = append(out, c)
		}
	}
	return out
}

// issued checks that csr is Approved, neither Denied nor Failed, and has
// a certificate for user in system:nodes that ca signed.
func issued(t *testing.T, csr *api.CertificateSigningRequest, user string, ca *x509.CertPool) {
	t.Helper()
	if !csr.HasCondition(api.CertificateApproved) || csr.HasCondition(api.CertificateDenied) || csr.HasCondition(api.CertificateFailed) {
		t.Errorf("CertificateSigningRequest %s (%s): conditions %+v, want Approved", csr.Name, csr.Spec.SignerName, csr.Status.Conditions)
		return
	}
	cert, err := pki.ParseCert(csr.Status.Certificate)
	if err != nil {
		t.Errorf("CertificateSigningRequest %s is not Issued: %v", csr.Name, err)
		return
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: ca, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("the certificate of %s: %v", csr.Name, err)
	}
	if cert.Subject.CommonName != user || !slices.Equal(cert.Subject.Organization, []string{auth.GroupNodes}) {
		t.Errorf("the certificate of %s is for %s %v, want %s in %s", csr.Name, cert.Subject.CommonName, cert.Subject.Organization, user, auth.GroupNodes)
	}
}

// kubeconfigHolds checks that node's kubeconfig, which its kubelet wrote
// under its root dir, has the issued client certificate and its key.
func (l *lab) kubeconfigHolds(t *testing.T, node string, issuedPEM []byte) {
	t.Helper()
	path := filepath.Join(l.dir, node, "kubelet.conf")
	kc, err := kubeconfig.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := kc.Resolve("") // loads the pair: the key matches the certificate
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	want, err := pki.ParseCert(issuedPEM)
	if err != nil {
		t.Fatal(err)
	}
	if r.TLS == nil || len(r.TLS.Certificates) != 1 || !r.TLS.Certificates[0].Leaf.Equal(want) {
		t.Errorf("%s does not hold the certificate its client request was issued", path)
	}
	if r.Server != "https://198.51.100.1:6443" {
		t.Errorf("%s: server %q", path, r.Server)
	}
}

// servesWith checks, with a TLS handshake from the host to node i's
// kubelet, that it serves with one of the issued serving certificates,
// valid for the node's address under the lab's CA.
func servesWith(t *testing.T, i int, ca *x509.CertPool, serving []*api.CertificateSigningRequest) {
	t.Helper()
	addr := net.JoinHostPort(nodeIP(i), "10250")
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr,
		&tls.Config{RootCAs: ca, ServerName: nodeIP(i), MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Errorf("TLS to the kubelet at %s: %v", addr, err)
		return
	}
	defer conn.Close()
	leaf := conn.ConnectionState().PeerCertificates[0]
	for _, s := range serving {
		if c, err := pki.ParseCert(s.Status.Certificate); err == nil && c.Equal(leaf) {
			return
		}
	}
	t.Errorf("the kubelet at %s serves with %s (serial %s), issued to none of its requests", addr, leaf.Subject.CommonName, leaf.SerialNumber)
}
