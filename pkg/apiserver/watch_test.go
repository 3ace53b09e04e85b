package apiserver

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// watchStream opens a watch and returns a function that reads the next event.
func (ts *testServer) watch(path string) func() (string, api.Pod, api.Status) {
	ts.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ts.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.http.URL+path, nil)
	resp, err := ts.client.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		ts.t.Fatalf("watch %s: %d", path, resp.StatusCode)
	}
	ts.t.Cleanup(func() { resp.Body.Close() })
	lines := make(chan []byte)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			lines <- append([]byte(nil), sc.Bytes()...)
		}
		close(lines)
	}()
	return func() (string, api.Pod, api.Status) {
		ts.t.Helper()
		select {
		case line, ok := <-lines:
			if !ok {
				ts.t.Fatal("watch stream ended")
			}
			var ev struct {
				Type   string          `json:"type"`
				Object json.RawMessage `json:"object"`
			}
			json.Unmarshal(line, &ev)
			var pod api.Pod
			var st api.Status
			json.Unmarshal(ev.Object, &pod)
			json.Unmarshal(ev.Object, &st)
			return ev.Type, pod, st
		case <-time.After(5 * time.Second):
			ts.t.Fatal("no watch event within 5s")
		}
		return "", api.Pod{}, api.Status{}
	}
}

func TestWatchFromResourceVersion(t *testing.T) {
	ts := newTestServer(t)
	var first api.Pod
	ts.must(http.StatusCreated, "POST", podsPath, testPod("before")).into(t, &first)
	next := ts.watch(podsPath + "?watch=true&resourceVersion=" + first.ResourceVersion)

	ts.must(http.StatusCreated, "POST", podsPath, testPod("a"))
	var a api.Pod
	ts.must(http.StatusOK, "GET", podsPath+"/a", nil).into(t, &a)
	a.Labels["v"] = "2"
	ts.must(http.StatusOK, "PUT", podsPath+"/a", &a)
	ts.must(http.StatusOK, "DELETE", podsPath+"/a", nil)

	want := []string{"ADDED", "MODIFIED", "DELETED"}
	var lastRV int64
	for _, w := range want {
		typ, pod, _ := next()
		if typ != w || pod.Name != "a" {
			t.Fatalf("got %s %s, want %s a", typ, pod.Name, w)
		}
		rv, _ := strconv.ParseInt(pod.ResourceVersion, 10, 64)
		if rv <= lastRV {
			t.Fatalf("resourceVersion did not increase: %d after %d", rv, lastRV)
		}
		lastRV = rv
	}
}

func TestWatchWithoutResourceVersionReplaysState(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", podsPath, testPod("old"))
	next := ts.watch(podsPath + "?watch=true")
	if typ, pod, _ := next(); typ != "ADDED" || pod.Name != "old" {
		t.Fatalf("replay: %s %s", typ, pod.Name)
	}
	ts.must(http.StatusCreated, "POST", podsPath, testPod("new"))
	if typ, pod, _ := next(); typ != "ADDED" || pod.Name != "new" {
		t.Fatalf("live: %s %s", typ, pod.Name)
	}
}

func TestWatchSendInitialEventsEndsWithBookmark(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", podsPath, testPod("old"))
	next := ts.watch(podsPath + "?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan")
	if typ, _, _ := next(); typ != "ADDED" {
		t.Fatalf("first event %s", typ)
	}
	typ, pod, _ := next()
	if typ != "BOOKMARK" || pod.Annotations["k8s.io/initial-events-end"] != "true" || pod.ResourceVersion == "" {
		t.Fatalf("bookmark: %s %+v", typ, pod.ObjectMeta)
	}
}

func TestWatchSelectorTransitions(t *testing.T) {
	ts := newTestServer(t)
	var rv api.List[api.Pod]
	ts.must(http.StatusOK, "GET", podsPath, nil).into(t, &rv)
	next := ts.watch(podsPath + "?watch=true&labelSelector=tier%3Dweb&resourceVersion=" + rv.Metadata.ResourceVersion)
	var p api.Pod
	ts.must(http.StatusCreated, "POST", podsPath, testPod("p")).into(t, &p)
	p.Labels["tier"] = "web"
	ts.must(http.StatusOK, "PUT", podsPath+"/p", &p).into(t, &p)
	if typ, _, _ := next(); typ != "ADDED" {
		t.Fatalf("starting to match: %s, want ADDED", typ)
	}
	p.Labels["tier"] = "db"
	ts.must(http.StatusOK, "PUT", podsPath+"/p", &p)
	if typ, _, _ := next(); typ != "DELETED" {
		t.Fatalf("stopping to match: %s, want DELETED", typ)
	}
}

// A watch from a compacted revision gets 410 Gone. (Of a resource no one
// watches yet: the pods the authorizers watch have a shared watch whose
// window still holds those revisions, and serves them, as Kubernetes'
// watch cache does.)
func TestWatchCompactedRevisionIsGone(t *testing.T) {
	ts := newTestServer(t)
	const cmPath = "/api/v1/namespaces/default/configmaps"
	var cm api.ConfigMap
	ts.must(http.StatusCreated, "POST", cmPath, &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "c", Labels: map[string]string{}}}).into(t, &cm)
	old := cm.ResourceVersion
	for i := 0; i < 3; i++ {
		cm.Labels = map[string]string{"i": strconv.Itoa(i)}
		cm.ResourceVersion = ""
		ts.must(http.StatusOK, "PUT", cmPath+"/c", &cm).into(t, &cm)
	}
	rev, _ := strconv.ParseInt(cm.ResourceVersion, 10, 64)
	if err := ts.store.Compact(context.Background(), rev); err != nil {
		t.Fatal(err)
	}
	next := ts.watch(cmPath + "?watch=true&resourceVersion=" + old)
	typ, _, st := next()
	if typ != "ERROR" || st.Code != http.StatusGone || st.Reason != "Expired" {
		t.Fatalf("got %s %+v, want ERROR 410", typ, st)
	}
}

// A watch with a field selector is not woken for the objects it does
// not match (store.WatchMatching), and its bookmarks still carry the
// latest revision, past those objects' writes, so that a client that
// watches again from it does not go back over them.
func TestWatchSelectedBookmarksMoveOn(t *testing.T) {
	defer func(d time.Duration) { bookmarkEvery = d }(bookmarkEvery)
	bookmarkEvery = 200 * time.Millisecond
	ts := newTestServer(t)
	created := ts.must(http.StatusCreated, "POST", podsPath, testPod("first"))
	var first api.Pod
	created.into(t, &first)
	next := ts.watch(podsPath + "?watch=true&allowWatchBookmarks=true&fieldSelector=spec.nodeName%3Dn1&resourceVersion=" + first.ResourceVersion)
	ts.must(http.StatusCreated, "POST", podsPath, testPod("elsewhere"))
	mine := testPod("mine")
	mine.Spec.NodeName = "n1"
	ts.must(http.StatusCreated, "POST", podsPath, mine)
	if typ, pod, _ := next(); typ != api.Added || pod.Name != "mine" {
		t.Fatalf("got %s %s, want ADDED mine", typ, pod.Name)
	}
	var later api.Pod
	ts.must(http.StatusCreated, "POST", podsPath, testPod("later")).into(t, &later)
	want, _ := strconv.ParseInt(later.ResourceVersion, 10, 64)
	// A bookmark may come between the two creates; the next ones must
	// reach the last write, which the watch does not match.
	for range 5 {
		typ, pod, _ := next()
		if typ != api.Bookmark {
			t.Fatalf("got %s %s, want only bookmarks", typ, pod.Name)
		}
		if got, _ := strconv.ParseInt(pod.ResourceVersion, 10, 64); got >= want {
			return
		}
	}
	t.Errorf("no bookmark reached %d", want)
}
