package kctl

// kubectl create configmap, and the three sources of keys it shares with
// create secret generic (create_secret.go): --from-literal=key=value,
// --from-file=[key=]path (a directory gives each regular file in it, by
// its name) and --from-env-file=path (lines of key=value). Every key is
// checked here, before anything is sent, with kubectl's messages: one
// that could not be a file name in a mounted volume, or that a source
// gave already, stops the command.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
)

func newCreateConfigMapCommand(g *globals) *cobra.Command {
	var src dataSources
	var out generatorFlags
	cmd := &cobra.Command{
		Use:     "configmap NAME [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none]",
		Aliases: []string{"cm"},
		Short:   "Create a config map from a local file, directory or literal value",
		Example: "  kctl create configmap my-config --from-literal=key1=config1 --from-literal=key2=config2\n" +
			"  kctl create configmap my-config --from-file=path/to/bar        # a directory: each file in it\n" +
			"  kctl create configmap my-config --from-file=key1=/path/to/bar/file1.txt\n" +
			"  kctl create configmap my-config --from-env-file=path/to/foo.env",
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := nameArg(args)
			if err != nil {
				return err
			}
			cm := &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: g.generatedMeta(name),
				Data: map[string]string{}, BinaryData: map[string][]byte{}}
			if err := src.read(g.getenv, addToConfigMap(cm)); err != nil {
				return err
			}
			return g.emitGenerated(cmd, out, "configmaps", cm, actionCreated)
		},
	}
	src.addFlags(cmd, "configmap")
	out.addFlags(cmd)
	return cmd
}

// dataSources are the --from-literal, --from-file and --from-env-file
// flags: where the keys of a ConfigMap or Secret come from.
type dataSources struct {
	literals, files, envFiles []string
}

func (s *dataSources) addFlags(cmd *cobra.Command, kind string) {
	cmd.Flags().StringSliceVar(&s.files, "from-file", nil, "Key file can be specified using its file path, in which case the file basename will be used as "+kind+
		" key, or optionally with a key and file path, in which case the given key will be used. Specifying a directory will iterate each named file in the directory.")
	cmd.Flags().StringArrayVar(&s.literals, "from-literal", nil, "Specify a key and literal value to insert in "+kind+" (i.e. mykey=somevalue)")
	cmd.Flags().StringSliceVar(&s.envFiles, "from-env-file", nil, "Specify the path to a file to read lines of key=val pairs to create a "+kind+".")
}

// addFunc takes one key. fromFile marks the whole contents of a file,
// which a ConfigMap keeps in binaryData when they are not UTF-8.
type addFunc func(key string, value []byte, fromFile bool) error

// read gives add every key of every source: files, literals, env files.
// getenv answers an env file's line that names a variable without a
// value, as kubectl takes it from its own environment.
func (s dataSources) read(getenv func(string) string, add addFunc) error {
	if len(s.envFiles) > 0 && (len(s.files) > 0 || len(s.literals) > 0) {
		return fmt.Errorf("from-env-file cannot be combined with from-file or from-literal")
	}
	for _, source := range s.files {
		if err := readFileSource(source, add); err != nil {
			return err
		}
	}
	for _, source := range s.literals {
		key, value, ok := strings.Cut(source, "=")
		if !ok || key == "" {
			return fmt.Errorf("invalid literal source %v, expected key=value", source)
		}
		if err := add(key, []byte(value), false); err != nil {
			return err
		}
	}
	for _, p := range s.envFiles {
		if err := readEnvFile(p, getenv, add); err != nil {
			return err
		}
	}
	return nil
}

// readFileSource reads [key=]path: one file under key (its base name by
// default), or each regular file of a directory under its own name.
func readFileSource(source string, add addFunc) error {
	key, p, err := parseFileSource(source)
	if err != nil {
		return err
	}
	info, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("error reading %s: %v", p, unwrapPathError(err))
	}
	if !info.IsDir() {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return add(key, data, true)
	}
	if strings.Contains(source, "=") {
		return fmt.Errorf("cannot give a key name for a directory path")
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return fmt.Errorf("error listing files in %s: %v", p, err)
	}
	for _, e := range entries { // by name, as os.ReadDir sorts them
		if !e.Type().IsRegular() {
			continue // subdirectories, links, sockets
		}
		data, err := os.ReadFile(filepath.Join(p, e.Name()))
		if err != nil {
			return err
		}
		if err := add(e.Name(), data, true); err != nil {
			return err
		}
	}
	return nil
}

// parseFileSource splits "key=path", or takes the base name of a bare
// path as its key.
func parseFileSource(source string) (key, p string, err error) {
	switch n := strings.Count(source, "="); {
	case n == 0:
		return path.Base(filepath.ToSlash(source)), source, nil
	case n > 1:
		return "", "", errors.New("key names or file paths cannot contain '='")
	case strings.HasPrefix(source, "="):
		return "", "", fmt.Errorf("key name for file path %v missing", source[1:])
	case strings.HasSuffix(source, "="):
		return "", "", fmt.Errorf("file path for key name %v missing", source[:len(source)-1])
	}
	key, p, _ = strings.Cut(source, "=")
	return key, p, nil
}

// utf8BOM may open an env file written on Windows.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readEnvFile reads KEY=value lines, skipping blank lines and # comments.
// Its keys must be environment variable names, since env files are
// meant to become a container's environment (envFrom).
func readEnvFile(p string, getenv func(string) string, add addFunc) error {
	info, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("error reading %s: %v", p, unwrapPathError(err))
	}
	if info.IsDir() {
		return fmt.Errorf("env config file cannot be a directory")
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for n := 1; scanner.Scan(); n++ {
		line := scanner.Bytes()
		if !utf8.Valid(line) {
			return fmt.Errorf("env file %s contains invalid utf8 bytes at line %d: %v", p, n, line)
		}
		if n == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		line = bytes.TrimLeftFunc(line, unicode.IsSpace)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, value, hasValue := strings.Cut(string(line), "=")
		if errs := api.IsEnvVarName(key); len(errs) > 0 {
			return fmt.Errorf("%q is not a valid key name: %s", key, strings.Join(errs, ";"))
		}
		if !hasValue {
			value = getenv(key) // "KEY" alone: the value kctl itself has
		}
		if err := add(key, []byte(value), false); err != nil {
			return err
		}
	}
	return scanner.Err()
}

// unwrapPathError drops the "stat PATH: " that the message already says.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// addToConfigMap puts each key into cm: text in data, a file that is not
// UTF-8 in binaryData.
func addToConfigMap(cm *api.ConfigMap) addFunc {
	return func(key string, value []byte, fromFile bool) error {
		if errs := api.IsConfigMapKey(key); len(errs) > 0 {
			return fmt.Errorf("%q is not a valid key name for a ConfigMap: %s", key, strings.Join(errs, ","))
		}
		if _, ok := cm.Data[key]; ok {
			return fmt.Errorf("cannot add key %q, another key by that name already exists in Data for ConfigMap %q", key, cm.Name)
		}
		if _, ok := cm.BinaryData[key]; ok {
			return fmt.Errorf("cannot add key %q, another key by that name already exists in BinaryData for ConfigMap %q", key, cm.Name)
		}
		if fromFile && !utf8.Valid(value) {
			cm.BinaryData[key] = value
		} else {
			cm.Data[key] = string(value)
		}
		return nil
	}
}
