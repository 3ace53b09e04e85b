package runtime

import (
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"testing"
)

func TestPrepareHostPath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	missing := filepath.Join(dir, "missing")

	tests := []struct {
		name    string
		path    string
		typ     string
		wantErr string
		made    fs.FileMode // the mode of what should now exist; 0: nothing made
	}{
		{name: "no type, missing: nothing checked, nothing made", path: missing},
		{name: "Directory", path: dir, typ: "Directory"},
		{name: "Directory, a file", path: file, typ: "Directory", wantErr: "hostPath type check failed: " + file + " is not a directory"},
		{name: "Directory, missing", path: missing, typ: "Directory", wantErr: "hostPath type check failed: " + missing + " is not a directory"},
		{name: "DirectoryOrCreate, missing", path: filepath.Join(dir, "new", "sub"), typ: "DirectoryOrCreate", made: fs.ModeDir | 0o777},
		{name: "DirectoryOrCreate, a file", path: file, typ: "DirectoryOrCreate", wantErr: "hostPath type check failed: " + file + " is not a directory"},
		{name: "File", path: file, typ: "File"},
		{name: "File, a directory", path: dir, typ: "File", wantErr: "hostPath type check failed: " + dir + " is not a file"},
		{name: "FileOrCreate, missing", path: filepath.Join(dir, "d", "f"), typ: "FileOrCreate", made: 0o644},
		{name: "FileOrCreate, a directory", path: dir, typ: "FileOrCreate", wantErr: "hostPath type check failed: " + dir + " is not a file"},
		{name: "Socket", path: sock, typ: "Socket"},
		{name: "Socket, a file", path: file, typ: "Socket", wantErr: "hostPath type check failed: " + file + " is not a socket file"},
		{name: "CharDevice", path: "/dev/null", typ: "CharDevice"},
		{name: "CharDevice, a file", path: file, typ: "CharDevice", wantErr: "hostPath type check failed: " + file + " is not a character device"},
		{name: "BlockDevice, a char device", path: "/dev/null", typ: "BlockDevice", wantErr: "hostPath type check failed: /dev/null is not a block device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := PrepareHostPath(tt.path, tt.typ, 0o777)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if tt.made == 0 {
				return
			}
			fi, err := os.Stat(tt.path)
			if err != nil {
				t.Fatalf("not made: %v", err)
			}
			if fi.Mode() != tt.made {
				t.Errorf("made with mode %v, want %v", fi.Mode(), tt.made)
			}
		})
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("an untyped hostPath was made")
	}
}
