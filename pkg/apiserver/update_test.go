package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// Writers without a precondition never get 409: when another writer wins
// the race between read and write, the apiserver reads again and retries,
// as Kubernetes' GuaranteedUpdate does. Each patcher here counts in its
// own annotation and adds to a shared list with a JSON patch at "-", so a
// lost update would show as a missing element. The patches also carry an
// unknown field: each answer has its warning once, however often the
// update was retried.
func TestConcurrentPatchersAllSucceed(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/configmaps",
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"counter","finalizers":["a/first"]}}`)
	const patchers, rounds = 20, 5
	var wg sync.WaitGroup
	errs := make(chan string, patchers*rounds)
	for p := range patchers {
		wg.Go(func() {
			for i := range rounds {
				var patch, ct string
				if i%2 == 0 {
					patch, ct = fmt.Sprintf(`[{"op":"add","path":"/metadata/finalizers/-","value":"a/p%d-%d"},`+
						`{"op":"add","path":"/metadata/typo","value":1}]`, p, i), jsonPatch
				} else {
					patch, ct = fmt.Sprintf(`{"metadata":{"annotations":{"p%d":"%d"},"typo":1}}`, p, i), mergePatch
				}
				r := ts.do("PATCH", "/api/v1/namespaces/default/configmaps/counter", patch, ct)
				if r.code != http.StatusOK {
					errs <- fmt.Sprintf("patcher %d round %d: %d %s", p, i, r.code, r.body)
				}
				if w := r.headers.Values("Warning"); len(w) != 1 || w[0] != `299 - "unknown field \"metadata.typo\""` {
					errs <- fmt.Sprintf("patcher %d round %d: warnings %q", p, i, w)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	var cm api.ConfigMap
	ts.must(http.StatusOK, "GET", "/api/v1/namespaces/default/configmaps/counter", nil).into(t, &cm)
	if got, want := len(cm.Finalizers), 1+patchers*((rounds+1)/2); got != want {
		t.Errorf("%d finalizers, want %d: an update was lost", got, want)
	}
	lastMerge := rounds - 1 // the odd rounds are merge patches
	if lastMerge%2 == 0 {
		lastMerge--
	}
	for p := range patchers {
		if got := cm.Annotations["p"+strconv.Itoa(p)]; got != strconv.Itoa(lastMerge) {
			t.Errorf("annotation p%d = %q, want %d, from its last merge patch", p, got, lastMerge)
		}
	}
}

// A PUT without a resourceVersion replaces whatever is current: under
// contention every one succeeds, and the object is one of them.
func TestConcurrentPutsWithoutResourceVersion(t *testing.T) {
	ts := newTestServer(t)
	const path = "/api/v1/namespaces/default/configmaps"
	ts.must(http.StatusCreated, "POST", path, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"last"}}`)
	const writers = 20
	var wg sync.WaitGroup
	codes := make(chan string, writers)
	for i := range writers {
		wg.Go(func() {
			body := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"last"},"data":{"writer":"%d"}}`, i)
			if r := ts.do("PUT", path+"/last", body); r.code != http.StatusOK {
				codes <- fmt.Sprintf("writer %d: %d %s", i, r.code, r.body)
			}
		})
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		t.Error(c)
	}
	var cm api.ConfigMap
	ts.must(http.StatusOK, "GET", path+"/last", nil).into(t, &cm)
	if n, err := strconv.Atoi(cm.Data["writer"]); err != nil || n < 0 || n >= writers {
		t.Fatalf("data = %v, want one writer's", cm.Data)
	}
}

// A write with a resourceVersion is conditional: it gets 409 at once,
// never a retry on the newer object.
func TestConditionalUpdateIsNotRetried(t *testing.T) {
	ts := newTestServer(t)
	var p api.Pod
	ts.must(http.StatusCreated, "POST", podsPath, testPod("p")).into(t, &p)
	ts.must(http.StatusOK, "PATCH", podsPath+"/p", `{"metadata":{"labels":{"x":"1"}}}`, mergePatch)
	patch := fmt.Sprintf(`{"metadata":{"resourceVersion":%q,"labels":{"x":"2"}}}`, p.ResourceVersion)
	ts.must(http.StatusConflict, "PATCH", podsPath+"/p", patch, mergePatch)
	p.Labels["x"] = "3"
	ts.must(http.StatusConflict, "PUT", podsPath+"/p", &p)
}

// The retries end with the request: a cancelled request stops retrying.
func TestRetryEndsWithTheRequest(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	r := newRetry(ctx)
	start := time.Now()
	n := 0
	for r.again(ctx) {
		n++
	}
	if elapsed := time.Since(start); elapsed > time.Second || n == 0 {
		t.Fatalf("%d retries in %s; want some, ending with the 20ms deadline", n, elapsed)
	}
}
