// Package tokencleaner deletes bootstrap tokens that have expired, as
// Kubernetes' TokenCleaner (pkg/controller/bootstrap/tokencleaner.go)
// does. A token (pkg/auth/bootstrap.go) is a Secret in kube-system of
// type bootstrap.kubernetes.io/token; the authenticator refuses it once
// its expiration has passed, and this controller then removes it, so
// that `kctl get secrets -n kube-system` shows only tokens that work.
//
// # The loop
//
// The queue holds Secret keys (kube-system/bootstrap-token-<id>). For one:
//
//	not a bootstrap token, or no expiration  → nothing
//	expiration unreadable                    → nothing (the authenticator refuses it;
//	                                            a person decides)
//	expires later                            → look again then (AddAfter)
//	expired                                  → delete it, if it is still the same
//	                                            Secret (a UID precondition)
//
// # Wiring
//
// Its informer watches kube-system with the field selector
// type=bootstrap.kubernetes.io/token, as Kubernetes' does:
//
//	tc := tokencleaner.New(secrets, writer, log)
//	secrets.AddHandler(tc.SecretHandler())
//	// start the informer, wait for it to sync, then
//	tc.Run(ctx, workers)
package tokencleaner
