package encryption

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Config is a parsed EncryptionConfiguration: a Transformer for each
// resource it names.
type Config struct {
	byResource map[string]*Transformer // "secrets", "deployments.apps", "*.apps", "*.*"
}

// For returns the transformer of resource, named as in the file: "secrets"
// for the core group, "deployments.apps" for another. An exact name wins
// over "*.<group>" ("*." for the core group), which wins over "*.*". A
// resource the file does not name, or any resource of a nil Config, gets
// Identity.
func (c *Config) For(resource string) *Transformer {
	if c == nil {
		return Identity
	}
	_, group, _ := strings.Cut(resource, ".")
	for _, name := range []string{resource, "*." + group, "*.*"} {
		if t := c.byResource[name]; t != nil {
			return t
		}
	}
	return Identity
}

// Resources lists the resource names the configuration encrypts or reads,
// sorted, for a log line at start.
func (c *Config) Resources() []string {
	var out []string
	for name := range c.byResource {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Load reads and parses an EncryptionConfiguration file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("encryption config: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("encryption config %s: %w", path, err)
	}
	return c, nil
}

// file is the EncryptionConfiguration as written. Providers stay raw so
// that an unknown one is named in the error, not skipped.
type file struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Resources  []struct {
		Resources []string                     `json:"resources"`
		Providers []map[string]json.RawMessage `json:"providers"`
	} `json:"resources"`
}

type aesConfig struct {
	Keys []struct {
		Name   string `json:"name"`
		Secret string `json:"secret"`
	} `json:"keys"`
}

// Parse parses an EncryptionConfiguration (YAML or JSON). Its errors name
// the field at fault, as resources[0].providers[0].aesgcm.keys[0].secret.
func Parse(data []byte) (*Config, error) {
	var f file
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, err
	}
	if f.APIVersion != "apiserver.config.k8s.io/v1" || f.Kind != "EncryptionConfiguration" {
		return nil, fmt.Errorf("apiVersion %q, kind %q: want apiserver.config.k8s.io/v1, EncryptionConfiguration", f.APIVersion, f.Kind)
	}
	if len(f.Resources) == 0 {
		return nil, errors.New("resources: must list at least one entry")
	}
	c := &Config{byResource: map[string]*Transformer{}}
	for i, r := range f.Resources {
		path := fmt.Sprintf("resources[%d]", i)
		if len(r.Resources) == 0 {
			return nil, fmt.Errorf("%s.resources: must name at least one resource", path)
		}
		t := &Transformer{}
		for j, p := range r.Providers {
			ps, err := parseProvider(p, fmt.Sprintf("%s.providers[%d]", path, j))
			if err != nil {
				return nil, err
			}
			t.providers = append(t.providers, ps...)
		}
		if len(t.providers) == 0 {
			return nil, fmt.Errorf("%s.providers: must list at least one provider", path)
		}
		for j, name := range r.Resources {
			if name == "" || strings.Contains(name, "/") {
				return nil, fmt.Errorf("%s.resources[%d]: %q is not a resource name such as secrets or deployments.apps", path, j, name)
			}
			if c.byResource[name] != nil {
				return nil, fmt.Errorf("%s.resources[%d]: %s is named twice", path, j, name)
			}
			c.byResource[name] = t
		}
	}
	return c, nil
}

// parseProvider turns one provider entry into its providers: one per key,
// the first key first, so that it is the one that writes.
func parseProvider(entry map[string]json.RawMessage, path string) ([]provider, error) {
	if len(entry) != 1 {
		return nil, fmt.Errorf("%s: must hold exactly one provider (aesgcm or identity), has %d", path, len(entry))
	}
	for kind, raw := range entry {
		switch kind {
		case "identity":
			return []provider{{name: "identity"}}, nil
		case "aesgcm":
			return parseAESGCM(raw, path+".aesgcm")
		case "aescbc", "secretbox", "kms":
			return nil, fmt.Errorf("%s: provider %s is not supported by kubelab; use aesgcm", path, kind)
		default:
			return nil, fmt.Errorf("%s: unknown provider %q (kubelab knows aesgcm and identity)", path, kind)
		}
	}
	panic("unreachable")
}

func parseAESGCM(raw json.RawMessage, path string) ([]provider, error) {
	var cfg aesConfig
	if err := yaml.UnmarshalStrict(raw, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(cfg.Keys) == 0 {
		return nil, fmt.Errorf("%s.keys: must list at least one key", path)
	}
	var out []provider
	seen := map[string]bool{}
	for i, k := range cfg.Keys {
		kpath := fmt.Sprintf("%s.keys[%d]", path, i)
		switch {
		case k.Name == "":
			return nil, fmt.Errorf("%s.name: required", kpath)
		case strings.Contains(k.Name, ":"):
			return nil, fmt.Errorf("%s.name: %q may not contain ':', which ends the key name in a stored value", kpath, k.Name)
		case seen[k.Name]:
			return nil, fmt.Errorf("%s.name: %q is listed twice", kpath, k.Name)
		}
		seen[k.Name] = true
		secret, err := base64.StdEncoding.DecodeString(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("%s.secret: not base64: %w", kpath, err)
		}
		if n := len(secret); n != 16 && n != 24 && n != 32 {
			return nil, fmt.Errorf("%s.secret: the key is %d bytes; AES needs 16, 24 or 32 (head -c 32 /dev/urandom | base64)", kpath, n)
		}
		block, err := aes.NewCipher(secret)
		if err != nil {
			return nil, fmt.Errorf("%s.secret: %w", kpath, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("%s.secret: %w", kpath, err)
		}
		out = append(out, provider{name: fmt.Sprintf("aesgcm key %q", k.Name),
			prefix: []byte("k8s:enc:aesgcm:v1:" + k.Name + ":"), aead: aead})
	}
	return out, nil
}
