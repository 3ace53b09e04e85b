// Package rootca publishes the cluster's CA in every namespace, as
// Kubernetes' root-ca-cert-publisher
// (pkg/controller/certificates/rootcacertpublisher/publisher.go) does: a
// ConfigMap named kube-root-ca.crt whose key ca.crt is the CA's PEM.
// Every pod's ServiceAccount volume projects that key as
// /var/run/secrets/kubernetes.io/serviceaccount/ca.crt, so that a program
// in a pod (client-go's rest.InClusterConfig) can check the apiserver's
// certificate. A ConfigMap lives in one namespace and a pod reads only its
// own namespace's, hence one copy in each.
//
// # The loop
//
// The queue holds namespace names. For one namespace, Sync reads both
// caches and makes at most one write:
//
//	the namespace is gone, or Terminating      → nothing (its contents are going)
//	no kube-root-ca.crt                        → create it
//	kube-root-ca.crt holds anything but the CA → update it back
//	otherwise                                  → nothing
//
// A namespace added or updated queues its name; kube-root-ca.crt changed
// or deleted queues its namespace, so that it comes back as it was. A
// create that finds the name taken (the cache was behind) is success; an
// update on a stale copy is a conflict, retried with the newer one.
//
// # Wiring
//
// The CA comes from the controller manager (its --root-ca-file, or the CA
// of its kubeconfig); without one the manager does not start this
// controller. The ConfigMap informer needs only the ConfigMaps of that
// name, FieldSelector "metadata.name=kube-root-ca.crt":
//
//	rc := rootca.New(caPEM, namespaces, configMaps, writer, log)
//	namespaces.AddHandler(rc.NamespaceHandler())
//	configMaps.AddHandler(rc.ConfigMapHandler())
//	// start the informers, wait for them to sync, then
//	rc.Run(ctx, 1)
package rootca
