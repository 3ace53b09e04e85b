package printers

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// Every kind kubelab serves has kubectl's table, and its rows have a cell
// per column, even for an object with nothing set.
func TestEveryKindHasItsTable(t *testing.T) {
	// Kubernetes prints these with its default table: NAME, CREATED AT.
	defaults := map[string]bool{"Role": true, "ClusterRole": true}
	for _, res := range api.Resources() {
		t.Run(res.Kind, func(t *testing.T) {
			if _, ok := printers[res.Kind]; !ok && !defaults[res.Kind] {
				t.Errorf("no table for %s: kubectl get would show only NAME and CREATED AT", res.Kind)
			}
			obj := res.New()
			api.SetTypeMeta(obj)
			rowText(t, obj, time.Now())
			names := 0
			for _, c := range Columns(res.Kind) {
				if c.Format == "name" {
					names++
				}
			}
			if names != 1 {
				t.Errorf("%d columns of format name, want 1: kubectl prefixes it with the kind", names)
			}
		})
	}
}

func TestNewTable(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cm := &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: "settings", Namespace: "default", ResourceVersion: "7",
		Labels: map[string]string{"app": "web"}, CreationTimestamp: api.NewTime(now.Add(-time.Hour))},
		Data: map[string]string{"a": "1", "b": "2"}}
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"metadata by default", Options{}, `{"apiVersion":"meta.k8s.io/v1","kind":"Table","metadata":{},"columnDefinitions":[` +
			`{"name":"Name","type":"string","format":"name","description":"` + nameDescription + `","priority":0},` +
			`{"name":"Data","type":"string","format":"","description":"Data contains the configuration data.","priority":0},` +
			`{"name":"Age","type":"string","format":"","description":"` + strings.ReplaceAll(ageDescription, "\n", `\n`) + `","priority":0}],` +
			`"rows":[{"cells":["settings",2,"60m"],"object":{"apiVersion":"meta.k8s.io/v1","kind":"PartialObjectMetadata",` +
			`"metadata":{"name":"settings","namespace":"default","resourceVersion":"7","creationTimestamp":"2026-03-01T11:00:00Z","labels":{"app":"web"}}}}]}`},
		{"no headers, no object, v1beta1", Options{NoHeaders: true, IncludeObject: IncludeNone, APIVersion: "meta.k8s.io/v1beta1"},
			`{"apiVersion":"meta.k8s.io/v1beta1","kind":"Table","metadata":{},"columnDefinitions":null,"rows":[{"cells":["settings",2,"60m"]}]}`},
		{"the whole object", Options{NoHeaders: true, IncludeObject: IncludeObject},
			`{"apiVersion":"meta.k8s.io/v1","kind":"Table","metadata":{},"columnDefinitions":null,"rows":[{"cells":["settings",2,"60m"],` +
				`"object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings","namespace":"default","resourceVersion":"7",` +
				`"creationTimestamp":"2026-03-01T11:00:00Z","labels":{"app":"web"}},"data":{"a":"1","b":"2"}}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := NewTable("ConfigMap", []api.Object{api.DeepCopy(cm)}, now, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(table)
			if string(b) != tt.want {
				t.Errorf("got\n  %s\nwant\n  %s", b, tt.want)
			}
		})
	}
}
