package kctl

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"kubelab/pkg/api"
)

// deployStatus is a Deployment named web: spec replicas, generation,
// and the status the controller reported.
type deployStatus struct {
	rv                                  string
	generation, observed                int64
	replicas, total, updated, available int32
	reason                              string // of the Progressing condition
}

func (s deployStatus) deployment() *api.Deployment {
	d := &api.Deployment{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default", ResourceVersion: s.rv, Generation: s.generation,
		Annotations: map[string]string{api.RevisionAnnotation: "2"}}}
	d.Spec.Replicas = api.Int32(s.replicas)
	d.Status = api.DeploymentStatus{ObservedGeneration: s.observed, Replicas: s.total, UpdatedReplicas: s.updated, AvailableReplicas: s.available}
	if s.reason != "" {
		d.Status.Conditions = []api.DeploymentCondition{{Type: api.DeploymentProgressing, Status: "False", Reason: s.reason}}
	}
	return d
}

func (s deployStatus) json() string {
	d := s.deployment()
	d.APIVersion, d.Kind = "apps/v1", "Deployment"
	b, _ := json.Marshal(d)
	return string(b)
}

func TestDeploymentStatus(t *testing.T) {
	tests := []struct {
		name     string
		s        deployStatus
		revision int64
		want     string
		done     bool
		err      string
	}{
		{"spec not yet observed", deployStatus{generation: 2, observed: 1, replicas: 3, total: 3, updated: 3, available: 3}, 0,
			"Waiting for deployment spec update to be observed...\n", false, ""},
		{"new replicas being made", deployStatus{generation: 2, observed: 2, replicas: 10, total: 10, updated: 3, available: 8}, 0,
			"Waiting for deployment \"web\" rollout to finish: 3 out of 10 new replicas have been updated...\n", false, ""},
		{"old ones going", deployStatus{generation: 2, observed: 2, replicas: 10, total: 12, updated: 10, available: 9}, 0,
			"Waiting for deployment \"web\" rollout to finish: 2 old replicas are pending termination...\n", false, ""},
		{"updated ones not yet available", deployStatus{generation: 2, observed: 2, replicas: 10, total: 10, updated: 10, available: 8}, 0,
			"Waiting for deployment \"web\" rollout to finish: 8 of 10 updated replicas are available...\n", false, ""},
		{"done", deployStatus{generation: 2, observed: 2, replicas: 10, total: 10, updated: 10, available: 10}, 0,
			"deployment \"web\" successfully rolled out\n", true, ""},
		{"deadline exceeded", deployStatus{generation: 2, observed: 2, replicas: 10, total: 10, updated: 3, reason: api.ReasonProgressDeadlineExceeded}, 0,
			"", false, "deployment \"web\" exceeded its progress deadline"},
		{"deadline of an older spec is not this one's", deployStatus{generation: 3, observed: 2, reason: api.ReasonProgressDeadlineExceeded}, 0,
			"Waiting for deployment spec update to be observed...\n", false, ""},
		{"pinned to the running revision", deployStatus{generation: 1, observed: 1, replicas: 1, total: 1, updated: 1, available: 1}, 2,
			"deployment \"web\" successfully rolled out\n", true, ""},
		{"pinned to another revision", deployStatus{generation: 1, observed: 1}, 3,
			"", false, "desired revision (3) is different from the running revision (2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, done, err := rolloutStatus(tt.s.deployment(), tt.revision)
			if got != tt.want || done != tt.done || fmt.Sprint(err) != fmt.Sprint(errOrNil(tt.err)) {
				t.Errorf("got %q %v %v, want %q %v %q", got, done, err, tt.want, tt.done, tt.err)
			}
		})
	}
}

func TestDaemonSetStatus(t *testing.T) {
	ds := &api.DaemonSet{ObjectMeta: api.ObjectMeta{Name: "agent", Generation: 1}}
	ds.Status = api.DaemonSetStatus{ObservedGeneration: 1, DesiredNumberScheduled: 3, UpdatedNumberScheduled: 1}
	if got, done, _ := rolloutStatus(ds, 0); done || got != "Waiting for daemon set \"agent\" rollout to finish: 1 out of 3 new pods have been updated...\n" {
		t.Errorf("got %q %v", got, done)
	}
	ds.Status.UpdatedNumberScheduled, ds.Status.NumberAvailable = 3, 3
	if got, done, _ := rolloutStatus(ds, 0); !done || got != "daemon set \"agent\" successfully rolled out\n" {
		t.Errorf("got %q %v", got, done)
	}
	ds.Spec.UpdateStrategy.Type = "OnDelete"
	if _, _, err := rolloutStatus(ds, 0); err == nil {
		t.Error("OnDelete: want an error")
	}
}

func errOrNil(s string) error {
	if s == "" {
		return nil
	}
	return fmt.Errorf("%s", s)
}

// scriptedWatch serves fake, except that a watch gets events, one line
// each, and then stays open until the client leaves. It records the
// query of each watch.
func scriptedWatch(t *testing.T, fake *fakeAPI, events ...string) (string, func() []string) {
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("watch") != "true" {
			fake.ServeHTTP(w, r)
			return
		}
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		for _, e := range events {
			fmt.Fprintln(w, e)
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), queries...) }
}

func modified(s deployStatus) string { return `{"type":"MODIFIED","object":` + s.json() + `}` }

func TestRolloutStatusWatches(t *testing.T) {
	const path = "/apis/apps/v1/namespaces/default/deployments/web"
	start := deployStatus{rv: "5", generation: 2, observed: 1, replicas: 3, total: 3, updated: 0, available: 3}
	tests := []struct {
		name   string
		args   []string
		events []string
		out    string
		errOut string
		code   int
	}{
		{"until done", []string{"rollout", "status", "deployment/web"}, []string{
			modified(deployStatus{rv: "6", generation: 2, observed: 2, replicas: 3, total: 4, updated: 1, available: 3}),
			modified(deployStatus{rv: "7", generation: 2, observed: 2, replicas: 3, total: 4, updated: 3, available: 2}),
			modified(deployStatus{rv: "8", generation: 2, observed: 2, replicas: 3, total: 3, updated: 3, available: 2}),
			modified(deployStatus{rv: "9", generation: 2, observed: 2, replicas: 3, total: 3, updated: 3, available: 3}),
			modified(deployStatus{rv: "10", generation: 2, observed: 2, replicas: 3, total: 3, updated: 3, available: 3}),
		}, "Waiting for deployment spec update to be observed...\n" +
			"Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...\n" +
			"Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...\n" +
			"Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available...\n" +
			"deployment \"web\" successfully rolled out\n", "", 0},
		{"progress deadline", []string{"rollout", "status", "deploy", "web"}, []string{
			modified(deployStatus{rv: "6", generation: 2, observed: 2, replicas: 3, total: 4, updated: 1, available: 3}),
			modified(deployStatus{rv: "7", generation: 2, observed: 2, replicas: 3, total: 4, updated: 1, available: 3, reason: api.ReasonProgressDeadlineExceeded}),
		}, "Waiting for deployment spec update to be observed...\n" +
			"Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...\n",
			"error: deployment \"web\" exceeded its progress deadline\n", 1},
		{"timeout", []string{"rollout", "status", "deployment/web", "--timeout=30ms"}, nil,
			"Waiting for deployment spec update to be observed...\n", "error: timed out waiting for the condition\n", 1},
		{"no watch", []string{"rollout", "status", "deployment/web", "--watch=false"}, nil,
			"Waiting for deployment spec update to be observed...\n", "", 0},
		{"deleted", []string{"rollout", "status", "deployment/web"}, []string{`{"type":"DELETED","object":` + start.json() + `}`},
			"Waiting for deployment spec update to be observed...\n", "error: object has been deleted\n", 1},
		{"missing", []string{"rollout", "status", "deployment/nope"}, nil, "", "Error from server (NotFound): deployments \"nope\" not found\n", 1},
		{"two objects", []string{"rollout", "status", "deployment/web", "deployment/other"}, nil, "",
			"error: rollout status takes one object; 2 were given\n", 1},
		{"a pod", []string{"rollout", "status", "pod/web"}, nil, "", "error: no status viewer has been implemented for Pod\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeAPI{objects: map[string]string{path: start.json(),
				"/api/v1/namespaces/default/pods/web": `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},"spec":{}}`}, logs: map[string]string{}}
			server, queries := scriptedWatch(t, fake, tt.events...)
			out, errOut, code := kctl(t, server, "", tt.args...)
			if out != tt.out || errOut != tt.errOut || code != tt.code {
				t.Errorf("got\n%s%q exit %d\nwant\n%s%q exit %d", out, errOut, code, tt.out, tt.errOut, tt.code)
			}
			if q := queries(); len(tt.events) > 0 && (len(q) != 1 || !strings.Contains(q[0], "fieldSelector=metadata.name%3Dweb") ||
				!strings.Contains(q[0], "resourceVersion=5")) {
				t.Errorf("watches %q, want one on metadata.name=web from version 5", q)
			}
		})
	}
}
