package kubelet

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// listDir names what dir holds: links as "name -> target", directories
// as "name/", the timestamped versions as "..version/".
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.Type()&os.ModeSymlink != 0:
			target, _ := os.Readlink(filepath.Join(dir, name))
			if strings.HasPrefix(target, "..20") {
				target = "..version"
			}
			out = append(out, name+" -> "+target)
		case strings.HasPrefix(name, "..20"):
			out = append(out, "..version/")
		default:
			out = append(out, name+"/")
		}
	}
	slices.Sort(out)
	return out
}

func TestWriteAtomic(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vol")
	write := func(files map[string]volumeFile, wantChanged bool) {
		t.Helper()
		changed, err := writeAtomic(dir, files, t0)
		if err != nil || changed != wantChanged {
			t.Fatalf("writeAtomic = %v, %v; want changed=%v", changed, err, wantChanged)
		}
	}
	v1 := map[string]volumeFile{
		"token":     {data: []byte("one"), mode: 0o644},
		"ca.crt":    {data: []byte("CA"), mode: 0o644},
		"db/pass":   {data: []byte("p"), mode: 0o400},
		"db/nested": {data: []byte("n"), mode: 0o644},
	}
	write(v1, true)
	wantStrings(t, "after the first write", listDir(t, dir), []string{
		"..data -> ..version", "..version/", "ca.crt -> ..data/ca.crt", "db -> ..data/db", "token -> ..data/token",
	})
	wantStrings(t, "files", readVolume(t, dir), []string{"ca.crt=CA (0644)", "db/nested=n (0644)", "db/pass=p (0400)", "token=one (0644)"})
	first, _ := os.Readlink(filepath.Join(dir, dataDirName))

	// The same content again is no write.
	write(v1, false)
	if now, _ := os.Readlink(filepath.Join(dir, dataDirName)); now != first {
		t.Errorf("..data moved to %s without a change", now)
	}

	// A reader of the old token reads it whole, after the swap too.
	f, err := os.Open(filepath.Join(dir, "token"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// A new token, db gone, a mode changed, a leftover of a crash.
	os.Symlink("nowhere", filepath.Join(dir, "..data_tmp"))
	write(map[string]volumeFile{"token": {data: []byte("two"), mode: 0o644}, "ca.crt": {data: []byte("CA"), mode: 0o600}}, true)
	wantStrings(t, "after the second write", listDir(t, dir), []string{"..data -> ..version", "..version/", "ca.crt -> ..data/ca.crt", "token -> ..data/token"})
	wantStrings(t, "files", readVolume(t, dir), []string{"ca.crt=CA (0600)", "token=two (0644)"})
	if now, _ := os.Readlink(filepath.Join(dir, dataDirName)); now == first {
		t.Error("..data still points at the first version")
	}
	if b, err := io.ReadAll(f); err != nil || string(b) != "one" {
		t.Errorf("the reader of the old token read %q, %v", b, err)
	}
	// A mode alone is a change too.
	write(map[string]volumeFile{"token": {data: []byte("two"), mode: 0o644}, "ca.crt": {data: []byte("CA"), mode: 0o644}}, true)
}

func TestWriteAtomicRefusesPathsOutside(t *testing.T) {
	for _, p := range []string{"", "/etc/passwd", "../up", "a/../../up", "..data", "..2025_01_01"} {
		t.Run(p, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "vol")
			_, err := writeAtomic(dir, map[string]volumeFile{p: {data: []byte("x"), mode: 0o644}}, time.Now())
			if err == nil {
				t.Fatalf("writeAtomic(%q) wrote", p)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left %v", entries)
			}
		})
	}
}
