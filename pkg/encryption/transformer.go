package encryption

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// encryptedPrefix starts every encrypted value, whatever the provider: a
// value that starts with it is never taken for plaintext.
const encryptedPrefix = "k8s:enc:"

// Transformer turns one resource's values into what etcd stores and back.
// It is safe for concurrent use.
type Transformer struct {
	providers []provider // the first writes; any whose prefix matches reads
}

// provider is one key of one provider of the configuration: aesgcm keys
// become one provider each, in the order of the file.
type provider struct {
	name   string      // `aesgcm key "key1"`, or "identity", for errors
	prefix []byte      // "k8s:enc:aesgcm:v1:key1:"; empty for identity
	aead   cipher.AEAD // nil for identity
}

// Identity stores values as they are. It is the transformer of every
// resource an encryption configuration does not name.
var Identity = &Transformer{providers: []provider{{name: "identity"}}}

// ToStorage returns what to store for plain at key.
//
// The nonce is random: with one key, AES-GCM stays safe for about 2^32
// writes, which is why Kubernetes advises rotating an aesgcm key after
// 200,000 writes.
func (t *Transformer) ToStorage(plain []byte, key string) ([]byte, error) {
	p := t.providers[0]
	if p.aead == nil {
		return plain, nil
	}
	nonce := make([]byte, p.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("encrypt %s: %w", key, err)
	}
	out := make([]byte, 0, len(p.prefix)+len(nonce)+len(plain)+p.aead.Overhead())
	out = append(append(out, p.prefix...), nonce...)
	return p.aead.Seal(out, nonce, plain, []byte(key)), nil
}

// FromStorage returns the plain value stored at key. stale reports that
// the value was not written by the first provider: writing it again would
// move it to the current key.
func (t *Transformer) FromStorage(stored []byte, key string) (plain []byte, stale bool, err error) {
	for i, p := range t.providers {
		if p.aead == nil {
			if bytes.HasPrefix(stored, []byte(encryptedPrefix)) {
				continue // encrypted: a later provider may hold its key
			}
			return stored, i != 0, nil
		}
		if !bytes.HasPrefix(stored, p.prefix) {
			continue
		}
		data := stored[len(p.prefix):]
		n := p.aead.NonceSize()
		if len(data) < n {
			return nil, false, fmt.Errorf("decrypt %s with %s: the value is too short", key, p.name)
		}
		plain, err := p.aead.Open(nil, data[:n], data[n:], []byte(key))
		if err != nil {
			return nil, false, fmt.Errorf("decrypt %s with %s: %w (another secret under that name, or a value copied from another key)", key, p.name, err)
		}
		return plain, i != 0, nil
	}
	return nil, false, fmt.Errorf("read %s: %w", key, t.noProvider(stored))
}

// noProvider says which provider a value needs that t does not have.
func (t *Transformer) noProvider(stored []byte) error {
	if !bytes.HasPrefix(stored, []byte(encryptedPrefix)) {
		return errors.New("the value is in plaintext, but the encryption config lists no identity provider for it (add `- identity: {}` after the keys)")
	}
	// "k8s:enc:aesgcm:v1:key1:…": name the provider and the key.
	fields := bytes.SplitN(stored[len(encryptedPrefix):], []byte(":"), 4)
	if len(fields) < 4 {
		return errors.New("the value starts with k8s:enc: but has no provider and key name")
	}
	return fmt.Errorf("the value is encrypted with %s key %q, which the encryption config does not list for it", fields[0], fields[2])
}
