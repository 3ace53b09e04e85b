package dashboard

import (
	"encoding/json"
	htmlpkg "html"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// staticCache is a cache of fixed objects that a test changes by hand.
type staticCache struct {
	mu    sync.Mutex
	items map[string]api.Object
}

var _ cache = (*staticCache)(nil)

func (s *staticCache) List() []api.Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]api.Object, 0, len(s.items))
	for _, k := range slices.Sorted(maps.Keys(s.items)) {
		out = append(out, s.items[k])
	}
	return out
}

func (s *staticCache) Get(key string) (api.Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.items[key]
	return o, ok
}

func (s *staticCache) put(obj api.Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.items == nil {
		s.items = map[string]api.Object{}
	}
	api.SetTypeMeta(obj)
	s.items[client.KeyOf(obj)] = obj
}

func (s *staticCache) remove(obj api.Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.items, client.KeyOf(obj))
}

// fixture is a dashboard over static caches, served by httptest, with a
// fake apiserver behind its viewers' actions.
type fixture struct {
	t      *testing.T
	d      *Dashboard
	caches map[string]*staticCache // by resource
	srv    *httptest.Server        // the dashboard
	api    *fakeAPI
}

func newFixture(t *testing.T, objs ...api.Object) *fixture {
	t.Helper()
	f := &fixture{t: t, caches: map[string]*staticCache{}, api: newFakeAPI(t)}
	cs := &caches{}
	for _, w := range watched {
		sc := &staticCache{}
		f.caches[w.resource] = sc
		*w.field(cs) = sc
	}
	for _, o := range objs {
		f.put(o)
	}
	d, err := newDashboard(deps{caches: cs, hub: newHub(), synced: func() bool { return true },
		viewers: newViewerAPI(f.api.srv.URL, nil)})
	if err != nil {
		t.Fatal(err)
	}
	d.now = func() time.Time { return testNow }
	f.d = d
	f.srv = httptest.NewServer(d.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// put adds or replaces an object and tells the hub, as an informer would.
func (f *fixture) put(obj api.Object) {
	res, ok := api.ResourceOf(obj)
	if !ok {
		f.t.Fatalf("%T is not a kind", obj)
	}
	sc := f.caches[res.Name]
	old, had := sc.Get(client.KeyOf(obj))
	sc.put(obj)
	if f.d != nil {
		op := opAdded
		if had {
			op = opModified
		} else {
			old = nil
		}
		f.d.hub.publish(changeOf(op, old, obj))
	}
}

// remove deletes an object and tells the hub.
func (f *fixture) remove(obj api.Object) {
	res, _ := api.ResourceOf(obj)
	f.caches[res.Name].remove(obj)
	f.d.hub.publish(changeOf(opDeleted, obj, nil))
}

// browser is an HTTP client that keeps cookies, as a browser does.
type browser struct {
	t *testing.T
	f *fixture
	c *http.Client
}

func (f *fixture) browser() *browser {
	jar := &cookieJar{cookies: map[string]*http.Cookie{}}
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: f.t, f: f, c: c}
}

// get fetches a page and returns its status and body.
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.f.srv.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// post sends a form, as the dashboard's own page would: with the CSRF
// token of the cookie (fetched with a page first) and its own Origin.
func (b *browser) post(path string, form url.Values) *http.Response {
	b.t.Helper()
	if form.Get("csrf") == "" {
		form.Set("csrf", b.csrf())
	}
	req, _ := http.NewRequest(http.MethodPost, b.f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.f.srv.URL)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// csrf is the CSRF token of the browser's cookie, fetching a page for it.
func (b *browser) csrf() string {
	u, _ := url.Parse(b.f.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == csrfCookie {
			return c.Value
		}
	}
	b.get("/")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == csrfCookie {
			return c.Value
		}
	}
	b.t.Fatal("no CSRF cookie")
	return ""
}

// signIn signs the browser in with token.
func (b *browser) signIn(token string) {
	b.t.Helper()
	resp := b.post("/login", url.Values{"token": {token}, "return": {"/"}})
	if resp.StatusCode != http.StatusSeeOther {
		body, _ := io.ReadAll(resp.Body)
		b.t.Fatalf("sign in: %d %s", resp.StatusCode, body)
	}
}

// cookieJar is a minimal jar for one host: the test server's.
type cookieJar struct {
	mu      sync.Mutex
	cookies map[string]*http.Cookie
}

func (j *cookieJar) SetCookies(_ *url.URL, cs []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range cs {
		if c.MaxAge < 0 {
			delete(j.cookies, c.Name)
			continue
		}
		j.cookies[c.Name] = c
	}
}

func (j *cookieJar) Cookies(*url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []*http.Cookie
	for _, c := range j.cookies {
		out = append(out, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	return out
}

// fakeAPI is an apiserver that records what viewers' requests carry and
// answers from a table.
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	requests []recorded
	answers  map[string]answer // "METHOD path" → answer
}

type recorded struct {
	Method, Path, Auth, ContentType, Body string
	ClientCert                            bool
}

type answer struct {
	code int
	body any
}

// Tokens the fake knows.
const (
	goodToken = "token-of-alice"
	userAlice = "system:serviceaccount:default:alice"
)

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, answers: map[string]answer{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) answer(method, path string, code int, body any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[method+" "+path] = answer{code, body}
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, recorded{Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization"),
		ContentType: r.Header.Get("Content-Type"), Body: string(body), ClientCert: r.TLS != nil && len(r.TLS.PeerCertificates) > 0})
	a, ok := f.answers[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+goodToken {
		writeJSON(w, http.StatusUnauthorized, api.Status{Message: "Unauthorized", Reason: "Unauthorized", Code: 401})
		return
	}
	if r.URL.Path == "/apis/authentication.k8s.io/v1/selfsubjectreviews" {
		writeJSON(w, http.StatusCreated, api.SelfSubjectReview{Status: api.SelfSubjectReviewStatus{UserInfo: api.UserInfo{Username: userAlice}}})
		return
	}
	if !ok {
		writeJSON(w, http.StatusNotFound, api.Status{Message: "not found", Reason: "NotFound", Code: 404})
		return
	}
	if text, ok := a.body.(string); ok { // a log
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(a.code)
		io.WriteString(w, text)
		return
	}
	writeJSON(w, a.code, a.body)
}

// sent returns the requests other than sign-in checks.
func (f *fakeAPI) sent() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recorded
	for _, r := range f.requests {
		if !strings.HasSuffix(r.Path, "/selfsubjectreviews") {
			out = append(out, r)
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// Objects for the tests.

func node(name string, ready bool, cpu, mem string) *api.Node {
	status := api.ConditionFalse
	if ready {
		status = api.ConditionTrue
	}
	alloc := api.ResourceList{"cpu": api.MustParse(cpu), "memory": api.MustParse(mem), "pods": api.MustParse("110")}
	return &api.Node{ObjectMeta: api.ObjectMeta{Name: name}, Status: api.NodeStatus{Allocatable: alloc, Capacity: alloc,
		Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: status}},
		NodeInfo:   api.NodeSystemInfo{ContainerRuntimeVersion: "fake://1"}}}
}

func pod(ns, name, nodeName, phase string, ready bool, owner string) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name, UID: "uid-" + name,
		CreationTimestamp: api.NewTime(testNow.Add(-time.Minute))},
		Spec: api.PodSpec{NodeName: nodeName, Containers: []api.Container{{Name: "app", Image: "kubelab/kubia:latest",
			Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse("500m"), "memory": api.MustParse("256Mi")}}}}},
		Status: api.PodStatus{Phase: phase}}
	if owner != "" {
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: owner, UID: "uid-" + owner, Controller: api.Bool(true)}}
	}
	if phase == api.PodRunning {
		cond := api.ConditionFalse
		if ready {
			cond = api.ConditionTrue
		}
		p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: cond}}
		p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "app", Ready: ready, State: api.ContainerState{Running: &api.ContainerStateRunning{}}}}
	}
	return p
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// text is html with its tags out and its spaces squeezed, for matching.
func text(html string) string {
	return strings.Join(strings.Fields(htmlpkg.UnescapeString(tagRE.ReplaceAllString(html, " "))), " ")
}
