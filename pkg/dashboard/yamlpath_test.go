package dashboard

import (
	"slices"
	"testing"
)

const twoObjects = `# a comment
apiVersion: v1
kind: Pod
metadata:
  name: bad
  labels:
    app.kubernetes.io/name: web
spec:
  containers:
  - name: app
    ports:
    - containerPort: 8080
  - name: side
    image: busybox
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata:
    name: s
  spec:
    ports:
    - port: 80
`

func TestFieldLine(t *testing.T) {
	nodes, err := manifestNodes([]byte(twoObjects))
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 2 {
		t.Fatalf("%d objects, want 2 (a Pod, and the List's Service)", len(nodes))
	}
	tests := []struct {
		obj   int
		path  string
		line  int
		exact bool
	}{
		{0, "metadata.name", 5, true},
		{0, "spec.containers[0].image", 10, false}, // missing: the container's line
		{0, "spec.containers[1].image", 14, true},
		{0, "spec.containers[0].ports[0].containerPort", 12, true},
		{0, "metadata.labels[app.kubernetes.io/name]", 7, true},
		{0, "spec.containers[5].name", 9, false}, // no such container: the list's line
		{0, "", 2, true},
		{1, "spec.ports[0].port", 25, true},
		{1, "metadata.namespace", 21, false},
	}
	for _, tc := range tests {
		line, exact := fieldLine(nodes[tc.obj], tc.path)
		if line != tc.line || exact != tc.exact {
			t.Errorf("object %d, %q: line %d exact %v; want %d %v", tc.obj, tc.path, line, exact, tc.line, tc.exact)
		}
	}
}

func TestSplitPath(t *testing.T) {
	got := splitPath("spec.template.spec.containers[0].env[FOO].value")
	want := []pathStep{{"spec", -1}, {"template", -1}, {"spec", -1}, {"containers", -1}, {"", 0}, {"env", -1}, {"FOO", -1}, {"value", -1}}
	if !slices.Equal(got, want) {
		t.Fatalf("splitPath = %v, want %v", got, want)
	}
}
