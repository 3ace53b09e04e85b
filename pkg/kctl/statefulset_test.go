package kctl

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// webSet is a StatefulSet web of 3 replicas with a claim template data,
// as the apiserver stores it.
const webSet = `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"web","namespace":"default","uid":"s1",
	"creationTimestamp":"2026-12-01T10:00:00Z"},
	"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"serviceName":"web","podManagementPolicy":"OrderedReady",
	"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":1}},
	"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"kubia:v2"}]}},
	"volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"storageClassName":"local-path",
	"resources":{"requests":{"storage":"1Gi"}}}}]},
	"status":{"replicas":3,"readyReplicas":3}}`

func TestStatefulSetRolloutStatus(t *testing.T) {
	set := func(partition *int32, generation, observed int64, ready, updated, current int32, cur, upd string) *api.StatefulSet {
		s := &api.StatefulSet{ObjectMeta: api.ObjectMeta{Name: "web", Generation: generation}}
		s.Spec.Replicas = api.Int32(3)
		s.Spec.UpdateStrategy.Type = api.RollingUpdateStatefulSetStrategyType
		if partition != nil {
			s.Spec.UpdateStrategy.RollingUpdate = &api.RollingUpdateStatefulSetStrategy{Partition: partition}
		}
		s.Status = api.StatefulSetStatus{ObservedGeneration: observed, Replicas: 3, ReadyReplicas: ready,
			UpdatedReplicas: updated, CurrentReplicas: current, CurrentRevision: cur, UpdateRevision: upd}
		return s
	}
	onDelete := set(nil, 1, 1, 3, 3, 3, "a", "a")
	onDelete.Spec.UpdateStrategy.Type = api.OnDeleteStatefulSetStrategyType
	tests := []struct {
		name string
		obj  *api.StatefulSet
		msg  string
		done bool
		err  string
	}{
		{"spec not observed", set(nil, 2, 1, 3, 3, 3, "a", "a"), "Waiting for statefulset spec update to be observed...\n", false, ""},
		{"pods not ready", set(nil, 1, 1, 1, 3, 3, "a", "a"), "Waiting for 2 pods to be ready...\n", false, ""},
		{"partitioned, updating", set(api.Int32(1), 1, 1, 3, 1, 2, "a", "b"),
			"Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...\n", false, ""},
		{"partitioned, done", set(api.Int32(1), 1, 1, 3, 2, 1, "a", "b"), "partitioned roll out complete: 2 new pods have been updated...\n", true, ""},
		{"rolling update", set(nil, 1, 1, 3, 1, 2, "a", "b"), "waiting for statefulset rolling update to complete 1 pods at revision b...\n", false, ""},
		{"rolled out", set(nil, 1, 1, 3, 3, 3, "b", "b"), "statefulset rolling update complete 3 pods at revision b...\n", true, ""},
		{"OnDelete", onDelete, "", true, "rollout status is only available for RollingUpdate strategy type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, done, err := rolloutStatus(tt.obj, 0)
			if msg != tt.msg || done != tt.done || fmt.Sprint(err) != map[bool]string{true: "<nil>", false: tt.err}[tt.err == ""] {
				t.Errorf("got %q %v %v, want %q %v %q", msg, done, err, tt.msg, tt.done, tt.err)
			}
		})
	}
}

func TestDescribeStatefulSet(t *testing.T) {
	fake, server := newFakeAPI(t)
	fake.objects["/apis/apps/v1/namespaces/default/statefulsets/web"] = webSet
	want := "" +
		"Name:               web\n" +
		"Namespace:          default\n" +
		"CreationTimestamp:  " + localStamp("2026-12-01T10:00:00Z") + "\n" +
		"Selector:           app=web\n" +
		"Labels:             <none>\n" +
		"Annotations:        <none>\n" +
		"Replicas:           3 desired | 3 total\n" +
		"Update Strategy:    RollingUpdate\n" +
		"  Partition:        1\n" +
		"Pods Status:        0 Running / 0 Waiting / 0 Succeeded / 0 Failed\n" +
		"Pod Template:\n" +
		"  Labels:  app=web\n" +
		"  Containers:\n" +
		"    web:\n" +
		"      Image:        kubia:v2\n" +
		"      Environment:  <none>\n" +
		"      Mounts:       <none>\n" +
		"  Volumes:          <none>\n" +
		"  Node-Selectors:   <none>\n" +
		"  Tolerations:      <none>\n" +
		"Volume Claims:\n" +
		"  Name:          data\n" +
		"  StorageClass:  local-path\n" +
		"  Labels:        <none>\n" +
		"  Annotations:   <none>\n" +
		"  Capacity:      1Gi\n" +
		"  Access Modes:  [ReadWriteOnce]\n" +
		"Events:          <none>\n"
	out, errOut, code := kctl(t, server, "", "describe", "sts", "web")
	if out != want || errOut != "" || code != 0 {
		t.Errorf("got\n%s%q exit %d\nwant\n%s", out, errOut, code, want)
	}
}

func TestRolloutHistoryStatefulSet(t *testing.T) {
	fake, server := newFakeAPI(t)
	fake.objects["/apis/apps/v1/namespaces/default/statefulsets/web"] = webSet
	cr := func(name string, rev int, image string) string {
		return fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":%q,"labels":{"app":"web"},`+
			`"ownerReferences":[{"apiVersion":"apps/v1","kind":"StatefulSet","name":"web","uid":"s1","controller":true}]},`+
			`"revision":%d,"data":{"spec":{"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":%q}]}}}}}`,
			name, rev, image)
	}
	fake.objects["/apis/apps/v1/namespaces/default/controllerrevisions/web-a"] = cr("web-a", 1, "kubia:v1")
	fake.objects["/apis/apps/v1/namespaces/default/controllerrevisions/web-b"] = cr("web-b", 2, "kubia:v2")
	out, errOut, code := kctl(t, server, "", "rollout", "history", "sts/web")
	want := "statefulset.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n"
	if out != want || errOut != "" || code != 0 {
		t.Errorf("history: got\n%s%q exit %d\nwant\n%s", out, errOut, code, want)
	}
	out, errOut, code = kctl(t, server, "", "rollout", "undo", "statefulset/web")
	if out != "statefulset.apps/web rolled back\n" || errOut != "" || code != 0 {
		t.Errorf("undo: got %q %q exit %d", out, errOut, code)
	}
}

func TestRolloutRestartStatefulSet(t *testing.T) {
	fake, server := newFakeAPI(t)
	fake.objects["/apis/apps/v1/namespaces/default/statefulsets/web"] = webSet
	out, errOut, code := kctl(t, server, "", "rollout", "restart", "sts/web")
	if out != "statefulset.apps/web restarted\n" || errOut != "" || code != 0 {
		t.Errorf("got %q %q exit %d", out, errOut, code)
	}
	patch := fake.last(http.MethodPatch)
	if !strings.Contains(patch.body, `"kubectl.kubernetes.io/restartedAt"`) || patch.path != "/apis/apps/v1/namespaces/default/statefulsets/web" {
		t.Errorf("PATCH %s %s", patch.path, patch.body)
	}
}
