package apiserver

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/apiserver/wire"
)

// client-go's defaults: protobuf bodies, protobuf or JSON answers.
const (
	protobufAccept = "application/vnd.kubernetes.protobuf, application/json"
	protobufBody   = "application/vnd.kubernetes.protobuf"
)

// protobuf encodes a JSON object as client-go sends it.
func protobuf(t *testing.T, j string) []byte {
	t.Helper()
	b, err := wire.FromJSON([]byte(j))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// getAsClientGo sends a GET with client-go's Accept header and returns the
// status and Content-Type, without waiting for the end of a watch.
func (ts *testServer) getAsClientGo(path string) (int, string) {
	ts.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.http.URL+path, nil)
	req.Header.Set("Accept", protobufAccept)
	resp, err := ts.client.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Content-Type")
}

// A typed client-go program creates, updates, reads and deletes with its
// default settings: protobuf bodies, answered in JSON.
func TestProtobufBodies(t *testing.T) {
	ts := newTestServer(t)
	pods := "/api/v1/namespaces/default/pods"
	podJSON := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"}},
	  "spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}],
	    "readinessProbe":{"httpGet":{"path":"/","port":80}}}],"volumes":[{"name":"v","emptyDir":{}}]}}`
	r := ts.must(http.StatusCreated, "POST", pods, protobuf(t, podJSON), protobufBody)
	if len(r.headers.Values("Warning")) > 0 {
		t.Errorf("warnings for a protobuf pod: %q", r.headers.Values("Warning"))
	}
	var pod api.Pod
	r.into(t, &pod)
	if c := pod.Spec.Containers[0]; c.Image != "nginx" || c.ReadinessProbe.HTTPGet.Port != api.FromInt(80) ||
		pod.Spec.Volumes[0].EmptyDir == nil || pod.Labels["app"] != "web" || pod.UID == "" {
		t.Fatalf("created %+v", pod)
	}

	pod.Labels["tier"] = "front"
	updated, _ := json.Marshal(&pod)
	r = ts.must(http.StatusOK, "PUT", pods+"/web", protobuf(t, string(updated)), protobufBody)
	r.into(t, &pod)
	if pod.Labels["tier"] != "front" {
		t.Fatalf("update lost the label: %v", pod.Labels)
	}

	for _, path := range []string{pods + "/web", pods, pods + "?watch=true", "/api/v1/pods?watch=true&resourceVersion=0"} {
		if code, ct := ts.getAsClientGo(path); code != http.StatusOK || !strings.HasPrefix(ct, "application/json") {
			t.Errorf("GET %s with Accept %q: %d %q, want 200 application/json", path, protobufAccept, code, ct)
		}
	}

	// client-go sends DeleteOptions in the resource's version.
	stale := `{"apiVersion":"v1","kind":"DeleteOptions","preconditions":{"uid":"not-the-uid"}}`
	ts.must(http.StatusConflict, "DELETE", pods+"/web", protobuf(t, stale), protobufBody)
	now := `{"apiVersion":"v1","kind":"DeleteOptions","gracePeriodSeconds":0,"preconditions":{"uid":"` + string(pod.UID) + `"}}`
	ts.must(http.StatusOK, "DELETE", pods+"/web", protobuf(t, now), protobufBody)
	ts.must(http.StatusNotFound, "GET", pods+"/web", nil)
}

// kubectl delete --cascade=orphan on a client-go transport.
func TestProtobufDeleteOptionsPropagation(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", rsPath, testReplicaSet("web", 1))
	for _, apiVersion := range []string{"apps/v1", "meta.k8s.io/v1"} {
		t.Run(apiVersion, func(t *testing.T) {
			opts := `{"apiVersion":"` + apiVersion + `","kind":"DeleteOptions","propagationPolicy":"Orphan"}`
			var rs api.ReplicaSet
			ts.must(http.StatusOK, "DELETE", rsPath+"/web", protobuf(t, opts), protobufBody).into(t, &rs)
			if !slices.Contains(rs.Finalizers, api.FinalizerOrphanDependents) || rs.DeletionTimestamp == nil {
				t.Fatalf("finalizers %v, deletionTimestamp %v", rs.Finalizers, rs.DeletionTimestamp)
			}
		})
	}
}

// What is not a protobuf object kubelab can read gets Kubernetes' answers.
func TestProtobufRefusals(t *testing.T) {
	ts := newTestServer(t)
	cms := "/api/v1/namespaces/default/configmaps"
	cm := protobuf(t, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`)
	// The same length of name keeps the envelope valid.
	widget := []byte(strings.Replace(string(cm), "ConfigMap", "WidgetMap", 1))
	tests := []struct {
		name, method, path, contentType string
		body                            []byte
		code                            int
		want                            string
	}{
		{"a kind Kubernetes does not define", "POST", cms, protobufBody, widget, http.StatusUnsupportedMediaType,
			`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`},
		{"JSON sent as protobuf", "POST", cms, protobufBody, []byte(`{"kind":"ConfigMap"}`), http.StatusBadRequest,
			`the body is not a valid protobuf object: the body does not start with the protobuf prefix`},
		{"a cut body", "POST", cms, protobufBody, cm[:len(cm)-6], http.StatusBadRequest,
			`the body is not a valid protobuf object: the protobuf envelope does not decode`},
		{"another kind than the resource's", "POST", "/api/v1/namespaces/default/secrets", protobufBody, cm, http.StatusBadRequest,
			`the kind in the data (ConfigMap) does not match the expected kind (Secret)`},
		{"a protobuf patch", "PATCH", cms + "/x", protobufBody, cm, http.StatusUnsupportedMediaType,
			`accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`},
		{"server-side apply", "PATCH", cms + "/x?fieldManager=kubectl", "application/apply-patch+yaml", []byte("data: {a: b}\n"), http.StatusUnsupportedMediaType,
			`server-side apply is not supported: use client-side apply (kubectl apply without --server-side)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(tc.method, tc.path, tc.body, tc.contentType)
			if r.code != tc.code || !strings.Contains(r.status().Message, tc.want) {
				t.Fatalf("got %d %s, want %d %q", r.code, r.body, tc.code, tc.want)
			}
		})
	}
}

// A scheduler binds, and an autoscaler scales, through subresources whose
// bodies are kinds of their own.
func TestProtobufSubresources(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", podsPath, testPod("p"))
	binding := `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"p"},"target":{"kind":"Node","name":"node-1"}}`
	ts.must(http.StatusCreated, "POST", podsPath+"/p/binding", protobuf(t, binding), protobufBody)
	var pod api.Pod
	ts.must(http.StatusOK, "GET", podsPath+"/p", nil).into(t, &pod)
	if pod.Spec.NodeName != "node-1" {
		t.Fatalf("nodeName = %q", pod.Spec.NodeName)
	}

	ts.must(http.StatusCreated, "POST", rsPath, testReplicaSet("web", 1))
	scale := `{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web"},"spec":{"replicas":4}}`
	var sc api.Scale
	ts.must(http.StatusOK, "PUT", rsPath+"/web/scale", protobuf(t, scale), protobufBody).into(t, &sc)
	if sc.Spec.Replicas != 4 {
		t.Fatalf("scale = %+v", sc)
	}
}
