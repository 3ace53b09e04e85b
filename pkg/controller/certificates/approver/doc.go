// Package approver approves the CertificateSigningRequests of kubelets,
// as Kubernetes' csrapproving controller
// (pkg/controller/certificates/approver/sarapprove.go) does, so that a
// node joins and renews its certificates without a person.
//
// # What it approves
//
// Only requests it can vouch for, by who sent them (spec.username and
// spec.groups, which the apiserver fills in) and what they ask for:
//
//	signer kube-apiserver-client-kubelet, a node's client certificate
//	(CN system:node:<x>, O system:nodes, no SANs, client usages):
//	  sent by a bootstrap token (group system:bootstrappers)  → a new node
//	  sent by system:node:<x> itself (group system:nodes)       → a renewal
//	signer kubelet-serving, a node's serving certificate:
//	  sent by system:node:<x> itself, for CN system:node:<x>,
//	  every IP SAN one of Node <x>'s addresses,
//	  every DNS SAN <x> or Node <x>'s Hostname address          → approved
//
// Everything else stays pending, for a person to approve or deny. A
// serving request whose Node does not exist yet, or does not list the
// address yet, waits: the Node appearing, or its addresses changing,
// queues its requests again.
//
// Kubernetes asks the authorizer (a SubjectAccessReview) whether the
// requester may create certificatesigningrequests/nodeclient or
// /selfnodeclient; kubelab decides by the groups those roles are bound
// to by default (pkg/auth/policy.go). As in Kubernetes, a bootstrap
// token may ask for any node's name: whoever holds one is trusted to
// join as a node.
//
// # The loop
//
// The queue holds request names. Sync reads the request from the cache;
// one already approved or denied is left alone; one the rules vouch for
// gets the condition Approved (reason AutoApproved) through the approval
// subresource, a PUT of the whole object. The signer
// (pkg/controller/certificates/signer) takes it from there.
//
// # Wiring
//
//	a := approver.New(csrs, nodes, approver.NewApprovalWriter(c), log)
//	csrs.AddHandler(a.CSRHandler())
//	nodes.AddHandler(a.NodeHandler())
//	// start the informers, wait for them to sync, then
//	a.Run(ctx, workers)
package approver
