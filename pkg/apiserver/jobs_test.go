package apiserver

import (
	"net/http"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

const (
	jobsPath   = "/apis/batch/v1/namespaces/default/jobs"
	deployPath = "/apis/apps/v1/namespaces/default/deployments"
)

func testJob(name string) *api.Job {
	return &api.Job{
		TypeMeta:   api.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.JobSpec{Template: api.PodTemplateSpec{
			ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "pi"}},
			Spec: api.PodSpec{RestartPolicy: api.RestartNever,
				Containers: []api.Container{{Name: "pi", Image: "perl:5"}}}}},
	}
}

func TestJobSelectorGenerated(t *testing.T) {
	ts := newTestServer(t)
	in := testJob("")
	in.GenerateName = "pi-"
	in.Status.Succeeded = 5 // a client may not set the status
	var job api.Job
	ts.must(http.StatusCreated, "POST", jobsPath, in).into(t, &job)
	if job.UID == "" || !strings.HasPrefix(job.Name, "pi-") {
		t.Fatalf("job = %+v", job.ObjectMeta)
	}
	want := map[string]string{"app": "pi",
		api.ControllerUIDLabel: job.UID, api.LegacyControllerUIDLabel: job.UID,
		api.JobNameLabel: job.Name, api.LegacyJobNameLabel: job.Name}
	if !sameLabels(job.Spec.Template.Labels, want) {
		t.Errorf("template labels = %v, want %v", job.Spec.Template.Labels, want)
	}
	if sel := job.Spec.Selector; sel == nil || !sameLabels(sel.MatchLabels, map[string]string{api.ControllerUIDLabel: job.UID}) {
		t.Errorf("selector = %+v", sel)
	}
	if job.Status.Succeeded != 0 || *job.Spec.BackoffLimit != 6 || *job.Spec.Completions != 1 {
		t.Errorf("job not admitted: %+v %+v", job.Spec, job.Status)
	}

	// The template is immutable, labels included.
	job.Spec.Template.Spec.Containers[0].Image = "perl:6"
	st := ts.must(http.StatusUnprocessableEntity, "PUT", jobsPath+"/"+job.Name, &job).status()
	if !strings.Contains(st.Message, "spec.template: Invalid value") || !strings.Contains(st.Message, "field is immutable") {
		t.Errorf("template update: %s", st.Message)
	}
	job.Spec.Template.Spec.Containers[0].Image = "perl:5"
	job.Spec.Parallelism = api.Int32(3)
	ts.must(http.StatusOK, "PUT", jobsPath+"/"+job.Name, &job)
}

func TestJobManualSelector(t *testing.T) {
	ts := newTestServer(t)
	in := testJob("manual")
	in.Spec.ManualSelector = api.Bool(true)
	in.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"app": "pi"}}
	var job api.Job
	ts.must(http.StatusCreated, "POST", jobsPath, in).into(t, &job)
	if !sameLabels(job.Spec.Template.Labels, map[string]string{"app": "pi"}) {
		t.Errorf("manual selector: template labels = %v", job.Spec.Template.Labels)
	}
	in = testJob("nosel")
	in.Spec.ManualSelector = api.Bool(true)
	st := ts.must(http.StatusUnprocessableEntity, "POST", jobsPath, in).status()
	if !strings.Contains(st.Message, "spec.selector: Required value") {
		t.Errorf("manual without a selector: %s", st.Message)
	}
	in = testJob("always")
	in.Spec.Template.Spec.RestartPolicy = ""
	st = ts.must(http.StatusUnprocessableEntity, "POST", jobsPath, in).status()
	if !strings.Contains(st.Message, `spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"`) {
		t.Errorf("default restart policy: %s", st.Message)
	}
}

func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestDeploymentScale(t *testing.T) {
	ts := newTestServer(t)
	rs := testReplicaSet("web", 2)
	d := &api.Deployment{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: rs.ObjectMeta,
		Spec:       api.DeploymentSpec{Replicas: rs.Spec.Replicas, Selector: rs.Spec.Selector, Template: rs.Spec.Template},
		Status:     api.DeploymentStatus{Replicas: 9},
	}
	var got api.Deployment
	ts.must(http.StatusCreated, "POST", deployPath, d).into(t, &got)
	if got.Status.Replicas != 0 || got.Spec.Strategy.Type != "RollingUpdate" || *got.Spec.RevisionHistoryLimit != 10 {
		t.Fatalf("deployment not admitted: %+v %+v", got.Spec, got.Status)
	}
	var sc api.Scale
	ts.must(http.StatusOK, "GET", deployPath+"/web/scale", nil).into(t, &sc)
	if sc.Spec.Replicas != 2 || sc.Status.Selector != "app=web" || sc.Kind != "Scale" || sc.Name != "web" {
		t.Fatalf("scale = %+v", sc)
	}
	ts.must(http.StatusOK, "PATCH", deployPath+"/web/scale", `{"spec":{"replicas":5}}`, "application/merge-patch+json")
	ts.must(http.StatusOK, "GET", deployPath+"/web", nil).into(t, &got)
	if *got.Spec.Replicas != 5 || got.Generation != 2 {
		t.Fatalf("after scale: replicas %d, generation %d", *got.Spec.Replicas, got.Generation)
	}
	// The status subresource's replicas show through the scale.
	got.Status.Replicas = 5
	ts.must(http.StatusOK, "PUT", deployPath+"/web/status", &got)
	ts.must(http.StatusOK, "GET", deployPath+"/web/scale", nil).into(t, &sc)
	if sc.Status.Replicas != 5 || sc.Spec.Replicas != 5 {
		t.Fatalf("scale = %+v", sc)
	}
	st := ts.must(http.StatusUnprocessableEntity, "PUT", deployPath+"/web/scale", `{"spec":{"replicas":-1}}`, "application/json").status()
	if !strings.Contains(st.Message, "spec.replicas") {
		t.Fatalf("negative scale: %s", st.Message)
	}
}
