package client

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// fakeAPIServer is just enough of the apiserver to test the client: core
// v1 resources kept as JSON maps, create/get/list/update/patch/delete, the
// binding and log subresources, and watches the test can break on purpose.
type fakeAPIServer struct {
	t   *testing.T
	srv *httptest.Server

	mu         sync.Mutex
	rv         int                       // the last resourceVersion handed out
	compacted  int                       // a watch from before this version gets 410
	objs       map[string]map[string]any // "resource/namespace/name" → object
	history    []fakeEvent               // every event a watch may replay
	watches    map[*fakeWatch]bool
	warning    string   // sent as a Warning header with every answer
	failLists  int      // the next this-many lists answer 500
	requests   []string // "METHOD /path?query"
	lastBody   []byte   // of the last request with a body
	lastCTypes []string // Content-Type of each request with a body
}

type fakeEvent struct {
	rv           int
	resource, ns string
	line         []byte
}

type fakeWatch struct {
	resource, ns string
	lines        chan []byte // closed to end the stream
}

func (w *fakeWatch) wants(resource, ns string) bool {
	return w.resource == resource && (w.ns == "" || w.ns == ns)
}

func newFakeAPIServer(t *testing.T) (*fakeAPIServer, *Client) {
	f := &fakeAPIServer{t: t, objs: map[string]map[string]any{}, watches: map[*fakeWatch]bool{}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(func() {
		f.dropWatches()
		f.srv.Close()
	})
	c, err := New(Config{Server: f.srv.URL, QPS: -1, Burst: -1})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func (f *fakeAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
	if len(body) > 0 {
		f.lastBody = body
		f.lastCTypes = append(f.lastCTypes, r.Header.Get("Content-Type"))
	}
	if f.warning != "" {
		w.Header().Add("Warning", `299 - "`+strings.ReplaceAll(f.warning, `"`, `\"`)+`"`)
	}
	f.mu.Unlock()

	resource, ns, name, sub := splitPath(r.URL.Path)
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodGet && name == "" && q.Get("watch") == "true":
		f.serveWatch(w, r, resource, ns)
	case r.Method == http.MethodGet && name == "":
		f.list(w, resource, ns, q)
	case r.Method == http.MethodGet && sub == "log":
		io.WriteString(w, "line 1\nline 2\n")
	case r.Method == http.MethodGet:
		f.get(w, resource, ns, name)
	case r.Method == http.MethodPost && sub == "binding":
		f.bind(w, ns, name, body)
	case r.Method == http.MethodPost:
		f.create(w, resource, ns, body)
	case r.Method == http.MethodPut:
		f.update(w, resource, ns, name, body)
	case r.Method == http.MethodPatch:
		f.patch(w, resource, ns, name, body)
	case r.Method == http.MethodDelete:
		f.delete(w, resource, ns, name)
	default:
		writeStatus(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method+" is not supported")
	}
}

// splitPath takes /api/v1/[namespaces/{ns}/]{resource}[/{name}[/{sub}]] apart.
func splitPath(p string) (resource, ns, name, sub string) {
	parts := strings.Split(strings.TrimPrefix(p, "/api/v1/"), "/")
	if len(parts) >= 3 && parts[0] == "namespaces" {
		ns, parts = parts[1], parts[2:]
	}
	parts = append(parts, "", "")
	return parts[0], ns, parts[1], parts[2]
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeStatus(w http.ResponseWriter, code int, reason, msg string) {
	writeJSON(w, code, api.Status{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status: "Failure", Reason: reason, Message: msg, Code: int32(code)})
}

func key(resource, ns, name string) string { return resource + "/" + ns + "/" + name }

func meta(obj map[string]any) map[string]any {
	m, _ := obj["metadata"].(map[string]any)
	if m == nil {
		m = map[string]any{}
		obj["metadata"] = m
	}
	return m
}

func (f *fakeAPIServer) list(w http.ResponseWriter, resource, ns string, q map[string][]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLists > 0 {
		f.failLists--
		writeStatus(w, http.StatusInternalServerError, "InternalError", "etcd is having a bad day")
		return
	}
	var items []map[string]any
	for _, k := range slices.Sorted(maps.Keys(f.objs)) {
		if r, n, _ := strings.Cut(k, "/"); r == resource && (ns == "" || strings.HasPrefix(n, ns+"/")) {
			items = append(items, f.objs[k])
		}
	}
	// Pages: the continue token is simply the offset of the next item.
	next := ""
	if limit, _ := strconv.Atoi(first(q["limit"])); limit > 0 {
		from, _ := strconv.Atoi(first(q["continue"]))
		to := min(from+limit, len(items))
		if to < len(items) {
			next = strconv.Itoa(to)
		}
		items = items[from:to]
	}
	res, _ := api.ForGroupResource("", "v1", resource)
	writeJSON(w, http.StatusOK, map[string]any{
		"apiVersion": "v1", "kind": res.Kind + "List",
		"metadata": map[string]any{"resourceVersion": strconv.Itoa(f.rv), "continue": next},
		"items":    items,
	})
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func (f *fakeAPIServer) get(w http.ResponseWriter, resource, ns, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	obj, ok := f.objs[key(resource, ns, name)]
	if !ok {
		writeStatus(w, http.StatusNotFound, "NotFound", fmt.Sprintf("%s %q not found", resource, name))
		return
	}
	writeJSON(w, http.StatusOK, obj)
}

func (f *fakeAPIServer) create(w http.ResponseWriter, resource, ns string, body []byte) {
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		writeStatus(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	name, _ := meta(obj)["name"].(string)
	if name == "" {
		writeJSON(w, http.StatusUnprocessableEntity, api.Status{Status: "Failure", Reason: "Invalid", Code: 422,
			Message: "metadata.name: Required value",
			Details: &api.StatusDetails{Causes: []api.StatusCause{{Type: "FieldValueRequired", Field: "metadata.name"}}}})
		return
	}
	if _, ok := f.objs[key(resource, ns, name)]; ok {
		writeStatus(w, http.StatusConflict, "AlreadyExists", fmt.Sprintf("%s %q already exists", resource, name))
		return
	}
	meta(obj)["namespace"] = ns
	meta(obj)["uid"] = "uid-" + name
	f.store(resource, ns, obj, api.Added)
	writeJSON(w, http.StatusCreated, obj)
}

func (f *fakeAPIServer) update(w http.ResponseWriter, resource, ns, name string, body []byte) {
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		writeStatus(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	old, ok := f.objs[key(resource, ns, name)]
	if !ok {
		writeStatus(w, http.StatusNotFound, "NotFound", fmt.Sprintf("%s %q not found", resource, name))
		return
	}
	if meta(obj)["resourceVersion"] != meta(old)["resourceVersion"] {
		writeStatus(w, http.StatusConflict, "Conflict", "the object has been modified; please apply your changes to the latest version and try again")
		return
	}
	meta(obj)["namespace"], meta(obj)["uid"] = ns, meta(old)["uid"]
	f.store(resource, ns, obj, api.Modified)
	writeJSON(w, http.StatusOK, obj)
}

func (f *fakeAPIServer) patch(w http.ResponseWriter, resource, ns, name string, body []byte) {
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		writeStatus(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	obj, ok := f.objs[key(resource, ns, name)]
	if !ok {
		writeStatus(w, http.StatusNotFound, "NotFound", fmt.Sprintf("%s %q not found", resource, name))
		return
	}
	obj = mergePatch(clone(obj), p)
	f.store(resource, ns, obj, api.Modified)
	writeJSON(w, http.StatusOK, obj)
}

// mergePatch applies an RFC 7386 merge patch.
func mergePatch(target, patch map[string]any) map[string]any {
	for k, v := range patch {
		pm, isMap := v.(map[string]any)
		tm, _ := target[k].(map[string]any)
		switch {
		case v == nil:
			delete(target, k)
		case isMap && tm != nil:
			target[k] = mergePatch(tm, pm)
		case isMap:
			target[k] = mergePatch(map[string]any{}, pm)
		default:
			target[k] = v
		}
	}
	return target
}

func clone(obj map[string]any) map[string]any {
	b, _ := json.Marshal(obj)
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

func (f *fakeAPIServer) delete(w http.ResponseWriter, resource, ns, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := key(resource, ns, name)
	obj, ok := f.objs[k]
	if !ok {
		writeStatus(w, http.StatusNotFound, "NotFound", fmt.Sprintf("%s %q not found", resource, name))
		return
	}
	delete(f.objs, k)
	f.rv++
	meta(obj)["resourceVersion"] = strconv.Itoa(f.rv)
	f.emit(resource, ns, api.Deleted, obj)
	writeJSON(w, http.StatusOK, api.Status{Status: "Success", Code: 200})
}

func (f *fakeAPIServer) bind(w http.ResponseWriter, ns, name string, body []byte) {
	var b api.Binding
	if err := json.Unmarshal(body, &b); err != nil {
		writeStatus(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	obj, ok := f.objs[key("pods", ns, name)]
	if !ok {
		writeStatus(w, http.StatusNotFound, "NotFound", fmt.Sprintf("pods %q not found", name))
		return
	}
	obj = mergePatch(clone(obj), map[string]any{"spec": map[string]any{"nodeName": b.Target.Name}})
	f.store("pods", ns, obj, api.Modified)
	writeJSON(w, http.StatusCreated, api.Status{Status: "Success", Code: 201})
}

// store saves obj with a new resourceVersion and tells the watches.
// The caller holds f.mu.
func (f *fakeAPIServer) store(resource, ns string, obj map[string]any, eventType string) {
	f.rv++
	meta(obj)["resourceVersion"] = strconv.Itoa(f.rv)
	f.objs[key(resource, ns, meta(obj)["name"].(string))] = obj
	f.emit(resource, ns, eventType, obj)
}

func (f *fakeAPIServer) emit(resource, ns, eventType string, obj map[string]any) {
	line, _ := json.Marshal(map[string]any{"type": eventType, "object": obj})
	f.history = append(f.history, fakeEvent{rv: f.rv, resource: resource, ns: ns, line: line})
	for w := range f.watches {
		if w.wants(resource, ns) {
			w.send(f.t, line)
		}
	}
}

func (w *fakeWatch) send(t *testing.T, line []byte) {
	select {
	case w.lines <- line:
	default:
		t.Errorf("fake watch buffer full")
	}
}

func (f *fakeAPIServer) serveWatch(w http.ResponseWriter, r *http.Request, resource, ns string) {
	from, _ := strconv.Atoi(r.URL.Query().Get("resourceVersion"))
	fw := &fakeWatch{resource: resource, ns: ns, lines: make(chan []byte, 1000)}
	f.mu.Lock()
	if from < f.compacted {
		fw.send(f.t, goneLine(from))
		close(fw.lines)
	} else {
		for _, ev := range f.history {
			if ev.rv > from && fw.wants(ev.resource, ev.ns) {
				fw.send(f.t, ev.line)
			}
		}
		f.watches[fw] = true
	}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.watches, fw)
		f.mu.Unlock()
	}()

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	for {
		select {
		case line, ok := <-fw.lines:
			if !ok {
				return
			}
			w.Write(append(line, '\n'))
			w.(http.Flusher).Flush()
		case <-r.Context().Done():
			return
		}
	}
}

func goneLine(rv int) []byte {
	line, _ := json.Marshal(map[string]any{"type": api.Error, "object": api.Status{
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"}, Status: "Failure", Reason: "Expired",
		Message: fmt.Sprintf("too old resource version: %d", rv), Code: http.StatusGone}})
	return line
}

// The test's levers.

// seed stores an object without telling any watch, as if the event had
// been missed.
func (f *fakeAPIServer) seed(resource string, obj api.Object) {
	b, _ := json.Marshal(obj)
	var m map[string]any
	json.Unmarshal(b, &m)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rv++
	meta(m)["resourceVersion"] = strconv.Itoa(f.rv)
	f.objs[key(resource, obj.GetObjectMeta().Namespace, obj.GetObjectMeta().Name)] = m
}

// unseed deletes an object without telling any watch.
func (f *fakeAPIServer) unseed(resource, ns, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rv++
	delete(f.objs, key(resource, ns, name))
}

// expire forgets the history, as etcd's compaction does, and ends every
// watch with a 410 ERROR event.
func (f *fakeAPIServer) expire() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.compacted, f.history = f.rv, nil
	for w := range f.watches {
		w.send(f.t, goneLine(f.rv))
		close(w.lines)
		delete(f.watches, w)
	}
}

// dropWatches ends every watch stream without a word.
func (f *fakeAPIServer) dropWatches() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for w := range f.watches {
		close(w.lines)
		delete(f.watches, w)
	}
}

func (f *fakeAPIServer) bookmark(rv string) {
	line, _ := json.Marshal(map[string]any{"type": api.Bookmark, "object": map[string]any{
		"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"resourceVersion": rv}}})
	f.mu.Lock()
	defer f.mu.Unlock()
	for w := range f.watches {
		w.send(f.t, line)
	}
}

func (f *fakeAPIServer) numWatches() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.watches)
}

func (f *fakeAPIServer) resourceVersion() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strconv.Itoa(f.rv)
}

// requestsMatching returns the recorded requests that contain s.
func (f *fakeAPIServer) requestsMatching(s string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		if strings.Contains(r, s) {
			out = append(out, r)
		}
	}
	return out
}

// events returns the stored Events, sorted by name.
func (f *fakeAPIServer) events() []api.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []api.Event
	for _, k := range slices.Sorted(maps.Keys(f.objs)) {
		if strings.HasPrefix(k, "events/") {
			var ev api.Event
			b, _ := json.Marshal(f.objs[k])
			json.Unmarshal(b, &ev)
			out = append(out, ev)
		}
	}
	return out
}

// Helpers shared by the tests.

func testPod(ns, name, node string) *api.Pod {
	p := &api.Pod{}
	p.Namespace, p.Name = ns, name
	p.Spec.NodeName = node
	p.Spec.Containers = []api.Container{{Name: "app", Image: "kubia"}}
	return p
}

// waitFor polls cond until it holds or a few seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
