package kctl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// DefaultServer is where kctl looks for the apiserver when nothing else
// says: the address `make up` listens on.
const DefaultServer = "http://127.0.0.1:6443"

// configSources are the places the server address can come from, in the
// order they are asked.
type configSources struct {
	flag    string              // --server
	getenv  func(string) string // KCTL_SERVER and KCTL_CONFIG
	workDir string              // .kubelab/config is looked for here
	home    string              // ~/.kube/kubelab is looked for here
}

// fileConfig is the config file: a tiny YAML document written by `make up`,
//
//	server: http://127.0.0.1:6443
type fileConfig struct {
	Server string `json:"server"`
}

// resolveServer returns the server address: the flag, else $KCTL_SERVER,
// else the config file, else DefaultServer. The config file is
// $KCTL_CONFIG if set (then it must exist), else the first of
// .kubelab/config and ~/.kube/kubelab that exists.
func resolveServer(src configSources) (string, error) {
	if src.flag != "" {
		return src.flag, nil
	}
	if s := src.getenv("KCTL_SERVER"); s != "" {
		return s, nil
	}
	if path := src.getenv("KCTL_CONFIG"); path != "" {
		cfg, err := readConfig(path)
		if err != nil {
			return "", err
		}
		return orDefault(cfg.Server, DefaultServer), nil
	}
	candidates := []string{filepath.Join(src.workDir, ".kubelab", "config")}
	if src.home != "" {
		candidates = append(candidates, filepath.Join(src.home, ".kube", "kubelab"))
	}
	for _, path := range candidates {
		cfg, err := readConfig(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		return orDefault(cfg.Server, DefaultServer), nil
	}
	return DefaultServer, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// readConfig reads and parses one config file.
func readConfig(path string) (fileConfig, error) {
	var cfg fileConfig
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("reading the kctl config: %w", err)
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return cfg, fmt.Errorf("the kctl config %s is not `server: <url>` YAML: %v", path, err)
	}
	cfg.Server = strings.TrimSpace(cfg.Server)
	return cfg, nil
}
