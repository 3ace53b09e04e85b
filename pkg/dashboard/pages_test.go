package dashboard

import (
	"net/http"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// The pages, rendered from fixed caches: each shows what its view is for.
func TestPages(t *testing.T) {
	rs := &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "kubia", UID: "uid-kubia"},
		Spec:   api.ReplicaSetSpec{Replicas: api.Int32(3), Template: api.PodTemplateSpec{Spec: api.PodSpec{Containers: []api.Container{{Name: "app", Image: "kubelab/kubia:latest"}}}}},
		Status: api.ReplicaSetStatus{Replicas: 3, ReadyReplicas: 1}}
	pending := pod("default", "kubia-p", "", api.PodPending, false, "kubia")
	pending.Status.Conditions = []api.PodCondition{{Type: api.PodScheduled, Status: api.ConditionFalse, Reason: "Unschedulable",
		Message: "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable."}}
	scheduled := pod("default", "kubia-a", "n1", api.PodRunning, true, "kubia")
	scheduled.Annotations = map[string]string{decisionAnnotation: `{"total":3,"feasible":1,"skipped":1,"nodes":[{"node":"n1","fit":true,"score":87},{"node":"n2","fit":false,"reason":"node(s) were unschedulable"},{"node":"n3","fit":false,"skipped":true}]}`}
	other := pod("kube-system", "dns-x", "n1", api.PodRunning, false, "")
	cordoned := node("n2", true, "2", "4Gi")
	cordoned.Spec.Unschedulable = true
	svc := &api.Service{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "kubia"},
		Spec: api.ServiceSpec{Type: api.ServiceTypeNodePort, ClusterIP: "10.96.0.20", Selector: map[string]string{"app": "kubia"},
			Ports: []api.ServicePort{{Name: "http", Port: 80, TargetPort: api.FromInt(8080), NodePort: 30123, Protocol: "TCP"}}}}
	eps := &api.Endpoints{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "kubia"}, Subsets: []api.EndpointSubset{{
		Addresses:         []api.EndpointAddress{{IP: "10.244.0.5", TargetRef: &api.ObjectReference{Kind: "Pod", Namespace: "default", Name: "kubia-a"}}},
		NotReadyAddresses: []api.EndpointAddress{{IP: "10.244.0.6", TargetRef: &api.ObjectReference{Kind: "Pod", Namespace: "default", Name: "kubia-b"}}},
		Ports:             []api.EndpointPort{{Port: 8080}}}}}
	ev := &api.Event{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "kubia-a.1"}, Type: api.EventNormal, Reason: "Scheduled",
		Message:        "Successfully assigned default/kubia-a to n1",
		InvolvedObject: api.ObjectReference{Kind: "Pod", Namespace: "default", Name: "kubia-a", UID: "uid-kubia-a"},
		Source:         api.EventSource{Component: "default-scheduler"}, LastTimestamp: api.NewTime(testNow.Add(-30e9))}
	f := newFixture(t, node("n1", true, "4", "8Gi"), cordoned, rs, pending, scheduled, other, svc, eps, ev,
		&api.Namespace{ObjectMeta: api.ObjectMeta{Name: "default"}}, &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "kube-system"}})
	b := f.browser()

	tests := []struct {
		name, path string
		code       int
		want       []string // in the page's text, in this order
		wantHTML   []string
		notWant    []string
	}{
		{name: "map", path: "/", code: http.StatusOK,
			want: []string{"Pending", "kubia-p", "0/2 nodes are available: 1 Insufficient cpu",
				"n1", "Ready", "cpu", "1 of 4", "memory", "512Mi of 8Gi", "pods", "2 of 110", "ReplicaSet kubia", "kubia-a", "1/1 · Running",
				"n2", "Ready,SchedulingDisabled", "Uncordon"},
			wantHTML: []string{`class="pod ready" data-pod="default/kubia-a"`, `class="pod unscheduled" data-pod="default/kubia-p"`,
				`id="node-n1"`, `id="lane-pending"`, `data-live="/live?`},
			notWant: []string{"dns-x"}, // another namespace: counted in n1's usage, not shown
		},
		{name: "map of every namespace", path: "/?ns=", code: http.StatusOK, want: []string{"dns-x", "0/1 · Running"},
			wantHTML: []string{`class="pod unready" data-pod="kube-system/dns-x"`}},
		{name: "pod", path: "/pods/default/kubia-a", code: http.StatusOK,
			want: []string{"kubia-a", "Running", "Delete pod", "Node n1", "Scheduling", "1 of 3 nodes fit; 1 not evaluated, as enough that fit had been found",
				"n1 ← chosen yes 87", "n2 no node(s) were unschedulable", "n3 - not evaluated", "Containers", "app kubelab/kubia:latest Running",
				"Events", "Scheduled Successfully assigned default/kubia-a to n1", "Logs", "is simulated"}},
		{name: "missing pod", path: "/pods/default/nope", code: http.StatusNotFound, want: []string{"does not exist"}},
		{name: "workloads", path: "/workloads", code: http.StatusOK,
			want:     []string{"ReplicaSets", "ReplicaSet kubia", "3 desired", "3 current", "1 ready", "replicas", "Scale", "kubelab/kubia:latest", "kubia-a", "kubia-p"},
			wantHTML: []string{`name="resource" value="replicasets"`, `name="replicas" value="3"`}},
		{name: "services", path: "/services", code: http.StatusOK,
			want: []string{"kubia", "NodePort", "ClusterIP 10.96.0.20", "http 80→8080/TCP, node port 30123", "app=kubia",
				"Ready endpoints 1", "10.244.0.5:8080 → kubia-a", "Not ready 1", "10.244.0.6:8080 → kubia-b"}},
		{name: "events", path: "/events", code: http.StatusOK,
			want: []string{"30s", "Normal", "Scheduled", "pod/kubia-a", "Successfully assigned", "default-scheduler"}},
		{name: "events of another kind", path: "/events?kind=Node", code: http.StatusOK, want: []string{"No events about a Node"},
			notWant: []string{"Successfully assigned"}},
		{name: "apply", path: "/apply", code: http.StatusOK, want: []string{"Apply a manifest", "sign in"}},
		{name: "sign in", path: "/login", code: http.StatusOK, want: []string{"Sign in to act", "kctl create token alice"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := b.get(tc.path)
			if code != tc.code {
				t.Fatalf("GET %s: %d, want %d\n%s", tc.path, code, tc.code, body)
			}
			txt := text(body)
			rest := txt
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("GET %s: %q missing (or out of order) in:\n%s", tc.path, w, txt)
				}
				rest = rest[i+len(w):]
			}
			for _, w := range tc.wantHTML {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: %q missing in the HTML", tc.path, w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(txt, w) {
					t.Errorf("GET %s: %q should not be there", tc.path, w)
				}
			}
		})
	}
}

// Every page forbids what it does not load itself, and the assets are
// served from the binary.
func TestPagesLoadNothingFromElsewhere(t *testing.T) {
	f := newFixture(t)
	resp, err := http.Get(f.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	for _, path := range []string{"/static/app.css", "/static/app.js"} {
		resp, err := http.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
	// No template or asset names an address outside the dashboard.
	for _, dir := range []string{"templates", "templates/base", "static"} {
		entries, _ := assets.ReadDir(dir)
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			b, _ := assets.ReadFile(dir + "/" + e.Name())
			for _, s := range []string{"http://", "https://", "//fonts", "cdn"} {
				if strings.Contains(string(b), s) {
					t.Errorf("%s/%s names %q", dir, e.Name(), s)
				}
			}
		}
	}
}
