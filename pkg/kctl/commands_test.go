package kctl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/printers"
)

// fakeAPI is a tiny in-memory apiserver: just enough GET, POST, PUT,
// PATCH and DELETE for the commands to run against. It records every
// request.
type fakeAPI struct {
	mu       sync.Mutex
	objects  map[string]string // URL path → JSON
	logs     map[string]string // URL path of pods/NAME/log → the log
	requests []fakeRequest
	warning  string // sent as a Warning header on every answer
	invalid  string // a PUT whose body holds this is refused as Invalid
	// before, if set, runs first on every request, with the lock held:
	// someone else's write between two of kctl's.
	before func(r *http.Request)
}

type fakeRequest struct{ method, path, query, contentType, body, authorization, accept string }

func newFakeAPI(t *testing.T) (*fakeAPI, string) {
	f := &fakeAPI{objects: map[string]string{}, logs: map[string]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, fakeRequest{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), string(body),
		r.Header.Get("Authorization"), r.Header.Get("Accept")})
	if f.before != nil {
		f.before(r)
	}
	if f.warning != "" {
		w.Header().Add("Warning", `299 - "`+strings.ReplaceAll(f.warning, `"`, `\"`)+`"`)
	}
	path := r.URL.Path
	obj, exists := f.objects[path]
	log, isLog := f.logs[path]
	switch {
	case r.Method == http.MethodGet && isLog:
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, log)
	case r.Method == http.MethodGet && exists && wantsTable(r):
		writeTable(w, r, resourceOfPath(path), []string{obj}, testNow)
	case r.Method == http.MethodGet && exists:
		writeFake(w, http.StatusOK, obj)
	case r.Method == http.MethodGet && isCollection(path):
		sel, err := api.ParseSelector(r.URL.Query().Get("labelSelector"))
		if err != nil {
			writeStatus(w, http.StatusBadRequest, "BadRequest", err.Error())
			return
		}
		var paths []string
		for p := range f.objects {
			if strings.HasPrefix(p, path+"/") && !strings.Contains(p[len(path)+1:], "/") {
				paths = append(paths, p)
			}
		}
		sort.Strings(paths) // the server lists by name
		var items []string
		for _, p := range paths {
			var m struct {
				Metadata struct{ Labels map[string]string } `json:"metadata"`
			}
			_ = json.Unmarshal([]byte(f.objects[p]), &m)
			if sel.Matches(m.Metadata.Labels) {
				items = append(items, f.objects[p])
			}
		}
		if wantsTable(r) {
			writeTable(w, r, lastSegment(path), items, testNow)
			return
		}
		writeFake(w, http.StatusOK, `{"kind":"List","metadata":{"resourceVersion":"1"},"items":[`+strings.Join(items, ",")+`]}`)
	case r.Method == http.MethodPost:
		var m struct {
			Metadata struct{ Name string } `json:"metadata"`
		}
		_ = json.Unmarshal(body, &m)
		key := path + "/" + m.Metadata.Name
		if _, taken := f.objects[key]; taken {
			writeStatus(w, http.StatusConflict, "AlreadyExists", fmt.Sprintf("%s %q already exists", lastSegment(path), m.Metadata.Name))
			return
		}
		f.objects[key] = string(body)
		writeFake(w, http.StatusCreated, string(body))
	case !exists:
		writeStatus(w, http.StatusNotFound, "NotFound", fmt.Sprintf("%s %q not found", lastSegment(filepath.Dir(path)), lastSegment(path)))
	case r.Method == http.MethodPut:
		f.put(w, path, obj, body)
	case r.Method == http.MethodPatch:
		var target, patch any
		_ = json.Unmarshal([]byte(obj), &target)
		_ = json.Unmarshal(body, &patch)
		b, _ := json.Marshal(mergePatch(target, patch))
		f.objects[path] = string(b)
		writeFake(w, http.StatusOK, string(b))
	case r.Method == http.MethodDelete:
		delete(f.objects, path)
		writeFake(w, http.StatusOK, `{"kind":"Status","apiVersion":"v1","status":"Success"}`)
	}
}

// put replaces an object as the apiserver does: only from its current
// resourceVersion, which it then bumps.
func (f *fakeAPI) put(w http.ResponseWriter, path, current string, body []byte) {
	var have, put map[string]any
	_ = json.Unmarshal([]byte(current), &have)
	if err := json.Unmarshal(body, &put); err != nil {
		writeStatus(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	name, kind := lastSegment(path), lastSegment(filepath.Dir(path))
	rv := func(m map[string]any) string {
		meta, _ := m["metadata"].(map[string]any)
		s, _ := meta["resourceVersion"].(string)
		return s
	}
	switch {
	case rv(put) != rv(have):
		writeStatus(w, http.StatusConflict, "Conflict", fmt.Sprintf("Operation cannot be fulfilled on %s %q: "+
			"the object has been modified; please apply your changes to the latest version and try again", kind, name))
		return
	case f.invalid != "" && strings.Contains(string(body), f.invalid):
		b, _ := json.Marshal(map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Invalid", "code": 422,
			"message": fmt.Sprintf("%s %q is invalid: spec: %s", kind, name, f.invalid),
			"details": map[string]any{"name": name, "causes": []any{map[string]any{"field": "spec", "message": "Invalid value: " + f.invalid}}}})
		writeFake(w, http.StatusUnprocessableEntity, string(b))
		return
	}
	n, _ := strconv.Atoi(rv(have))
	if meta, ok := put["metadata"].(map[string]any); ok {
		meta["resourceVersion"] = strconv.Itoa(n + 1)
	}
	b, _ := json.Marshal(put)
	f.objects[path] = string(b)
	writeFake(w, http.StatusOK, string(b))
}

// isCollection tells /api/v1/namespaces/ns/pods from .../pods/name: after
// the group and version, a collection has an odd number of segments.
func isCollection(path string) bool {
	rest := strings.TrimPrefix(path, "/api/v1/")
	if strings.HasPrefix(path, "/apis/") {
		rest = strings.Join(strings.Split(path, "/")[4:], "/")
	}
	return len(strings.Split(rest, "/"))%2 == 1
}

func lastSegment(path string) string { return path[strings.LastIndex(path, "/")+1:] }

// resourceOfPath is the resource an object's path is in: pods for
// /api/v1/namespaces/default/pods/kubia.
func resourceOfPath(path string) string { return lastSegment(filepath.Dir(path)) }

// wantsTable reports whether a request asks for a Table, as kctl get
// and kubectl do.
func wantsTable(r *http.Request) bool { return strings.Contains(r.Header.Get("Accept"), "as=Table") }

// writeTable answers with the Table of objects (JSON) of a resource, as
// the apiserver renders it (pkg/printers) at now, honouring includeObject.
func writeTable(w http.ResponseWriter, r *http.Request, resource string, objects []string, now time.Time) {
	res, ok := api.Lookup(resource)
	if !ok {
		writeStatus(w, http.StatusNotFound, "NotFound", "no resource "+resource)
		return
	}
	objs := make([]api.Object, len(objects))
	for i, o := range objects {
		objs[i] = res.New()
		if err := json.Unmarshal([]byte(o), objs[i]); err != nil {
			writeStatus(w, http.StatusInternalServerError, "InternalError", err.Error())
			return
		}
	}
	t, err := printers.NewTable(res.Kind, objs, now, printers.Options{IncludeObject: r.URL.Query().Get("includeObject")})
	if err != nil {
		writeStatus(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	t.Metadata.ResourceVersion = "1"
	b, _ := json.Marshal(t)
	writeFake(w, http.StatusOK, string(b))
}

// mergePatch applies a JSON merge patch, ignoring strategic directives;
// enough for what the tests check.
func mergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
		} else {
			tm[k] = mergePatch(tm[k], v)
		}
	}
	return tm
}

func writeFake(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, body)
}

func writeStatus(w http.ResponseWriter, code int, reason, msg string) {
	b, _ := json.Marshal(map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure",
		"reason": reason, "message": msg, "code": code})
	writeFake(w, code, string(b))
}

func (f *fakeAPI) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r.method == method {
			n++
		}
	}
	return n
}

func (f *fakeAPI) first(method string) fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.requests {
		if r.method == method {
			return r
		}
	}
	return fakeRequest{}
}

func (f *fakeAPI) last(method string) fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.requests) - 1; i >= 0; i-- {
		if f.requests[i].method == method {
			return f.requests[i]
		}
	}
	return fakeRequest{}
}

// kctl runs one command line against server and returns what it printed
// and its exit code.
func kctl(t *testing.T, server, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return kctlEnv(t, "", stdin, append([]string{"--server", server}, args...)...)
}

// kctlEnv runs one command line with kubeconfigEnv for $KUBECONFIG and no
// other kubeconfig to find: the machine's own (.kubelab/admin.conf,
// ~/.kube/config) must not leak into the tests.
func kctlEnv(t *testing.T, kubeconfigEnv, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(key string) string {
		if key == "KUBECONFIG" {
			return kubeconfigEnv
		}
		return os.Getenv(key) // $KUBE_EDITOR and the like, which tests set
	}
	cmd := newRootCommand(&globals{in: strings.NewReader(stdin), out: &out, errOut: &errOut, getenv: getenv, now: time.Now})
	cmd.SetArgs(args)
	code := Execute(cmd)
	return out.String(), errOut.String(), code
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const manifests = `apiVersion: v1
kind: Pod
metadata:
  name: kubia
  labels: {app: kubia}
spec:
  containers:
  - name: kubia
    image: kubelab/kubia:latest
---
apiVersion: v1
kind: Service
metadata:
  name: kubia
spec:
  selector: {app: kubia}
  ports:
  - port: 80
`

func TestApplyCreatesThenLeavesAloneThenPatches(t *testing.T) {
	fake, server := newFakeAPI(t)
	dir := t.TempDir()
	file := writeFile(t, dir, "app.yaml", manifests)

	out, errOut, code := kctl(t, server, "", "apply", "-f", file)
	if code != 0 || out != "pod/kubia created\nservice/kubia created\n" || errOut != "" {
		t.Fatalf("first apply: code %d, out %q, err %q", code, out, errOut)
	}
	if post := fake.last(http.MethodPost); !strings.Contains(post.body, lastAppliedAnnotation) || post.path != "/api/v1/namespaces/default/services" {
		t.Errorf("create did not record the manifest: %+v", post)
	}

	out, _, code = kctl(t, server, "", "apply", "-f", file)
	if code != 0 || out != "pod/kubia unchanged\nservice/kubia unchanged\n" || fake.count(http.MethodPatch) != 0 {
		t.Fatalf("second apply: code %d, out %q, %d patches", code, out, fake.count(http.MethodPatch))
	}

	changed := strings.Replace(manifests, "kubia:latest", "kubia:v2", 1)
	out, _, code = kctl(t, server, changed, "apply", "-f", "-")
	if code != 0 || out != "pod/kubia configured\nservice/kubia unchanged\n" {
		t.Fatalf("third apply: code %d, out %q", code, out)
	}
	patch := fake.last(http.MethodPatch)
	if patch.contentType != "application/strategic-merge-patch+json" || !strings.Contains(patch.body, `"image":"kubelab/kubia:v2"`) {
		t.Errorf("patch %+v", patch)
	}
}

func TestApplyGoesOnAfterABadObject(t *testing.T) {
	_, server := newFakeAPI(t)
	dir := t.TempDir()
	file := writeFile(t, dir, "mixed.yaml", "apiVersion: v1\nkind: Widget\nmetadata:\n  name: w\n---\n"+manifests)
	out, errOut, code := kctl(t, server, "", "apply", "-f", file)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if out != "pod/kubia created\nservice/kubia created\n" {
		t.Errorf("out %q", out)
	}
	if !strings.HasPrefix(errOut, "error: ") || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "Widget") {
		t.Errorf("err %q: want one error line about the Widget", errOut)
	}
}

func TestErrorLines(t *testing.T) {
	fake, server := newFakeAPI(t)
	fake.objects["/api/v1/namespaces/default/pods/kubia"] = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kubia","namespace":"default"}}`
	closed := closedAddress(t)
	tests := []struct {
		name    string
		server  string
		args    []string
		wantOut string
		wantErr string // a prefix of stderr, which must be one line
		code    int
	}{
		{"not found", server, []string{"get", "pod", "nope"}, "", `Error from server (NotFound): pods "nope" not found`, 1},
		{"some found", server, []string{"get", "pod", "kubia", "nope", "-o", "name"}, "pod/kubia\n", `Error from server (NotFound): pods "nope" not found`, 1},
		{"empty list", server, []string{"get", "services"}, "", "No resources found in default namespace.", 0},
		{"empty list, cluster-scoped", server, []string{"get", "nodes"}, "", "No resources found", 0},
		{"client-side error", server, []string{"get", "widgets"}, "", `error: the server doesn't have a resource type "widgets"`, 1},
		{"unreachable server", closed, []string{"get", "pods"}, "", "error: the server could not be reached at " + closed, 1},
		{"delete", server, []string{"delete", "pod", "kubia", "--cascade=orphan"}, "pod \"kubia\" deleted\n", "", 0},
		{"delete a missing one", server, []string{"delete", "pod", "kubia"}, "", `Error from server (NotFound): pods "kubia" not found`, 1},
		{"ignore not found", server, []string{"delete", "pod", "kubia", "--ignore-not-found"}, "", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := kctl(t, tt.server, "", tt.args...)
			if code != tt.code || out != tt.wantOut {
				t.Errorf("code %d, out %q; want %d, %q", code, out, tt.code, tt.wantOut)
			}
			if !strings.HasPrefix(errOut, tt.wantErr) || (tt.wantErr != "" && strings.Count(errOut, "\n") != 1) || (tt.wantErr == "" && errOut != "") {
				t.Errorf("stderr %q, want one line starting %q", errOut, tt.wantErr)
			}
		})
	}
	if del := fake.first(http.MethodDelete); !strings.Contains(del.body, `"propagationPolicy":"Orphan"`) {
		t.Errorf("delete body %s lacks the orphan policy", del.body)
	}
}

func TestServerWarningsArePrinted(t *testing.T) {
	fake, server := newFakeAPI(t)
	fake.warning = `unknown field "spec.foo"`
	_, errOut, _ := kctl(t, server, "", "get", "pods")
	if !strings.Contains(errOut, `Warning: unknown field "spec.foo"`+"\n") {
		t.Errorf("stderr %q", errOut)
	}
}

// closedAddress returns the URL of a port nothing listens on.
func closedAddress(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}
