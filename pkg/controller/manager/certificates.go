package manager

import (
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/certificates/approver"
	"kubelab/pkg/controller/certificates/signer"
	"kubelab/pkg/controller/certificates/tokencleaner"
	"kubelab/pkg/pki"
)

// The certificate controllers (package controller/certificates): how a
// joining node gets its certificates. The approver and the token cleaner
// always run; the signer only with the cluster CA's key, which a
// controller manager away from the control-plane node may not have.

// addCertificateInformers adds the informers of certificatesigningrequests
// and of the bootstrap token Secrets in kube-system: the token cleaner
// needs no other Secret, and a cache of every Secret would hold them all.
func addCertificateInformers(c *client.Client, inf map[string]*client.Informer, log *zap.Logger) {
	inf["certificatesigningrequests"] = client.NewInformer(c.Resource(controller.Resource("certificatesigningrequests")),
		client.ListOptions{}, log.Named("certificatesigningrequests"))
	inf["secrets"] = client.NewInformer(c.Resource(controller.Resource("secrets")).Namespace(api.NamespaceSystem),
		client.ListOptions{FieldSelector: "type=" + auth.SecretTypeBootstrapToken}, log.Named("secrets"))
}

// certificateControllers makes the approver, the token cleaner and, if
// the cluster CA can be read, the signer.
func certificateControllers(o Options, c *client.Client, inf map[string]*client.Informer, w controller.Writer, log *zap.Logger) []reconciler {
	csrs := inf["certificatesigningrequests"]
	ap := approver.New(csrs, inf["nodes"], approver.NewApprovalWriter(c), log.Named("csrapproving"))
	csrs.AddHandler(ap.CSRHandler())
	inf["nodes"].AddHandler(ap.NodeHandler())

	tc := tokencleaner.New(inf["secrets"], w, log.Named("tokencleaner"))
	inf["secrets"].AddHandler(tc.SecretHandler())

	ca, err := pki.LoadCA(o.ClusterSigningCertFile, o.ClusterSigningKeyFile)
	if err != nil {
		log.Warn("not signing certificate requests: cannot read the cluster CA (--cluster-signing-cert-file, --cluster-signing-key-file)",
			zap.Error(err))
		return []reconciler{ap, tc}
	}
	sg := signer.New(csrs, ca, o.ClusterSigningDuration, w, log.Named("csrsigning"))
	csrs.AddHandler(sg.CSRHandler())
	return []reconciler{ap, tc, sg}
}
