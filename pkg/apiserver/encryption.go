package apiserver

import (
	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/encryption"
)

// Secrets are encrypted at rest so that a copy of etcd's files (its WAL,
// its database, a backup) gives no credentials away: the apiserver
// encrypts the values of the resources --encryption-provider-config names
// as it writes them (commitTxn) and decrypts them as it reads them
// (decodeStored), for a get, a list and each watcher of the shared watch.
// etcd, and the shared watch's window, only ever hold the ciphertext.
//
// Rotating the key: put a new key first in the file, keep the old one
// after it, restart the apiserver, then write every Secret again (an
// update that changes it: kctl annotate secret NAME rotated=DATE
// --overwrite); the old key can then go. A no-op update writes nothing,
// so it does not re-encrypt.

// transformer is r's encryption, named as EncryptionConfiguration names
// resources: "secrets", "deployments.apps".
func (s *Server) transformer(r api.Resource) *encryption.Transformer {
	name := r.Name
	if r.Group != "" {
		name += "." + r.Group
	}
	return s.encryption.For(name)
}

// loadEncryption reads --encryption-provider-config; "" is none.
func loadEncryption(path string, log *zap.Logger) (*encryption.Config, error) {
	if path == "" {
		log.Warn("no --encryption-provider-config: Secrets are stored in etcd in plaintext")
		return nil, nil
	}
	c, err := encryption.Load(path)
	if err != nil {
		return nil, err
	}
	log.Info("encrypting at rest", zap.String("config", path), zap.Strings("resources", c.Resources()))
	return c, nil
}
