package browser

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// TestDashboardInABrowser walks through the dashboard as a student would,
// in headless Chromium, against three simulated nodes: the map shows the
// nodes; a ReplicaSet applied through the API puts its pods on the map
// within a second, without a reload, and they get scheduled and ready; a
// cordoned node says so; a deleted pod leaves and its replacement
// arrives; the replacement's page shows the scheduling table (the cordoned
// node refused) and its events; actions are refused before signing in,
// then scale goes to the API as the viewer, and a cordon the viewer's
// role does not allow is refused by RBAC; the apply form shows the
// server's field error beside its line, and applies examples/replicaset.yaml;
// the map works in a narrow window and a wide one. The map's screenshot is
// saved under the test's temp dir, or $DASHBOARD_SCREENSHOTS.
func TestDashboardInABrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a cluster and a browser")
	}
	if chromium() == "" {
		t.Skip("no Chromium: apt-get install chromium to run the browser tests")
	}
	cl := startCluster(t, 3)
	base := cl.startDashboard()
	waitReady(t, base)
	p := openBrowser(t, base)
	shots := screenshotDir(t)

	// The map shows the nodes.
	p.open("/?ns=default")
	p.waitFor("three node columns", `document.querySelectorAll("section.node[data-node]").length === 3`, 10*time.Second)
	if got := eval[[]string](p, `[...document.querySelectorAll("section.node")].map(s => s.dataset.node + " " + s.querySelector("[data-status]").textContent)`); !slices.Equal(got, []string{"sim-1 Ready", "sim-2 Ready", "sim-3 Ready"}) {
		t.Fatalf("the map's nodes: %v", got)
	}

	// A ReplicaSet applied through the API: its pods are on the map within
	// a second of their creation, on the same page.
	trackCards(p)
	added := watchPods(t, cl, "default")
	cl.create(replicaSet("default", "web", 3))
	p.waitFor("three web cards", `document.querySelectorAll('[data-pod^="default/web-"]').length === 3`, 10*time.Second)
	seen := eval[map[string]float64](p, `window.__seen`)
	for _, pod := range cl.pods("default", "app=web") {
		at, ok := added.at(pod.Name)
		card := seen["default/"+pod.Name]
		if !ok || card == 0 {
			t.Fatalf("pod %s: created at %v (%v), card seen at %v", pod.Name, at, ok, card)
		}
		lag := time.UnixMilli(int64(card)).Sub(at)
		switch {
		case lag > time.Second && eval[int](p, `window.__drops`) > 0:
			t.Logf("pod %s: its card came %s after the pod was created, but the page's stream was dropped meanwhile (the host's network changed?): not counted", pod.Name, lag)
		case lag > time.Second:
			t.Errorf("pod %s: its card came %s after the pod was created; want within a second", pod.Name, lag)
		default:
			t.Logf("pod %s: card %s after the API's watch saw it", pod.Name, lag.Round(time.Millisecond))
		}
	}
	p.waitFor("the three web pods scheduled and ready", `document.querySelectorAll('section.node [data-pod^="default/web-"][data-state="ready"]').length === 3`, 20*time.Second)
	if !eval[bool](p, `window.__sameDocument === true`) {
		t.Fatal("the page was reloaded")
	}

	// A cordoned node says so, live.
	cl.patch("nodes", "", "sim-3", `{"spec":{"unschedulable":true}}`)
	p.waitFor("sim-3 marked SchedulingDisabled", `document.querySelector('#node-sim-3 [data-status]').textContent.includes("SchedulingDisabled")`, 10*time.Second)

	// A deleted pod leaves, and the ReplicaSet's replacement arrives.
	before := podNames(cl.pods("default", "app=web"))
	victim := before[0]
	if err := cl.admin.Resource(mustLookup("pods")).Namespace("default").Delete(cl.ctx, victim, nil); err != nil {
		t.Fatal(err)
	}
	p.waitFor(victim+" leaving and a new web pod arriving", fmt.Sprintf(`(() => {
		const cards = [...document.querySelectorAll('[data-pod^="default/web-"]')].map(c => c.dataset.pod);
		return !cards.includes("default/%s") && cards.length === 3 && cards.some(c => !%q.split(",").includes(c));
	})()`, victim, "default/"+strings.Join(before, ",default/")), 20*time.Second)
	if !eval[bool](p, `window.__sameDocument === true`) {
		t.Fatal("the page was reloaded")
	}
	replacement := newName(podNames(cl.pods("default", "app=web")), before)

	// The replacement's page: the scheduler's table, sim-3 refused, and
	// the events.
	cl.eventually(20*time.Second, replacement+" bound", func() bool { return cl.pod("default", replacement).Spec.NodeName != "" })
	p.open("/pods/default/" + replacement)
	p.waitFor("the scheduling table", `document.querySelectorAll("#scheduling table.sched tbody tr").length === 3 && document.querySelector("#scheduling tr.chosen") !== null`, 10*time.Second)
	if why := eval[string](p, `document.querySelector('#scheduling tr[data-node="sim-3"]').textContent`); !strings.Contains(why, "node(s) were unschedulable") {
		t.Errorf("sim-3's row should say it is cordoned: %q", why)
	}
	p.waitFor("the Scheduled event", `document.querySelector('#pod-events li[data-reason="Scheduled"]') !== null`, 10*time.Second)
	p.screenshot(shots, "pod.png")

	// Actions: refused before signing in, with a message that says why.
	scaleTo5 := func() bool {
		p.open("/workloads?ns=default")
		p.setValue("#replicas-replicaset-default-web", "5")
		return true
	}
	p.submit(scaleTo5, `[data-workload="ReplicaSet/default/web"] button[data-action="scale"]`)
	if msg := eval[string](p, `document.getElementById("flash").textContent`); !strings.Contains(msg, "sign in first") {
		t.Fatalf("an action with no viewer: %q", msg)
	}

	// Signed in with a ServiceAccount's token bound to edit in default.
	token := cl.serviceAccountToken("student", "edit")
	p.submit(func() bool {
		p.open("/login?return=" + "/workloads%3Fns%3Ddefault")
		p.setValue("#token", token)
		return true
	}, "#login")
	if who := eval[string](p, `document.getElementById("viewer").textContent`); who != "system:serviceaccount:default:student" {
		t.Fatalf("signed in as %q", who)
	}

	// Scale, as the viewer: the API's replica count changes, and so does the page.
	p.submit(scaleTo5, `[data-workload="ReplicaSet/default/web"] button[data-action="scale"]`)
	if msg := eval[string](p, `document.getElementById("flash").textContent`); !strings.Contains(msg, "replicaset.apps/web scaled to 5") {
		t.Fatalf("scale: %q", msg)
	}
	if n := *cl.get("replicasets", "default", "web").(*api.ReplicaSet).Spec.Replicas; n != 5 {
		t.Fatalf("the API's replica count is %d after scaling to 5", n)
	}
	p.waitFor("five web pods on the workloads page", `document.querySelectorAll('[data-workload="ReplicaSet/default/web"] [data-pod]').length === 5`, 20*time.Second)

	// A cordon the viewer's role does not allow: RBAC says no, as it is.
	p.submit(func() bool { p.open("/?ns=default"); return true }, `#node-sim-1 button[data-action="cordon"]`)
	if msg := eval[string](p, `document.getElementById("flash").textContent`); !strings.Contains(msg, `Error from server (Forbidden): nodes "sim-1" is forbidden: User "system:serviceaccount:default:student"`) {
		t.Fatalf("a cordon refused by RBAC: %q", msg)
	}
	if cl.get("nodes", "", "sim-1").(*api.Node).Spec.Unschedulable {
		t.Fatal("sim-1 was cordoned by a viewer without the right")
	}

	// Delete a pod from its page, as the viewer.
	target := podNames(cl.pods("default", "app=web"))[0]
	sent := false
	p.submit(func() bool {
		if sent && deleted(cl, target) {
			return false // the first one arrived
		}
		sent = true
		p.open("/pods/default/" + target)
		return true
	}, `button[data-action="delete-pod"]`)
	if msg := eval[string](p, `(document.getElementById("flash") || {}).textContent || ""`); !strings.Contains(msg, "pod/"+target+" deleted") {
		t.Errorf("delete: %q", msg)
	}
	cl.eventually(20*time.Second, target+" gone", func() bool { return !slices.Contains(podNames(cl.pods("default", "app=web")), target) })

	// An invalid manifest: the apiserver's error beside the field's line.
	p.submit(func() bool {
		p.open("/apply?ns=default")
		p.setValue("#manifest", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: broken\nspec:\n  containers:\n  - name: app\n")
		return true
	}, "#apply")
	p.waitFor("the field error", `document.querySelector("#manifest-errors .field-error") !== null`, 5*time.Second)
	line := eval[[]string](p, `(() => { const li = document.querySelector("#manifest-errors .field-error").closest("li"); return [li.id, li.querySelector("code").textContent, li.querySelector(".field-error").textContent]; })()`)
	if want := []string{"L7", "  - name: app", "spec.containers[0].image: Required value"}; !slices.Equal(line, want) {
		t.Fatalf("the error's line: %q, want %q", line, want)
	}

	// What a student applies first: examples/replicaset.yaml, through the form.
	p.submit(func() bool {
		p.open("/apply?ns=default")
		p.setValue("#manifest", readExample(t, "replicaset.yaml"))
		return true
	}, "#apply")
	// "unchanged" when a network change made the browser send it twice.
	if res := eval[string](p, `document.getElementById("apply-results").textContent`); !strings.Contains(res, "replicaset.apps/kubia created") &&
		!strings.Contains(res, "replicaset.apps/kubia unchanged") {
		t.Fatalf("applying examples/replicaset.yaml: %q", res)
	}

	// The map, wide: columns side by side; its picture is the test's
	// artifact. A pod that fits nowhere waits in Pending with the
	// scheduler's reason.
	p.open("/?ns=default")
	p.waitFor("the kubia pods ready", `document.querySelectorAll('section.node [data-pod^="default/kubia-"][data-state="ready"]').length === 3`, 20*time.Second)
	cl.create(&api.Pod{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "too-big"}, Spec: api.PodSpec{Containers: []api.Container{{
		Name: "app", Image: "kubelab/kubia:latest", Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": api.MustParse("64")}}}}}})
	p.waitFor("too-big in Pending with the scheduler's reason", `(() => {
		const c = document.querySelector('#lane-pending [data-pod="default/too-big"] .reason');
		return c !== null && c.textContent.startsWith("0/3 nodes are available:");
	})()`, 20*time.Second)
	if !eval[bool](p, `(() => { const n = document.querySelectorAll("section.node"); return n[0].offsetTop === n[1].offsetTop; })()`) {
		t.Error("in a wide window the node columns should stand side by side")
	}
	t.Logf("the cluster map: %s", p.screenshot(shots, "cluster-map.png"))

	// Narrow: one column above the other, nothing wider than the window.
	p.viewport(390, 844)
	p.open("/?ns=default")
	if !eval[bool](p, `(() => { const n = document.querySelectorAll("section.node"); return n[1].offsetTop > n[0].offsetTop && document.documentElement.scrollWidth <= window.innerWidth; })()`) {
		t.Errorf("in a narrow window the columns should stack, within the window's width: scrollWidth %v, width %v",
			eval[float64](p, `document.documentElement.scrollWidth`), eval[float64](p, `window.innerWidth`))
	}
	p.screenshot(shots, "cluster-map-narrow.png")
}

// trackCards makes the page note when it first shows each pod's card,
// by the browser's clock, and mark itself so that a reload shows.
func trackCards(p *page) {
	p.tb.Helper()
	eval[bool](p, `(() => {
		window.__seen = {};
		window.__sameDocument = true;
		window.__drops = 0;
		window.kubelabLive.addEventListener("error", () => window.__drops++);
		const note = () => document.querySelectorAll("[data-pod]").forEach(el => {
			if (!(el.dataset.pod in window.__seen)) window.__seen[el.dataset.pod] = Date.now();
		});
		new MutationObserver(note).observe(document.body, {subtree: true, childList: true});
		note();
		return true;
	})()`)
}

// podWatch records when the apiserver's watch first shows each pod.
type podWatch struct {
	mu    sync.Mutex
	added map[string]time.Time
}

func (w *podWatch) at(name string) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.added[name]
	return t, ok
}

// watchPods watches the pods of ns from now on, as the admin.
func watchPods(tb testing.TB, cl *cluster, ns string) *podWatch {
	tb.Helper()
	pods := cl.admin.Resource(mustLookup("pods")).Namespace(ns)
	_, rv, err := pods.List(cl.ctx, client.ListOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(cl.ctx)
	w, err := pods.Watch(ctx, client.ListOptions{ResourceVersion: rv})
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	pw := &podWatch{added: map[string]time.Time{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			now := time.Now()
			if ev.Type == api.Added {
				pw.mu.Lock()
				if _, ok := pw.added[ev.Object.GetObjectMeta().Name]; !ok {
					pw.added[ev.Object.GetObjectMeta().Name] = now
				}
				pw.mu.Unlock()
			}
		}
	}()
	tb.Cleanup(func() { cancel(); w.Stop(); <-done })
	return pw
}

func (cl *cluster) create(obj api.Object) {
	cl.tb.Helper()
	if _, err := cl.admin.For(obj).Create(cl.ctx, obj); err != nil {
		cl.tb.Fatal(err)
	}
}

func (cl *cluster) get(resource, ns, name string) api.Object {
	cl.tb.Helper()
	obj, err := cl.admin.Resource(mustLookup(resource)).Namespace(ns).Get(cl.ctx, name)
	if err != nil {
		cl.tb.Fatal(err)
	}
	return obj
}

func (cl *cluster) pod(ns, name string) *api.Pod { return cl.get("pods", ns, name).(*api.Pod) }

// deleted reports whether pod default/name is gone or going.
func deleted(cl *cluster, name string) bool {
	obj, err := cl.admin.Resource(mustLookup("pods")).Namespace("default").Get(cl.ctx, name)
	return client.IsNotFound(err) || err == nil && obj.GetObjectMeta().DeletionTimestamp != nil
}

func (cl *cluster) patch(resource, ns, name, mergePatch string) {
	cl.tb.Helper()
	if _, err := cl.admin.Resource(mustLookup(resource)).Namespace(ns).Patch(cl.ctx, name, client.MergePatch, []byte(mergePatch), ""); err != nil {
		cl.tb.Fatal(err)
	}
}

func podNames(pods []*api.Pod) []string {
	var out []string
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			out = append(out, p.Name)
		}
	}
	slices.Sort(out)
	return out
}

// newName is the one name of now that was not among before.
func newName(now, before []string) string {
	for _, n := range now {
		if !slices.Contains(before, n) {
			return n
		}
	}
	return ""
}

// waitReady waits until the dashboard's informers have synced.
func waitReady(tb testing.TB, base string) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("the dashboard at %s was not ready within 30s", base)
}

// screenshotDir is where the screenshots go: $DASHBOARD_SCREENSHOTS, or
// the test's temp dir.
func screenshotDir(tb testing.TB) string {
	if dir := os.Getenv("DASHBOARD_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
		return dir
	}
	return tb.TempDir()
}

// readExample reads a file of examples/.
func readExample(tb testing.TB, name string) string {
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "examples", name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
