package kctl

import (
	"fmt"
	"net/http"
	"testing"
)

const dsPath = "/apis/apps/v1/namespaces/default/daemonsets/agent"

// daemonSetRevisionObjects is a DaemonSet running agent:2, whose
// ControllerRevisions are agent:1 (revision 1), agent:3 (revision 2)
// and agent:2 (revision 3, after a rollback), with one revision of
// another owner.
func daemonSetRevisionObjects() map[string]string {
	cr := func(name, uid string, rev int, image, cause string) string {
		annotations := "{}"
		if cause != "" {
			annotations = fmt.Sprintf(`{"kubernetes.io/change-cause":%q}`, cause)
		}
		return fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":%q,"labels":{"app":"agent","controller-revision-hash":"h"},`+
			`"annotations":%s,"ownerReferences":[{"apiVersion":"apps/v1","kind":"DaemonSet","name":"agent","uid":%q,"controller":true}]},`+
			`"revision":%d,"data":{"spec":{"template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"name":"agent","image":%q}]}}}}}`,
			name, annotations, uid, rev, image)
	}
	const crPath = "/apis/apps/v1/namespaces/default/controllerrevisions/"
	return map[string]string{
		dsPath: `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent","uid":"ds-1"},"spec":{"selector":{"matchLabels":{"app":"agent"}},` +
			`"template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"name":"agent","image":"agent:2"}]}}}}`,
		crPath + "agent-a": cr("agent-a", "ds-1", 1, "agent:1", "kctl create"),
		crPath + "agent-b": cr("agent-b", "ds-1", 3, "agent:2", ""),
		crPath + "agent-c": cr("agent-c", "ds-1", 2, "agent:3", ""),
		crPath + "other":   cr("other", "ds-other", 9, "evil", ""),
	}
}

func TestRolloutHistoryDaemonSet(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		out    string
		errOut string
		code   int
	}{
		{"the revisions", []string{"rollout", "history", "ds/agent"},
			"daemonset.apps/agent \nREVISION  CHANGE-CAUSE\n1         kctl create\n2         <none>\n3         <none>\n\n", "", 0},
		{"one revision", []string{"rollout", "history", "daemonset", "agent", "--revision=2"},
			"daemonset.apps/agent with revision #2\nPod Template:\n  Labels:  app=agent\n" +
				"  Containers:\n    agent:\n      Image:        agent:3\n      Environment:  <none>\n      Mounts:       <none>\n" +
				"  Volumes:          <none>\n\n", "", 0},
		{"no such revision", []string{"rollout", "history", "ds/agent", "--revision=9"}, "", "error: unable to find the specified revision\n", 1},
		{"missing", []string{"rollout", "history", "ds/nope"}, "", "Error from server (NotFound): daemonsets \"nope\" not found\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			fake.objects = daemonSetRevisionObjects()
			out, errOut, code := kctl(t, server, "", tt.args...)
			if out != tt.out || errOut != tt.errOut || code != tt.code {
				t.Errorf("got\n%s%q exit %d\nwant\n%s%q exit %d", out, errOut, code, tt.out, tt.errOut, tt.code)
			}
		})
	}
}

func TestRolloutUndoDaemonSet(t *testing.T) {
	template := func(image string) string {
		return `[{"op":"replace","path":"/spec/template","value":{"metadata":{"labels":{"app":"agent"}},` +
			`"spec":{"containers":[{"name":"agent","image":"` + image + `"}]}}}]`
	}
	tests := []struct {
		name   string
		args   []string
		out    string
		errOut string
		code   int
		patch  string // the JSON patch sent to the daemon set
	}{
		{"to the previous revision", []string{"rollout", "undo", "ds/agent"}, "daemonset.apps/agent rolled back\n", "", 0, template("agent:3")},
		{"to a revision", []string{"rollout", "undo", "ds", "agent", "--to-revision=1"}, "daemonset.apps/agent rolled back\n", "", 0, template("agent:1")},
		{"already there", []string{"rollout", "undo", "ds/agent", "--to-revision=3"},
			"daemonset.apps/agent skipped rollback (current template already matches revision 3)\n", "", 0, ""},
		{"no such revision", []string{"rollout", "undo", "ds/agent", "--to-revision=7"}, "",
			"error: unable to find specified revision 7 in history\n", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			fake.objects = daemonSetRevisionObjects()
			out, errOut, code := kctl(t, server, "", tt.args...)
			if out != tt.out || errOut != tt.errOut || code != tt.code {
				t.Errorf("got %q %q exit %d, want %q %q exit %d", out, errOut, code, tt.out, tt.errOut, tt.code)
			}
			patch := fake.last(http.MethodPatch)
			if patch.body != tt.patch || (tt.patch != "" && (patch.path != dsPath || patch.contentType != "application/json-patch+json")) {
				t.Errorf("PATCH %s %s\n%s\nwant\n%s", patch.path, patch.contentType, patch.body, tt.patch)
			}
		})
	}

	t.Run("only one revision", func(t *testing.T) {
		fake, server := newFakeAPI(t)
		objs := daemonSetRevisionObjects()
		delete(objs, "/apis/apps/v1/namespaces/default/controllerrevisions/agent-a")
		delete(objs, "/apis/apps/v1/namespaces/default/controllerrevisions/agent-c")
		fake.objects = objs
		_, errOut, code := kctl(t, server, "", "rollout", "undo", "ds/agent")
		if errOut != "error: no last revision to roll back to\n" || code != 1 {
			t.Errorf("got %q exit %d", errOut, code)
		}
	})
}
