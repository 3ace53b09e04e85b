// Package serviceaccount makes sure every namespace has a ServiceAccount
// named "default", as Kubernetes' ServiceAccountsController
// (pkg/controller/serviceaccount/serviceaccounts_controller.go) does. A pod
// that names no account runs as "default" (the apiserver fills in
// spec.serviceAccountName), so the account has to be there.
//
// # The loop
//
// The queue holds namespace names. For one namespace, Sync reads both
// caches and makes at most one write:
//
//	the namespace is gone, or Terminating   → nothing (its contents are going)
//	"default" is in the ServiceAccount cache → nothing
//	otherwise                                → create "default"
//
// A create that finds the name taken (the cache was behind) is success.
// A namespace added or updated queues its name; a "default" account
// deleted queues its namespace, so it comes back.
//
// Kubernetes' controller can be told to make other accounts than
// "default" (its ServiceAccountsControllerOptions); kubelab's makes only
// "default". Tokens for the accounts come later (issue 11).
//
// # Wiring
//
//	sa := serviceaccount.New(namespaces, serviceAccounts, writer, log)
//	namespaces.AddHandler(sa.NamespaceHandler())
//	serviceAccounts.AddHandler(sa.ServiceAccountHandler())
//	// start the informers, wait for them to sync, then
//	sa.Run(ctx, 1)
package serviceaccount
