package kctl

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"
)

const deployPath = "/apis/apps/v1/namespaces/default/deployments/web"

// rolloutObjects is a Deployment at revision 3 running nginx:1.25, with
// the ReplicaSets of its three revisions (the pod-template-hash label on
// each), one of another owner, and a paused Deployment.
func rolloutObjects() map[string]string {
	rs := func(name, uid, rev, image, cause string) string {
		annotations := fmt.Sprintf(`{"deployment.kubernetes.io/revision":%q`, rev)
		if cause != "" {
			annotations += fmt.Sprintf(`,"kubernetes.io/change-cause":%q`, cause)
		}
		return fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":%q,"labels":{"app":"web","pod-template-hash":"h%s"},`+
			`"annotations":%s},"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":%q,"controller":true}]},`+
			`"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web","pod-template-hash":"h%s"}},`+
			`"spec":{"containers":[{"name":"nginx","image":%q}]}}}}`, name, rev, annotations, uid, rev, image)
	}
	const rsPath = "/apis/apps/v1/namespaces/default/replicasets/"
	return map[string]string{
		deployPath: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","uid":"d-1","annotations":{"deployment.kubernetes.io/revision":"3",` +
			`"kubectl.kubernetes.io/last-applied-configuration":"{}","kubernetes.io/change-cause":"now"}},"spec":{"selector":{"matchLabels":{"app":"web"}},` +
			`"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.25"}]}}}}`,
		"/apis/apps/v1/namespaces/default/deployments/frozen": `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"frozen"},` +
			`"spec":{"paused":true,"selector":{"matchLabels":{"app":"frozen"}},"template":{"spec":{"containers":[{"name":"c","image":"c"}]}}}}`,
		rsPath + "web-h1":   rs("web-h1", "d-1", "1", "nginx:1.23", "kctl create"),
		rsPath + "web-h2":   rs("web-h2", "d-1", "2", "nginx:1.24", ""),
		rsPath + "web-h3":   rs("web-h3", "d-1", "3", "nginx:1.25", "kctl set image"),
		rsPath + "stranger": rs("stranger", "d-other", "7", "evil", ""),
	}
}

func TestRolloutHistory(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		out    string
		errOut string
		code   int
	}{
		{"the revisions", []string{"rollout", "history", "deployment/web"},
			"deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         kctl create\n2         <none>\n3         kctl set image\n\n", "", 0},
		{"one revision", []string{"rollout", "history", "deploy", "web", "--revision=2"},
			"deployment.apps/web with revision #2\nPod Template:\n  Labels:  app=web\n           pod-template-hash=h2\n" +
				"  Containers:\n    nginx:\n      Image:        nginx:1.24\n      Environment:  <none>\n      Mounts:       <none>\n" +
				"  Volumes:          <none>\n\n", "", 0},
		{"one revision with its change-cause", []string{"rollout", "history", "deploy", "web", "--revision=3"},
			"deployment.apps/web with revision #3\nPod Template:\n  Labels:       app=web\n                pod-template-hash=h3\n" +
				"  Annotations:  kubernetes.io/change-cause: kctl set image\n" +
				"  Containers:\n    nginx:\n      Image:        nginx:1.25\n      Environment:  <none>\n      Mounts:       <none>\n" +
				"  Volumes:          <none>\n\n", "", 0},
		{"no such revision", []string{"rollout", "history", "deployment/web", "--revision=9"}, "", "error: unable to find the specified revision\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			fake.objects = rolloutObjects()
			out, errOut, code := kctl(t, server, "", tt.args...)
			if out != tt.out || errOut != tt.errOut || code != tt.code {
				t.Errorf("got\n%s%q exit %d\nwant\n%s%q exit %d", out, errOut, code, tt.out, tt.errOut, tt.code)
			}
		})
	}
}

func TestRolloutUndo(t *testing.T) {
	template := func(image string) string {
		return `{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"` + image + `"}]}}`
	}
	tests := []struct {
		name   string
		args   []string
		out    string
		errOut string
		code   int
		patch  string // the JSON patch sent to the deployment
	}{
		{"to the previous revision", []string{"rollout", "undo", "deployment/web"}, "deployment.apps/web rolled back\n", "", 0,
			`[{"op":"replace","path":"/spec/template","value":` + template("nginx:1.24") + `},` +
				`{"op":"replace","path":"/metadata/annotations","value":{"deployment.kubernetes.io/revision":"3",` +
				`"kubectl.kubernetes.io/last-applied-configuration":"{}"}}]`},
		{"to a revision, taking its change-cause", []string{"rollout", "undo", "deploy", "web", "--to-revision=1"}, "deployment.apps/web rolled back\n", "", 0,
			`[{"op":"replace","path":"/spec/template","value":` + template("nginx:1.23") + `},` +
				`{"op":"replace","path":"/metadata/annotations","value":{"deployment.kubernetes.io/revision":"3",` +
				`"kubectl.kubernetes.io/last-applied-configuration":"{}","kubernetes.io/change-cause":"kctl create"}}]`},
		{"already there", []string{"rollout", "undo", "deployment/web", "--to-revision=3"},
			"deployment.apps/web skipped rollback (current template already matches revision 3)\n", "", 0, ""},
		{"no such revision", []string{"rollout", "undo", "deployment/web", "--to-revision=7"}, "",
			"error: unable to find specified revision 7 in history\n", 1, ""},
		{"paused", []string{"rollout", "undo", "deployment/frozen"}, "",
			"error: you cannot rollback a paused deployment; resume it first with 'kctl rollout resume' and try again\n", 1, ""},
		{"missing", []string{"rollout", "undo", "deployment/nope"}, "", "Error from server (NotFound): deployments \"nope\" not found\n", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			fake.objects = rolloutObjects()
			out, errOut, code := kctl(t, server, "", tt.args...)
			if out != tt.out || errOut != tt.errOut || code != tt.code {
				t.Errorf("got %q %q exit %d, want %q %q exit %d", out, errOut, code, tt.out, tt.errOut, tt.code)
			}
			patch := fake.last(http.MethodPatch)
			if patch.body != tt.patch || (tt.patch != "" && (patch.path != deployPath || patch.contentType != "application/json-patch+json")) {
				t.Errorf("PATCH %s %s\n%s\nwant\n%s", patch.path, patch.contentType, patch.body, tt.patch)
			}
		})
	}
}

func TestPickRevision(t *testing.T) {
	revs := []revision{{number: 1}, {number: 4}, {number: 9}}
	for _, tt := range []struct {
		name string
		n    int64
		want int64
		err  bool
	}{{"previous", 0, 4, false}, {"by number", 1, 1, false}, {"missing", 5, 0, true}} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pickRevision("web", revs, tt.n)
			if got.number != tt.want || (err != nil) != tt.err {
				t.Errorf("pickRevision(%d) = %d, %v", tt.n, got.number, err)
			}
		})
	}
	if _, err := pickRevision("web", revs[:1], 0); err == nil || err.Error() != `no rollout history found for deployment "web"` {
		t.Errorf("one revision only: %v", err)
	}
}

func TestRolloutPauseResumeRestart(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		out    string
		errOut string
		code   int
		patch  string // a regexp
	}{
		{"pause", []string{"rollout", "pause", "deployment/web"}, "deployment.apps/web paused\n", "", 0, `^\{"spec":\{"paused":true\}\}$`},
		{"pause a paused one", []string{"rollout", "pause", "deployment/frozen"}, "", "error: deployments.apps \"frozen\" is already paused\n", 1, ""},
		{"resume", []string{"rollout", "resume", "deployment/frozen"}, "deployment.apps/frozen resumed\n", "", 0, `^\{"spec":\{"paused":null\}\}$`},
		{"resume a running one", []string{"rollout", "resume", "deploy", "web"}, "", "error: deployments.apps \"web\" is not paused\n", 1, ""},
		{"restart", []string{"rollout", "restart", "deployment/web"}, "deployment.apps/web restarted\n", "", 0,
			`^\{"spec":\{"template":\{"metadata":\{"annotations":\{"kubectl.kubernetes.io/restartedAt":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)"\}\}\}\}\}$`},
		{"restart a paused one", []string{"rollout", "restart", "deployment/frozen"}, "",
			"error: deployments.apps \"frozen\" can't restart paused deployment (run rollout resume first)\n", 1, ""},
		{"pause a replicaset", []string{"rollout", "pause", "rs/web-h1"}, "", "error: replicasets.apps \"web-h1\" pausing is not supported\n", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			fake.objects = rolloutObjects()
			out, errOut, code := kctl(t, server, "", tt.args...)
			if out != tt.out || errOut != tt.errOut || code != tt.code {
				t.Errorf("got %q %q exit %d, want %q %q exit %d", out, errOut, code, tt.out, tt.errOut, tt.code)
			}
			patch := fake.last(http.MethodPatch)
			if tt.patch == "" && patch.body != "" || tt.patch != "" && !regexp.MustCompile(tt.patch).MatchString(patch.body) {
				t.Errorf("PATCH %s, want %s", patch.body, tt.patch)
			}
		})
	}
}
