package apiserver

import (
	"net/http"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

func TestCreateGetListDelete(t *testing.T) {
	ts := newTestServer(t)
	var created api.Pod
	ts.must(http.StatusCreated, "POST", podsPath, testPod("kubia")).into(t, &created)
	if created.UID == "" || created.ResourceVersion == "" || created.CreationTimestamp.IsZero() {
		t.Fatalf("server fields not set: %+v", created.ObjectMeta)
	}
	if created.Namespace != "default" || created.Spec.RestartPolicy != api.RestartAlways || created.Status.Phase != api.PodPending {
		t.Fatalf("defaults not applied: ns=%q restart=%q phase=%q", created.Namespace, created.Spec.RestartPolicy, created.Status.Phase)
	}
	if created.Kind != "Pod" || created.APIVersion != "v1" {
		t.Fatalf("type meta = %+v", created.TypeMeta)
	}
	var got api.Pod
	ts.must(http.StatusOK, "GET", podsPath+"/kubia", nil).into(t, &got)
	if got.UID != created.UID || got.ResourceVersion != created.ResourceVersion {
		t.Fatalf("get = %+v, want %+v", got.ObjectMeta, created.ObjectMeta)
	}
	if st := ts.must(http.StatusConflict, "POST", podsPath, testPod("kubia")).status(); st.Reason != "AlreadyExists" ||
		st.Message != `pods "kubia" already exists` {
		t.Fatalf("second create: %+v", st)
	}
	var list api.List[api.Pod]
	ts.must(http.StatusOK, "GET", podsPath, nil).into(t, &list)
	if len(list.Items) != 1 || list.Kind != "PodList" || list.Metadata.ResourceVersion == "" {
		t.Fatalf("list = %+v", list)
	}
	// Cluster-wide list sees it too.
	ts.must(http.StatusOK, "GET", "/api/v1/pods", nil).into(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("cluster-wide list has %d pods", len(list.Items))
	}
	ts.must(http.StatusOK, "DELETE", podsPath+"/kubia", nil)
	if st := ts.must(http.StatusNotFound, "GET", podsPath+"/kubia", nil).status(); st.Message != `pods "kubia" not found` {
		t.Fatalf("after delete: %+v", st)
	}
}

func TestGenerateName(t *testing.T) {
	ts := newTestServer(t)
	p := testPod("")
	p.GenerateName = "kubia-"
	var a, b api.Pod
	ts.must(http.StatusCreated, "POST", podsPath, p).into(t, &a)
	ts.must(http.StatusCreated, "POST", podsPath, p).into(t, &b)
	if !strings.HasPrefix(a.Name, "kubia-") || len(a.Name) != len("kubia-")+5 || a.Name == b.Name {
		t.Fatalf("generated names %q and %q", a.Name, b.Name)
	}
}

func TestUpdateConflictOnStaleResourceVersion(t *testing.T) {
	ts := newTestServer(t)
	var pod api.Pod
	ts.must(http.StatusCreated, "POST", podsPath, testPod("kubia")).into(t, &pod)
	stale := pod.ResourceVersion

	pod.Labels["tier"] = "web"
	var updated api.Pod
	ts.must(http.StatusOK, "PUT", podsPath+"/kubia", &pod).into(t, &updated)
	if updated.ResourceVersion == stale || updated.Labels["tier"] != "web" {
		t.Fatalf("update did not apply: %+v", updated.ObjectMeta)
	}
	pod.ResourceVersion = stale
	pod.Labels["tier"] = "db"
	st := ts.must(http.StatusConflict, "PUT", podsPath+"/kubia", &pod).status()
	if st.Reason != "Conflict" || !strings.Contains(st.Message, "the object has been modified") {
		t.Fatalf("stale update: %+v", st)
	}
	// Without a resourceVersion the update applies to the latest version.
	pod.ResourceVersion = ""
	ts.must(http.StatusOK, "PUT", podsPath+"/kubia", &pod)
}

func TestNoOpUpdateKeepsResourceVersion(t *testing.T) {
	ts := newTestServer(t)
	var pod, again api.Pod
	ts.must(http.StatusCreated, "POST", podsPath, testPod("kubia")).into(t, &pod)
	ts.must(http.StatusOK, "PUT", podsPath+"/kubia", &pod).into(t, &again)
	if again.ResourceVersion != pod.ResourceVersion {
		t.Fatalf("no-op update wrote: %s → %s", pod.ResourceVersion, again.ResourceVersion)
	}
}

func TestStatusSubresourceSeparatesSpecAndStatus(t *testing.T) {
	ts := newTestServer(t)
	var pod api.Pod
	ts.must(http.StatusCreated, "POST", podsPath, testPod("kubia")).into(t, &pod)

	// A status update changes status only.
	pod.Status.Phase = api.PodRunning
	pod.Status.PodIP = "10.244.0.5"
	pod.Spec.Containers[0].Image = "ignored:1"
	var after api.Pod
	ts.must(http.StatusOK, "PUT", podsPath+"/kubia/status", &pod).into(t, &after)
	if after.Status.Phase != api.PodRunning || after.Spec.Containers[0].Image != "kubelab/kubia:latest" {
		t.Fatalf("status update: phase=%s image=%s", after.Status.Phase, after.Spec.Containers[0].Image)
	}
	// A main update keeps status as it is.
	after.Status.Phase = api.PodFailed
	after.Labels["x"] = "y"
	var again api.Pod
	ts.must(http.StatusOK, "PUT", podsPath+"/kubia", &after).into(t, &again)
	if again.Status.Phase != api.PodRunning || again.Labels["x"] != "y" {
		t.Fatalf("main update: phase=%s labels=%v", again.Status.Phase, again.Labels)
	}
}

func TestGenerationCountsSpecChanges(t *testing.T) {
	ts := newTestServer(t)
	rs := testReplicaSet("web", 2)
	var got api.ReplicaSet
	ts.must(http.StatusCreated, "POST", rsPath, rs).into(t, &got)
	if got.Generation != 1 {
		t.Fatalf("generation after create = %d", got.Generation)
	}
	got.Labels = map[string]string{"only": "metadata"}
	ts.must(http.StatusOK, "PUT", rsPath+"/web", &got).into(t, &got)
	if got.Generation != 1 {
		t.Fatalf("generation after a metadata change = %d", got.Generation)
	}
	got.Spec.Replicas = api.Int32(5)
	ts.must(http.StatusOK, "PUT", rsPath+"/web", &got).into(t, &got)
	if got.Generation != 2 {
		t.Fatalf("generation after a spec change = %d", got.Generation)
	}
}

const rsPath = "/apis/apps/v1/namespaces/default/replicasets"

func testReplicaSet(name string, replicas int32) *api.ReplicaSet {
	labels := map[string]string{"app": name}
	return &api.ReplicaSet{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"},
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.ReplicaSetSpec{
			Replicas: api.Int32(replicas),
			Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "kubelab/kubia:latest"}}}},
		},
	}
}

func TestScaleSubresource(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", rsPath, testReplicaSet("web", 2))
	var sc api.Scale
	ts.must(http.StatusOK, "GET", rsPath+"/web/scale", nil).into(t, &sc)
	if sc.Spec.Replicas != 2 || sc.Status.Selector != "app=web" || sc.Kind != "Scale" {
		t.Fatalf("scale = %+v", sc)
	}
	sc.Spec.Replicas = 7
	ts.must(http.StatusOK, "PUT", rsPath+"/web/scale", &sc)
	var rs api.ReplicaSet
	ts.must(http.StatusOK, "GET", rsPath+"/web", nil).into(t, &rs)
	if *rs.Spec.Replicas != 7 {
		t.Fatalf("replicas after scale = %d", *rs.Spec.Replicas)
	}
	ts.must(http.StatusOK, "PATCH", rsPath+"/web/scale", `{"spec":{"replicas":3}}`, "application/merge-patch+json")
	ts.must(http.StatusOK, "GET", rsPath+"/web", nil).into(t, &rs)
	if *rs.Spec.Replicas != 3 {
		t.Fatalf("replicas after scale patch = %d", *rs.Spec.Replicas)
	}
	st := ts.must(http.StatusUnprocessableEntity, "PATCH", rsPath+"/web/scale", `{"spec":{"replicas":-1}}`, "application/merge-patch+json").status()
	if !strings.Contains(st.Message, "spec.replicas") {
		t.Fatalf("negative scale: %s", st.Message)
	}
}

func TestLabelAndFieldSelectors(t *testing.T) {
	ts := newTestServer(t)
	for i, app := range []string{"a", "b", "a"} {
		p := testPod("p" + string(rune('0'+i)))
		p.Labels = map[string]string{"app": app}
		ts.must(http.StatusCreated, "POST", podsPath, p)
	}
	tests := []struct {
		name, query string
		want        int
	}{
		{"equality", "labelSelector=app%3Da", 2},
		{"inequality", "labelSelector=app!%3Da", 1},
		{"set", "labelSelector=app+in+(a,b)", 3},
		{"does not exist", "labelSelector=!app", 0},
		{"field name", "fieldSelector=metadata.name%3Dp1", 1},
		{"field phase", "fieldSelector=status.phase%3DPending", 3},
		{"unbound pods", "fieldSelector=spec.nodeName%3D", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var list api.List[api.Pod]
			ts.must(http.StatusOK, "GET", podsPath+"?"+tc.query, nil).into(t, &list)
			if len(list.Items) != tc.want {
				t.Fatalf("%s: %d pods, want %d", tc.query, len(list.Items), tc.want)
			}
		})
	}
}

func TestCreateInMissingNamespace(t *testing.T) {
	ts := newTestServer(t)
	st := ts.must(http.StatusNotFound, "POST", "/api/v1/namespaces/nope/pods", testPod("x")).status()
	if st.Message != `namespaces "nope" not found` {
		t.Fatalf("got %q", st.Message)
	}
}

func TestUnknownFieldsAreWarnings(t *testing.T) {
	ts := newTestServer(t)
	body := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"w"},"spec":{"containers":[{"name":"c","image":"i","imagePullPolcy":"Never"}]}}`
	r := ts.must(http.StatusCreated, "POST", podsPath, body)
	if w := r.headers.Get("Warning"); !strings.Contains(w, "imagePullPolcy") {
		t.Fatalf("Warning header = %q", w)
	}
}

func TestYAMLBody(t *testing.T) {
	ts := newTestServer(t)
	body := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: yaml-pod\nspec:\n  containers:\n  - name: c\n    image: i\n"
	ts.must(http.StatusCreated, "POST", podsPath, body, "application/yaml")
}

func TestSecretStringDataIsStoredAsData(t *testing.T) {
	ts := newTestServer(t)
	body := `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"stringData":{"user":"admin"},"data":{"pw":"aHVudGVyMg=="}}`
	var sec api.Secret
	ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/secrets", body).into(t, &sec)
	if string(sec.Data["user"]) != "admin" || string(sec.Data["pw"]) != "hunter2" || len(sec.StringData) != 0 {
		t.Fatalf("secret data = %q, stringData = %q", sec.Data, sec.StringData)
	}
}

func TestEventsByInvolvedObject(t *testing.T) {
	ts := newTestServer(t)
	for i, name := range []string{"a", "b", "a"} {
		ev := &api.Event{ObjectMeta: api.ObjectMeta{Name: "ev" + string(rune('0'+i))},
			InvolvedObject: api.ObjectReference{Kind: "Pod", Namespace: "default", Name: name, UID: "uid-" + name},
			Reason:         "Tested", Message: "m"}
		ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/events", ev)
	}
	var list api.List[api.Event]
	ts.must(http.StatusOK, "GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Da,involvedObject.namespace%3Ddefault,involvedObject.uid%3Duid-a", nil).into(t, &list)
	if len(list.Items) != 2 {
		t.Fatalf("%d events for a, want 2", len(list.Items))
	}
}
