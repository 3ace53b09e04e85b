package apiserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
	"kubelab/pkg/kubeconfig"
)

func nodeCSR(t *testing.T, name string) *api.CertificateSigningRequest {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: auth.NodeUserPrefix + name, Organization: []string{auth.GroupNodes}}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return &api.CertificateSigningRequest{ObjectMeta: api.ObjectMeta{Name: "node-csr-" + name},
		Spec: api.CertificateSigningRequestSpec{Request: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}),
			SignerName: api.SignerKubeletClient, Usages: []string{api.UsageDigitalSignature, api.UsageClientAuth},
			Username: "someone-else", Groups: []string{"system:masters"}}}
}

const csrPath = "/apis/certificates.k8s.io/v1/certificatesigningrequests"

// The requester is whoever sent the request, whatever the body says;
// approving and signing take the approve and sign verbs on the signer.
func TestCertificateSigningRequests(t *testing.T) {
	ts := newTestServer(t)
	var csr api.CertificateSigningRequest
	ts.as("system:bootstrap:abcdef", "system:bootstrappers").eventually(http.StatusCreated, "POST", csrPath, nodeCSR(t, "n1")).into(t, &csr)
	if csr.Spec.Username != "system:bootstrap:abcdef" || strings.Join(csr.Spec.Groups, ",") != "system:bootstrappers,system:authenticated" {
		t.Fatalf("requester = %q %q, want the caller", csr.Spec.Username, csr.Spec.Groups)
	}
	csr.Status.Conditions = []api.CertificateSigningRequestCondition{{Type: api.CertificateApproved, Status: api.ConditionTrue, Reason: "ByHand"}}
	// jane may write approvals, but holds approve on no signer.
	ts.must(http.StatusCreated, "POST", rbacPath+"/clusterroles", &api.ClusterRole{ObjectMeta: api.ObjectMeta{Name: "csr-writer"},
		Rules: []api.PolicyRule{{Verbs: []string{"update"}, APIGroups: []string{api.CertificatesGroup}, Resources: []string{"certificatesigningrequests/approval"}}}})
	ts.must(http.StatusCreated, "POST", rbacPath+"/clusterrolebindings", &api.ClusterRoleBinding{ObjectMeta: api.ObjectMeta{Name: "jane-csr"},
		Subjects: []api.Subject{{Kind: "User", Name: "jane"}}, RoleRef: api.RoleRef{Kind: "ClusterRole", Name: "csr-writer"}})
	jane := ts.as("jane")
	r := jane.eventually(http.StatusForbidden, "PUT", csrPath+"/node-csr-n1/approval", &csr)
	for strings.Contains(r.status().Message, "cannot update") { // the binding is not seen yet
		r = jane.must(http.StatusForbidden, "PUT", csrPath+"/node-csr-n1/approval", &csr)
	}
	if !strings.Contains(r.status().Message, "may not approve") {
		t.Errorf("refusal %q", r.status().Message)
	}
	var approved api.CertificateSigningRequest
	ts.must(http.StatusOK, "PUT", csrPath+"/node-csr-n1/approval", &csr).into(t, &approved)
	if !approved.HasCondition(api.CertificateApproved) || approved.Spec.Username != "system:bootstrap:abcdef" {
		t.Fatalf("after approval: %+v", approved)
	}
	approved.Status.Certificate = []byte("-----BEGIN CERTIFICATE-----\n")
	ts.as(auth.NodeUserPrefix+"n1", auth.GroupNodes).must(http.StatusForbidden, "PUT", csrPath+"/node-csr-n1/status", &approved)
}

// Anyone may read cluster-info, and nothing else of it: it names the
// apiserver and the cluster CA for joining nodes.
func TestClusterInfo(t *testing.T) {
	ts := newTestServer(t, func(c *Config) {
		c.ClusterCA, c.AdvertiseAddress, c.AdvertisePort = testPKI.ca.CertPEM, "127.0.0.1", 6443
	})
	anon := ts.as("")
	var cm api.ConfigMap
	anon.must(http.StatusOK, "GET", clusterInfoPath, nil).into(t, &cm)
	kc, err := kubeconfigFrom(t, []byte(cm.Data["kubeconfig"]))
	if err != nil {
		t.Fatal(err)
	}
	if c := kc.Clusters[0].Cluster; c.Server != "https://127.0.0.1:6443" || string(c.CertificateAuthorityData) != string(testPKI.ca.CertPEM) {
		t.Fatalf("cluster-info cluster = %+v", c)
	}
	anon.must(http.StatusUnauthorized, "DELETE", clusterInfoPath, nil)
	anon.must(http.StatusUnauthorized, "PUT", clusterInfoPath, &cm)
	anon.must(http.StatusUnauthorized, "GET", "/api/v1/namespaces/kube-public/configmaps", nil)
}

func kubeconfigFrom(t *testing.T, data []byte) (*kubeconfig.Config, error) {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return nil, err
	}
	return kubeconfig.Load(path)
}
