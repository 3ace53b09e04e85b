package kctl

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"kubelab/pkg/api"
)

// manifest is one object read from a -f source.
type manifest struct {
	source string // file name, "-" for stdin, used in errors
	obj    api.Object
	res    api.Resource
}

// manifestError is a document that could not be decoded; the other
// documents of the same run still go ahead.
type manifestError struct {
	source string
	err    error
}

func (e manifestError) Error() string { return fmt.Sprintf("error parsing %s: %v", e.source, e.err) }

// readManifests reads every -f source in order: a file, a directory (its
// .yaml, .yml and .json files, sorted; subdirectories too with recursive),
// or "-" for stdin. Each file may hold several YAML documents or a List.
// Decoding warnings (unknown fields) go to warn. A file that cannot be read
// at all is an error for the whole run, as in kubectl; a document that
// does not decode is returned in errs and the rest go ahead.
func readManifests(files []string, recursive bool, stdin io.Reader, warn func(string)) ([]manifest, []error, error) {
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("must specify -f FILENAME (a file, a directory or - for stdin)")
	}
	var paths []string
	for _, f := range files {
		if f == "-" {
			paths = append(paths, f)
			continue
		}
		found, err := expandPath(f, recursive)
		if err != nil {
			return nil, nil, err
		}
		paths = append(paths, found...)
	}
	var out []manifest
	var errs []error
	for _, path := range paths {
		data, err := readSource(path, stdin)
		if err != nil {
			return nil, nil, err
		}
		docs, err := api.SplitDocuments(data)
		if err != nil {
			errs = append(errs, manifestError{path, err})
			continue
		}
		for _, doc := range docs {
			obj, res, warnings, err := api.Decode(doc)
			for _, w := range warnings {
				warn(w)
			}
			if err != nil {
				errs = append(errs, manifestError{path, err})
				continue
			}
			out = append(out, manifest{source: path, obj: obj, res: res})
		}
	}
	return out, errs, nil
}

func readSource(path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(stdin)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the path %q cannot be read: %v", path, err)
	}
	return data, nil
}

// expandPath turns a -f argument into the files it names.
func expandPath(path string, recursive bool) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("the path %q does not exist", path)
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != path && !recursive {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the directory %q: %v", path, err)
	}
	sort.Strings(files)
	return files, nil
}

// setNamespace puts obj in its namespace: the manifest's own, else ns.
// A manifest namespace that contradicts an explicit -n is an error, as in
// kubectl. Cluster-scoped objects get none.
func setNamespace(obj api.Object, res api.Resource, ns string, explicit bool) error {
	meta := obj.GetObjectMeta()
	if !res.Namespaced {
		meta.Namespace = ""
		return nil
	}
	if meta.Namespace == "" {
		meta.Namespace = ns
		return nil
	}
	if explicit && meta.Namespace != ns {
		return fmt.Errorf("the namespace from the provided object %q does not match the namespace %q. You must pass '--namespace=%s' to perform this operation",
			meta.Namespace, ns, meta.Namespace)
	}
	return nil
}
