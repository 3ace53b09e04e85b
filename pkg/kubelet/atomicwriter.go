package kubelet

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A container reads a projected volume while the kubelet rewrites it: a
// token refreshed every forty minutes, a ConfigMap changed by its owner.
// It must never see half of a new token, nor a new token beside an old
// CA. So the files are never changed in place. As Kubernetes' AtomicWriter
// (pkg/volume/util/atomic_writer.go) does, each version of the volume is
// a directory of its own, and one symlink says which version is current:
//
//	..2025_01_01_12_00_00.1234567/token      the files, written once
//	..data -> ..2025_01_01_12_00_00.1234567  swapped by rename(2), which is atomic
//	token -> ..data/token                    what the container opens
//
// A new version is written beside the old one, ..data is pointed at it in
// one rename, and the old one goes. A reader that opened token before the
// swap reads the old file to its end; one that opens it after reads the
// new one. The links are relative, so they resolve inside the container
// too, wherever the directory is mounted.

// dataDirName is the symlink to the current version.
const dataDirName = "..data"

// volumeFile is one file of a projected volume: its content and mode.
type volumeFile struct {
	data []byte
	mode fs.FileMode
}

// writeAtomic makes dir hold exactly files (by path relative to dir) as
// its current version, and reports whether anything changed: a volume
// whose content is what dir already holds is left alone. now names the
// new version's directory.
func writeAtomic(dir string, files map[string]volumeFile, now time.Time) (bool, error) {
	for p := range files {
		if err := checkVolumePath(p); err != nil {
			return false, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	old, err := os.Readlink(filepath.Join(dir, dataDirName))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	if old != "" && holds(filepath.Join(dir, old), files) {
		return false, nil
	}

	// 1. The new version, beside the old one.
	version, err := os.MkdirTemp(dir, now.UTC().Format("..2006_01_02_15_04_05."))
	if err != nil {
		return false, err
	}
	if err := writeVersion(version, files); err != nil {
		os.RemoveAll(version)
		return false, err
	}
	// 2. The swap: readers see the old version or the new one, whole.
	tmp := filepath.Join(dir, dataDirName+"_tmp")
	os.Remove(tmp) // left by a kubelet that died here
	if err := os.Symlink(filepath.Base(version), tmp); err != nil {
		os.RemoveAll(version)
		return false, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, dataDirName)); err != nil {
		os.Remove(tmp)
		os.RemoveAll(version)
		return false, err
	}
	// 3. The names the container opens, and no others.
	if err := linkTopLevel(dir, files); err != nil {
		return true, err
	}
	// 4. The old version, which no link leads to any more.
	if old != "" && old != filepath.Base(version) && strings.HasPrefix(old, "..") && !strings.Contains(old, "/") {
		if err := os.RemoveAll(filepath.Join(dir, old)); err != nil {
			return true, err
		}
	}
	return true, nil
}

// checkVolumePath refuses a path that would leave the volume or clash
// with the writer's own names (validation refuses them too).
func checkVolumePath(p string) error {
	switch {
	case p == "" || !filepath.IsLocal(p):
		return fmt.Errorf("file path %q: must be a relative path inside the volume", p)
	case strings.HasPrefix(p, ".."):
		return fmt.Errorf("file path %q: must not start with '..'", p)
	}
	return nil
}

// writeVersion writes files into the fresh directory version.
func writeVersion(version string, files map[string]volumeFile) error {
	if err := os.Chmod(version, 0o755); err != nil { // MkdirTemp makes it 0700
		return err
	}
	for p, f := range files {
		full := filepath.Join(version, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("file path %q: %w", p, err)
		}
		if err := os.WriteFile(full, f.data, f.mode); err != nil {
			return fmt.Errorf("file path %q: %w", p, err)
		}
		if err := os.Chmod(full, f.mode); err != nil { // past the umask
			return err
		}
	}
	return nil
}

// holds reports whether the directory version has exactly files, with
// the same content and modes.
func holds(version string, files map[string]volumeFile) bool {
	seen := 0
	err := filepath.WalkDir(version, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(version, path)
		f, ok := files[filepath.ToSlash(rel)]
		if !ok {
			return fs.ErrExist // a file the new version does not have
		}
		info, err := d.Info()
		if err != nil || info.Mode().Perm() != f.mode.Perm() {
			return fs.ErrExist
		}
		b, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(b, f.data) {
			return fs.ErrExist
		}
		seen++
		return nil
	})
	return err == nil && seen == len(files)
}

// linkTopLevel points each first component of the files' paths at
// ..data, and removes the links of names the volume no longer has.
func linkTopLevel(dir string, files map[string]volumeFile) error {
	want := map[string]bool{}
	for p := range files {
		top, _, _ := strings.Cut(filepath.ToSlash(p), "/")
		want[top] = true
	}
	for name := range want {
		link, target := filepath.Join(dir, name), filepath.Join(dataDirName, name)
		if got, err := os.Readlink(link); err == nil && got == target {
			continue
		}
		os.Remove(link)
		if err := os.Symlink(target, link); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !want[e.Name()] && !strings.HasPrefix(e.Name(), "..") && e.Type()&fs.ModeSymlink != 0 {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
