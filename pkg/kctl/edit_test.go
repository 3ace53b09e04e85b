package kctl

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const rsPath = "/apis/apps/v1/namespaces/default/replicasets/kubia"

const rsJSON = `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"kubia","namespace":"default","resourceVersion":"5","uid":"u1"},
	"spec":{"replicas":1,"selector":{"matchLabels":{"app":"kubia"}},
	"template":{"metadata":{"labels":{"app":"kubia"}},"spec":{"containers":[{"name":"kubia","image":"kubelab/kubia"}]}}}}`

// editorScript writes a shell script for $KUBE_EDITOR; it gets the file
// to edit as $1.
func editorScript(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "editor.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\nset -e\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEdit(t *testing.T) {
	tests := []struct {
		name   string
		script string
		args   []string // default: edit rs kubia
		setup  func(f *fakeAPI)
		out    string
		errOut string // "FILE" stands for the kept file's path
		code   int
		puts   []string // what the PUTs sent contain, in order
		kept   []string // what the kept file holds; nil when no file is kept
	}{
		{name: "a change is saved", script: `sed -i 's/replicas: 1/replicas: 3/' "$1"`,
			out: "replicaset.apps/kubia edited\n", puts: []string{`"replicas":3`}},
		{name: "the resourceVersion read goes along", script: `sed -i 's/replicas: 1/replicas: 3/' "$1"`,
			out: "replicaset.apps/kubia edited\n", puts: []string{`"resourceVersion":"5"`}},
		{name: "no change", script: `true`, errOut: "Edit cancelled, no changes made.\n"},
		{name: "only comments changed", script: `echo '# a note' >>"$1"`, errOut: "Edit cancelled, no changes made.\n"},
		{name: "an empty file", script: `: >"$1"`, errOut: "Edit cancelled, saved file was empty.\n"},
		{name: "invalid, then given up", script: `sed -i 's/replicas: 1/replicas: -1/' "$1"`,
			setup: func(f *fakeAPI) { f.invalid = `"replicas":-1` },
			errOut: "error: replicasets.apps \"kubia\" is invalid\n" +
				"A copy of your changes has been stored to \"FILE\"\nerror: Edit cancelled, no valid changes were saved.\n",
			code: 1, puts: []string{`"replicas":-1`},
			kept: []string{"# replicasets.apps \"kubia\" was not valid:\n# * spec: Invalid value: \"replicas\":-1\n#\n", "replicas: -1"}},
		{name: "invalid, then fixed", script: `if grep -q 'was not valid' "$1"; then sed -i 's/replicas: -1/replicas: 2/' "$1"; else sed -i 's/replicas: 1/replicas: -1/' "$1"; fi`,
			setup:  func(f *fakeAPI) { f.invalid = `"replicas":-1` },
			out:    "replicaset.apps/kubia edited\n",
			errOut: "error: replicasets.apps \"kubia\" is invalid\n",
			puts:   []string{`"replicas":-1`, `"replicas":2`}},
		{name: "bad YAML, then given up", script: `grep -q 'syntax error' "$1" || echo 'spec: [' >>"$1"`,
			errOut: "A copy of your changes has been stored to \"FILE\"\nerror: Edit cancelled, no valid changes were saved.\n", code: 1,
			kept: []string{"# The edited file had a syntax error: "}},
		{name: "a conflict", script: `sed -i 's/replicas: 1/replicas: 3/' "$1"`,
			setup: func(f *fakeAPI) {
				f.before = func(r *http.Request) { // someone scales it while the editor is open
					if r.Method == http.MethodPut {
						f.objects[rsPath] = strings.Replace(f.objects[rsPath], `"resourceVersion":"5"`, `"resourceVersion":"6"`, 1)
					}
				}
			},
			errOut: "error: replicasets.apps \"kubia\" could not be patched: Operation cannot be fulfilled on replicasets \"kubia\": " +
				"the object has been modified; please apply your changes to the latest version and try again\n" +
				"A copy of your changes has been stored to \"FILE\"\n",
			code: 1, puts: []string{`"replicas":3`}, kept: []string{"replicas: 3"}},
		{name: "deleted meanwhile", script: `sed -i 's/replicas: 1/replicas: 3/' "$1"`,
			setup: func(f *fakeAPI) {
				f.before = func(r *http.Request) {
					if r.Method == http.MethodPut {
						delete(f.objects, rsPath)
					}
				}
			},
			errOut: "error: replicasets.apps \"kubia\" could not be found on the server\n" +
				"The edits you made on deleted resources have been saved to \"FILE\"\n",
			code: 1, puts: []string{`"replicas":3`}, kept: []string{"replicas: 3"}},
		{name: "renamed", script: `sed -i 's/^  name: kubia/  name: other/' "$1"`,
			errOut: "A copy of your changes has been stored to \"FILE\"\nerror: At least one of apiVersion, kind and name was changed\n",
			code:   1, kept: []string{"name: other"}},
		{name: "two objects, one changed", args: []string{"edit", "rs/kubia", "pod/kubia"},
			script: `sed -i 's/image: kubelab\/kubia:v1/image: kubelab\/kubia:v2/' "$1"`,
			out:    "replicaset.apps/kubia skipped\npod/kubia edited\n", puts: []string{`"image":"kubelab/kubia:v2"`}},
		{name: "the editor fails", script: `exit 3`, code: 1,
			errOut: "error: there was a problem with the editor \"EDITOR\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			fake.objects[rsPath] = rsJSON
			fake.objects["/api/v1/namespaces/default/pods/kubia"] = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kubia","namespace":"default","resourceVersion":"3"},
				"spec":{"containers":[{"name":"kubia","image":"kubelab/kubia:v1"}]}}`
			if tt.setup != nil {
				tt.setup(fake)
			}
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			editor := editorScript(t, tt.script)
			t.Setenv("KUBE_EDITOR", editor)
			args := tt.args
			if args == nil {
				args = []string{"edit", "rs", "kubia"}
			}
			out, errOut, code := kctl(t, server, "", args...)

			files, _ := filepath.Glob(filepath.Join(tmp, "kctl-edit-*.yaml"))
			kept := ""
			if len(files) == 1 {
				kept = files[0]
			}
			want := strings.NewReplacer("FILE", kept, "EDITOR", editor).Replace(tt.errOut)
			if out != tt.out || errOut != want || code != tt.code {
				t.Errorf("got %q %q exit %d, want %q %q exit %d", out, errOut, code, tt.out, want, tt.code)
			}
			switch {
			case tt.kept == nil && len(files) != 0:
				t.Errorf("left %q behind", files)
			case tt.kept != nil && len(files) != 1:
				t.Errorf("kept %q, want one file", files)
			case tt.kept != nil:
				b, _ := os.ReadFile(kept)
				for _, w := range tt.kept {
					if !strings.Contains(string(b), w) {
						t.Errorf("the kept file lacks %q:\n%s", w, b)
					}
				}
			}
			var puts []string
			for _, r := range fake.requests {
				if r.method == http.MethodPut {
					puts = append(puts, r.body)
				}
			}
			if len(puts) != len(tt.puts) {
				t.Fatalf("PUTs %q, want %d", puts, len(tt.puts))
			}
			for i, w := range tt.puts {
				if !strings.Contains(puts[i], w) {
					t.Errorf("PUT %d %s lacks %s", i, puts[i], w)
				}
			}
		})
	}
}

func TestFindEditor(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"nothing set", nil, []string{"vi"}},
		{"EDITOR", map[string]string{"EDITOR": "nano"}, []string{"nano"}},
		{"KUBE_EDITOR first", map[string]string{"KUBE_EDITOR": "vim", "EDITOR": "nano"}, []string{"vim"}},
		{"arguments", map[string]string{"EDITOR": "code --wait"}, []string{"code", "--wait"}},
		{"quotes go to the shell", map[string]string{"EDITOR": `emacs -nw "-q"`, "SHELL": "/bin/sh"}, []string{"/bin/sh", "-c", `emacs -nw "-q"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := findEditor(func(k string) string { return tt.env[k] })
			if strings.Join(e.args, "|") != strings.Join(tt.args, "|") {
				t.Errorf("args %q, want %q", e.args, tt.args)
			}
		})
	}
}
