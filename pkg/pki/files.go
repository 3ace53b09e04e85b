package pki

// The files Init writes, relative to its directory: kubeadm's names, so
// that the apiserver's flags read as they do in Kubernetes
// (--client-ca-file pki/ca.crt, --tls-cert-file pki/apiserver.crt, ...).
const (
	CACertFile = "pki/ca.crt"
	CAKeyFile  = "pki/ca.key"

	APIServerCertFile = "pki/apiserver.crt"
	APIServerKeyFile  = "pki/apiserver.key"

	APIServerKubeletClientCertFile = "pki/apiserver-kubelet-client.crt"
	APIServerKubeletClientKeyFile  = "pki/apiserver-kubelet-client.key"

	ServiceAccountKeyFile       = "pki/sa.key"
	ServiceAccountPublicKeyFile = "pki/sa.pub"

	AdminKubeconfig             = "admin.conf"
	ControllerManagerKubeconfig = "controller-manager.conf"
	SchedulerKubeconfig         = "scheduler.conf"
	ProxyKubeconfig             = "proxy.conf"
)

// Names in the certificates Init issues.
const (
	DefaultClusterName  = "kubelab"
	CACommonName        = "kubelab-ca"
	APIServerCommonName = "kube-apiserver" // the serving certificate's subject
	AdminUser           = "kubernetes-admin"
)

// kubeletFiles are the serving certificate and key of a node's kubelet.
func kubeletFiles(nodeName string) (cert, key string) {
	return "pki/kubelet-" + nodeName + ".crt", "pki/kubelet-" + nodeName + ".key"
}
