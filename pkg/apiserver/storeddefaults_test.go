package apiserver

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// A pod an older apiserver stored, without a default added since
// (serviceAccountName), reads with it, and its status can still be
// written: the update does not see a spec change it did not make.
func TestObjectsReadFromEtcdAreDefaulted(t *testing.T) {
	ts := newTestServer(t)
	pod := testPod("old")
	pod.Namespace, pod.UID = "default", "uid-old"
	api.SetDefaults(pod)
	pod.Spec.ServiceAccountName = "" // as stored before the default existed
	raw, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.Commit(context.Background(), store.Txn{Key: store.Key("pods", "default", "old"), Value: raw}); err != nil {
		t.Fatal(err)
	}

	var got api.Pod
	ts.must(http.StatusOK, "GET", "/api/v1/namespaces/default/pods/old", nil).into(t, &got)
	if got.Spec.ServiceAccountName != api.DefaultServiceAccountName {
		t.Errorf("serviceAccountName %q, want %q", got.Spec.ServiceAccountName, api.DefaultServiceAccountName)
	}
	got.Status.Phase = api.PodRunning
	ts.must(http.StatusOK, "PUT", "/api/v1/namespaces/default/pods/old/status", &got)
}
