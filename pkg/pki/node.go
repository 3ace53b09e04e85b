package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"kubelab/pkg/auth"
	"kubelab/pkg/kubeconfig"
)

// UserKubeconfig issues a client certificate for user in groups from the
// CA under dir and returns a kubeconfig that uses it to reach server.
func UserKubeconfig(dir, server, user string, groups []string) (*kubeconfig.Config, error) {
	if err := checkName("user", user); err != nil {
		return nil, err
	}
	if err := checkServer(server); err != nil {
		return nil, err
	}
	ca, err := loadDirCA(dir)
	if err != nil {
		return nil, err
	}
	certPEM, keyPEM, err := ca.IssueClient(user, groups, LeafValidity)
	if err != nil {
		return nil, err
	}
	creds := kubeconfig.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM}
	return kubeconfig.New(DefaultClusterName, server, ca.CertPEM, user, creds), nil
}

// WriteUserKubeconfig writes UserKubeconfig to out, readable by its owner
// only. Each kubelet gets one: user system:node:<name>, group
// system:nodes, which is what lets the node authorizer tell kubelets
// apart.
func WriteUserKubeconfig(dir, server, user string, groups []string, out string) error {
	cfg, err := UserKubeconfig(dir, server, user, groups)
	if err != nil {
		return err
	}
	return cfg.Write(out)
}

// IssueKubeletServing issues the serving certificate of a node's kubelet,
// for its HTTPS port, named system:node:<node> in system:nodes and valid
// for hosts and the node's name. It returns the paths it wrote.
func IssueKubeletServing(dir, nodeName string, hosts []string) (certFile, keyFile string, err error) {
	if err := checkName("node name", nodeName); err != nil {
		return "", "", err
	}
	ca, err := loadDirCA(dir)
	if err != nil {
		return "", "", err
	}
	subject := pkix.Name{CommonName: auth.NodeUserPrefix + nodeName, Organization: []string{auth.GroupNodes}}
	certPEM, keyPEM, err := ca.issue(subject, append(slices.Clone(hosts), nodeName), x509.ExtKeyUsageServerAuth, LeafValidity)
	if err != nil {
		return "", "", err
	}
	certName, keyName := kubeletFiles(nodeName)
	certFile, keyFile = filepath.Join(dir, certName), filepath.Join(dir, keyName)
	if err := writeFile(keyFile, keyPEM, 0o600); err != nil {
		return "", "", err
	}
	if err := writeFile(certFile, certPEM, 0o644); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}

func loadDirCA(dir string) (*CA, error) {
	return LoadCA(filepath.Join(dir, CACertFile), filepath.Join(dir, CAKeyFile))
}

// checkName refuses names that cannot be a user or a node: empty ones,
// and ones with a "/", which would also escape the pki directory in a
// file name.
func checkName(field, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%s: must not be empty", field)
	case strings.Contains(name, "/"):
		return fmt.Errorf("%s %q: must not contain '/'", field, name)
	}
	return nil
}
