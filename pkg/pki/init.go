package pki

import (
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"kubelab/pkg/auth"
)

// InitOptions say where the apiserver is and what else to name it.
type InitOptions struct {
	Server      string   // the apiserver's URL, https://, e.g. https://127.0.0.1:6443; required
	ClusterName string   // the cluster's name in kubeconfigs; default DefaultClusterName
	ExtraSANs   []string // more DNS names or IPs for the apiserver's certificate
}

// InitResult is what Init did.
type InitResult struct {
	CAHash string   // CACertHash of the CA, for joining nodes
	Files  []string // the files written this time, under the directory; none when all were good
}

// Init writes the cluster's CA, certificates, keys and kubeconfigs under
// dir (the layout is in the package documentation), keeping every file
// that is still good.
func Init(dir string, o InitOptions) (*InitResult, error) {
	if o.ClusterName == "" {
		o.ClusterName = DefaultClusterName
	}
	if err := checkServer(o.Server); err != nil {
		return nil, err
	}
	pkiDir := filepath.Join(dir, "pki")
	if err := os.MkdirAll(pkiDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.Chmod(pkiDir, 0o700); err != nil { // MkdirAll leaves an existing directory as it was
		return nil, err
	}
	w := &writer{dir: dir}
	ca, err := w.ca()
	if err != nil {
		return nil, err
	}
	masters := []string{auth.GroupMasters}
	if err := w.pair(ca, APIServerCertFile, APIServerKeyFile,
		leaf{cn: APIServerCommonName, usage: x509.ExtKeyUsageServerAuth, hosts: apiserverSANs(o)}); err != nil {
		return nil, err
	}
	if err := w.pair(ca, APIServerKubeletClientCertFile, APIServerKubeletClientKeyFile,
		leaf{cn: auth.UserAPIServer, groups: masters, usage: x509.ExtKeyUsageClientAuth}); err != nil {
		return nil, err
	}
	if err := w.serviceAccountKey(); err != nil {
		return nil, err
	}
	for _, k := range []struct {
		file string
		want leaf
	}{
		{AdminKubeconfig, leaf{cn: AdminUser, groups: masters}},
		{ControllerManagerKubeconfig, leaf{cn: auth.UserKubeControllerManager}},
		{SchedulerKubeconfig, leaf{cn: auth.UserKubeScheduler}},
		{ProxyKubeconfig, leaf{cn: auth.UserKubeProxy}},
	} {
		k.want.usage = x509.ExtKeyUsageClientAuth
		if err := w.kubeconfig(ca, k.file, o, k.want); err != nil {
			return nil, err
		}
	}
	return &InitResult{CAHash: CACertHash(ca.Cert), Files: w.written}, nil
}

// apiserverSANs are the names clients reach the apiserver by: loopback,
// the kubernetes Service from inside pods (its DNS names and ClusterIP,
// the first address of the default 10.96.0.0/12), the host of --server
// and the machine's name.
func apiserverSANs(o InitOptions) []string {
	hosts := []string{"localhost", "127.0.0.1",
		"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
		"10.96.0.1"}
	if u, err := url.Parse(o.Server); err == nil {
		hosts = append(hosts, u.Hostname())
	}
	if name, err := os.Hostname(); err == nil {
		hosts = append(hosts, name)
	}
	hosts = append(hosts, o.ExtraSANs...)
	var out []string
	seen := map[string]bool{}
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if h != "" && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

func checkServer(server string) error {
	u, err := url.Parse(server)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" {
		return fmt.Errorf("server %q: must be an https:// URL, such as https://127.0.0.1:6443", server)
	}
	return nil
}
