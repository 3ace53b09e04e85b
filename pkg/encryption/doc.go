// Package encryption encrypts chosen resources before the apiserver writes
// them to etcd, so that Secrets are not in plaintext in etcd's WAL, its
// database files or its backups.
//
// It reads Kubernetes' EncryptionConfiguration (kube-apiserver's
// --encryption-provider-config) and stores values in Kubernetes' format:
//
//	k8s:enc:aesgcm:v1:<key name>:<12-byte nonce><ciphertext and tag>
//
// A resource's providers are tried in order. The first one writes; any one
// whose prefix matches reads (identity, no prefix, reads plaintext). So a
// key is rotated in three steps, as in Kubernetes: list the new key first
// and the old one after it, restart the apiserver, then write every Secret
// again (any update that changes it, for example an annotation); the old
// key can then be dropped.
//
// The caller asks Config.For for a resource's Transformer and passes every
// value through it, with the value's etcd key: the key is authenticated
// with the ciphertext, so a value copied to another object's key does not
// decrypt. Kubernetes' counterpart is k8s.io/apiserver's
// pkg/storage/value (the transformers) and
// pkg/server/options/encryptionconfig (the file).
package encryption
