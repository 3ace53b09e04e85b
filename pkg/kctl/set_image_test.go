package kctl

import (
	"net/http"
	"testing"
)

func TestSetImage(t *testing.T) {
	const deploy = "/apis/apps/v1/namespaces/default/deployments/web"
	objects := map[string]string{
		deploy: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},` +
			`"template":{"metadata":{"labels":{"app":"web"}},"spec":{"initContainers":[{"name":"init","image":"busybox"}],` +
			`"containers":[{"name":"nginx","image":"nginx:1.24"},{"name":"sidecar","image":"envoy"}]}}}}`,
		"/api/v1/namespaces/default/pods/kubia":         `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kubia"},"spec":{"containers":[{"name":"kubia","image":"kubia:v1"}]}}`,
		"/apis/batch/v1/namespaces/default/cronjobs/cj": cronJobJSON,
		"/api/v1/namespaces/default/services/svc":       `{"apiVersion":"v1","kind":"Service","metadata":{"name":"svc"},"spec":{}}`,
		"/apis/apps/v1/namespaces/default/statefulsets/db": `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db"},` +
			`"spec":{"selector":{"matchLabels":{"app":"db"}},"template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"pg","image":"postgres:15"}]}}}}`,
	}
	tests := []struct {
		name      string
		args      []string
		out       string
		errOut    string
		code      int
		patchPath string
		patch     string
	}{
		{"one container", []string{"set", "image", "deployment/web", "nginx=nginx:1.25"}, "deployment.apps/web image updated\n", "", 0, deploy,
			`{"spec":{"template":{"spec":{"containers":[{"image":"nginx:1.25","name":"nginx"}]}}}}`},
		{"every container, init too; a named one wins", []string{"set", "image", "deploy", "web", "*=busybox:2", "sidecar=envoy:2"},
			"deployment.apps/web image updated\n", "", 0, deploy,
			`{"spec":{"template":{"spec":{"containers":[{"image":"busybox:2","name":"nginx"},{"image":"envoy:2","name":"sidecar"}],` +
				`"initContainers":[{"image":"busybox:2","name":"init"}]}}}}`},
		{"unchanged: nothing sent or printed", []string{"set", "image", "deployment/web", "nginx=nginx:1.24"}, "", "", 0, "", ""},
		{"a pod", []string{"set", "image", "pod/kubia", "kubia=kubia:v2"}, "pod/kubia image updated\n", "", 0,
			"/api/v1/namespaces/default/pods/kubia", `{"spec":{"containers":[{"image":"kubia:v2","name":"kubia"}]}}`},
		{"a cronjob's job template", []string{"set", "image", "cj/cj", "c=busybox:2"}, "cronjob.batch/cj image updated\n", "", 0,
			"/apis/batch/v1/namespaces/default/cronjobs/cj", `{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"image":"busybox:2","name":"c"}]}}}}}}`},
		{"a statefulset", []string{"set", "image", "sts/db", "pg=postgres:16"}, "statefulset.apps/db image updated\n", "", 0,
			"/apis/apps/v1/namespaces/default/statefulsets/db", `{"spec":{"template":{"spec":{"containers":[{"image":"postgres:16","name":"pg"}]}}}}`},
		{"no such container", []string{"set", "image", "deployment/web", "nope=x"}, "", "error: unable to find container named \"nope\"\n", 1, "", ""},
		{"no image", []string{"set", "image", "deployment/web"}, "", "error: at least one image update is required\n", 1, "", ""},
		{"no pod template", []string{"set", "image", "svc/svc", "a=b"}, "",
			"error: the object is not a pod or does not have a pod template: Service\n", 1, "", ""},
		{"missing", []string{"set", "image", "deployment/nope", "a=b"}, "", "Error from server (NotFound): deployments \"nope\" not found\n", 1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			for k, v := range objects {
				fake.objects[k] = v
			}
			out, errOut, code := kctl(t, server, "", tt.args...)
			if out != tt.out || errOut != tt.errOut || code != tt.code {
				t.Errorf("got %q %q exit %d, want %q %q exit %d", out, errOut, code, tt.out, tt.errOut, tt.code)
			}
			patch := fake.last(http.MethodPatch)
			if patch.path != tt.patchPath || patch.body != tt.patch {
				t.Errorf("PATCH %s\n%s\nwant %s\n%s", patch.path, patch.body, tt.patchPath, tt.patch)
			}
			if tt.patch != "" && patch.contentType != "application/strategic-merge-patch+json" {
				t.Errorf("patch type %s, want a strategic merge patch", patch.contentType)
			}
		})
	}
}
