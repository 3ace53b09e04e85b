package apiserver

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"kubelab/pkg/api"
)

// TestDryRun sends every kind of write with dryRun=All and checks that
// each answers as the real write would and that nothing changed: etcd's
// revision stays where it was (no object, no claim written), and a
// watcher opened before sees none of them.
func TestDryRun(t *testing.T) {
	ts := newTestServer(t)
	var pod, bound api.Pod
	ts.must(http.StatusCreated, "POST", podsPath, testPod("p")).into(t, &pod)
	ts.must(http.StatusCreated, "POST", podsPath, testPod("bound")).into(t, &bound)
	ts.must(http.StatusCreated, "POST", podsPath+"/bound/binding",
		&api.Binding{ObjectMeta: api.ObjectMeta{Name: "bound"}, Target: api.ObjectReference{Kind: "Node", Name: "n1"}})
	ts.must(http.StatusOK, "GET", podsPath+"/bound", nil).into(t, &bound)
	ts.must(http.StatusCreated, "POST", rsPath, testReplicaSet("web", 2))
	ctx := context.Background()
	start, err := ts.store.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next := ts.watch(podsPath + "?watch=true&resourceVersion=" + strconv.FormatInt(start, 10))

	relabeled := api.DeepCopy(&pod)
	relabeled.Labels = map[string]string{"app": "changed"}
	generated := testPod("")
	generated.GenerateName = "gen-"
	const mergePatch = "application/merge-patch+json"
	tests := []struct {
		name         string
		method, path string
		body         any
		contentType  string
		code         int
		check        func(t *testing.T, r response)
	}{
		{"create", "POST", podsPath + "?dryRun=All", testPod("new"), "", http.StatusCreated, func(t *testing.T, r response) {
			var got api.Pod
			r.into(t, &got)
			if got.Name != "new" || got.UID == "" || got.CreationTimestamp.IsZero() || got.ResourceVersion != "" ||
				got.Spec.RestartPolicy != "Always" {
				t.Errorf("dry-run create = %+v; want uid, creationTimestamp and defaults, no resourceVersion", got.ObjectMeta)
			}
		}},
		{"create with generateName", "POST", podsPath + "?dryRun=All", generated, "", http.StatusCreated, func(t *testing.T, r response) {
			var got api.Pod
			r.into(t, &got)
			if len(got.Name) <= len("gen-") || got.Name[:4] != "gen-" {
				t.Errorf("dry-run create with generateName: name %q", got.Name)
			}
		}},
		{"create of an existing name", "POST", podsPath + "?dryRun=All", testPod("p"), "", http.StatusConflict, nil},
		{"invalid create", "POST", podsPath + "?dryRun=All", &api.Pod{ObjectMeta: api.ObjectMeta{Name: "empty"}}, "", http.StatusUnprocessableEntity, nil},
		{"service with a node port", "POST", svcPath + "?dryRun=All", testService("np", "NodePort", 30005), "", http.StatusCreated, func(t *testing.T, r response) {
			var got api.Service
			r.into(t, &got)
			if got.Spec.ClusterIP == "" || got.Spec.Ports[0].NodePort != 30005 {
				t.Errorf("dry-run service: clusterIP %q nodePort %d; want one chosen and 30005", got.Spec.ClusterIP, got.Spec.Ports[0].NodePort)
			}
		}},
		{"update", "PUT", podsPath + "/p?dryRun=All", relabeled, "", http.StatusOK, func(t *testing.T, r response) {
			var got api.Pod
			r.into(t, &got)
			if got.Labels["app"] != "changed" || got.ResourceVersion != pod.ResourceVersion {
				t.Errorf("dry-run update: labels %v rv %s; want app=changed at rv %s", got.Labels, got.ResourceVersion, pod.ResourceVersion)
			}
		}},
		{"update with a stale resourceVersion", "PUT", podsPath + "/bound?dryRun=All", relabeledAs("bound", pod.ResourceVersion), "", http.StatusConflict, nil},
		{"merge patch", "PATCH", podsPath + "/p?dryRun=All", `{"metadata":{"labels":{"patched":"yes"}}}`, mergePatch, http.StatusOK, func(t *testing.T, r response) {
			var got api.Pod
			r.into(t, &got)
			if got.Labels["patched"] != "yes" {
				t.Errorf("dry-run patch: labels %v", got.Labels)
			}
		}},
		{"status", "PATCH", podsPath + "/p/status?dryRun=All", `{"status":{"phase":"Running"}}`, mergePatch, http.StatusOK, nil},
		{"scale", "PATCH", rsPath + "/web/scale?dryRun=All", `{"spec":{"replicas":5}}`, mergePatch, http.StatusOK, func(t *testing.T, r response) {
			var got api.Scale
			r.into(t, &got)
			if got.Spec.Replicas != 5 {
				t.Errorf("dry-run scale: replicas %d, want 5", got.Spec.Replicas)
			}
		}},
		{"binding", "POST", podsPath + "/p/binding?dryRun=All",
			&api.Binding{ObjectMeta: api.ObjectMeta{Name: "p"}, Target: api.ObjectReference{Kind: "Node", Name: "n1"}}, "", http.StatusCreated, nil},
		{"delete", "DELETE", podsPath + "/p?dryRun=All", nil, "", http.StatusOK, nil},
		{"delete with dryRun in DeleteOptions", "DELETE", podsPath + "/p",
			`{"kind":"DeleteOptions","apiVersion":"v1","dryRun":["All"]}`, "", http.StatusOK, nil},
		{"graceful delete", "DELETE", podsPath + "/bound?dryRun=All", nil, "", http.StatusOK, func(t *testing.T, r response) {
			var got api.Pod
			r.into(t, &got)
			if got.DeletionTimestamp == nil || got.ResourceVersion != bound.ResourceVersion {
				t.Errorf("dry-run graceful delete: deletionTimestamp %v rv %s; want one set, rv %s", got.DeletionTimestamp, got.ResourceVersion, bound.ResourceVersion)
			}
		}},
		{"delete collection", "DELETE", podsPath + "?dryRun=All", nil, "", http.StatusOK, nil},
		{"unsupported value", "POST", podsPath + "?dryRun=Some", testPod("x"), "", http.StatusUnprocessableEntity, func(t *testing.T, r response) {
			want := `CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Some"}: supported values: "All"`
			if got := r.status().Message; got != want {
				t.Errorf("message %q, want %q", got, want)
			}
		}},
		{"unsupported value on delete", "DELETE", podsPath + "/p?dryRun=true", nil, "", http.StatusUnprocessableEntity, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r response
			if tt.contentType != "" {
				r = ts.must(tt.code, tt.method, tt.path, tt.body, tt.contentType)
			} else {
				r = ts.must(tt.code, tt.method, tt.path, tt.body)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
			if rev, _ := ts.store.Revision(ctx); rev != start {
				t.Fatalf("etcd revision moved from %d to %d: the dry run wrote", start, rev)
			}
		})
	}

	var after api.Pod
	ts.must(http.StatusOK, "GET", podsPath+"/p", nil).into(t, &after)
	if after.ResourceVersion != pod.ResourceVersion || after.Labels["app"] != "kubia" || after.Spec.NodeName != "" {
		t.Errorf("pod after dry runs: rv %s labels %v node %q; want it untouched", after.ResourceVersion, after.Labels, after.Spec.NodeName)
	}
	// The node port a dry run chose was not claimed, and the watcher saw
	// nothing before this real create.
	ts.must(http.StatusCreated, "POST", svcPath, testService("np", "NodePort", 30005))
	ts.must(http.StatusCreated, "POST", podsPath, testPod("real"))
	if typ, got, _ := next(); typ != "ADDED" || got.Name != "real" {
		t.Errorf("first watch event after the dry runs: %s %s, want ADDED real", typ, got.Name)
	}
}

// relabeledAs is an update of pod name that claims resourceVersion rv.
func relabeledAs(name, rv string) *api.Pod {
	p := testPod(name)
	p.ResourceVersion = rv
	p.Labels = map[string]string{"app": "changed"}
	return p
}
