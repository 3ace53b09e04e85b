package kctl

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

var testNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func testPod(name, ns string, ageFor time.Duration, labels map[string]string) *api.Pod {
	p := podWith(1, "Running", running(true, 0))
	p.APIVersion, p.Kind = "v1", "Pod"
	p.Name, p.Namespace, p.Labels = name, ns, labels
	p.CreationTimestamp = api.NewTime(testNow.Add(-ageFor))
	p.Status.PodIP = "10.244.1.5"
	p.Spec.NodeName = "node1"
	return p
}

func TestPrintTable(t *testing.T) {
	podRes, _ := api.Lookup("pods")
	pods := []api.Object{
		testPod("kubia", "default", 5*time.Second, map[string]string{"app": "kubia"}),
		testPod("kubia-manual-long-name", "demo", 200*time.Second, nil),
	}
	tests := []struct {
		name   string
		output string
		setup  func(p *printer)
		want   string
	}{
		{"plain", "", nil, `
NAME                     READY   STATUS    RESTARTS   AGE
kubia                    1/1     Running   0          5s
kubia-manual-long-name   1/1     Running   0          3m20s
`},
		{"wide", "wide", nil, `
NAME                     READY   STATUS    RESTARTS   AGE     IP           NODE    NOMINATED NODE   READINESS GATES
kubia                    1/1     Running   0          5s      10.244.1.5   node1   <none>           <none>
kubia-manual-long-name   1/1     Running   0          3m20s   10.244.1.5   node1   <none>           <none>
`},
		{"all namespaces, labels, no headers", "", func(p *printer) { p.withNamespace, p.showLabels, p.noHeaders = true, true, true }, `
default   kubia                    1/1   Running   0     5s      app=kubia
demo      kubia-manual-long-name   1/1   Running   0     3m20s   <none>
`},
		{"with kind", "", func(p *printer) { p.withKind = true }, `
NAME                         READY   STATUS    RESTARTS   AGE
pod/kubia                    1/1     Running   0          5s
pod/kubia-manual-long-name   1/1     Running   0          3m20s
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newPrinter(tt.output)
			if err != nil {
				t.Fatal(err)
			}
			p.now = testNow
			if tt.setup != nil {
				tt.setup(p)
			}
			var out bytes.Buffer
			if err := p.printTable(&out, podRes, pods, true); err != nil {
				t.Fatal(err)
			}
			if got, want := out.String(), strings.TrimPrefix(tt.want, "\n"); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestPrintTableKeepsWidthsForWatch(t *testing.T) {
	podRes, _ := api.Lookup("pods")
	p, _ := newPrinter("")
	p.now = testNow
	var out bytes.Buffer
	_ = p.printTable(&out, podRes, []api.Object{testPod("kubia-long-name", "default", time.Second, nil)}, true)
	_ = p.printTable(&out, podRes, []api.Object{testPod("a", "default", time.Second, nil)}, false)
	want := "NAME              READY   STATUS    RESTARTS   AGE\n" +
		"kubia-long-name   1/1     Running   0          1s\n" +
		"a                 1/1     Running   0          1s\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestPrintObjects(t *testing.T) {
	pod := testPod("kubia", "default", time.Second, nil)
	pod.Status = api.PodStatus{}
	pod.Spec = api.PodSpec{Containers: []api.Container{{Name: "c", Image: "kubelab/kubia:latest"}}}
	pod.CreationTimestamp = api.Time{}
	tests := []struct {
		name   string
		output string
		single bool
		want   string
	}{
		{"yaml of one", "yaml", true, `apiVersion: v1
kind: Pod
metadata:
  name: kubia
  namespace: default
spec:
  containers:
  - image: kubelab/kubia:latest
    name: c
`},
		{"yaml of a list", "yaml", false, `apiVersion: v1
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: kubia
    namespace: default
  spec:
    containers:
    - image: kubelab/kubia:latest
      name: c
kind: List
metadata:
  resourceVersion: ""
`},
		{"name", "name", false, "pod/kubia\n"},
		{"jsonpath of one", "jsonpath={.metadata.name}", true, "kubia"},
		{"jsonpath of a list", "jsonpath={.items[*].spec.containers[0].image}", false, "kubelab/kubia:latest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newPrinter(tt.output)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := p.printObjects(&out, []api.Object{pod}, tt.single); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", out.String(), tt.want)
			}
		})
	}
}

func TestNewPrinterErrors(t *testing.T) {
	for _, output := range []string{"xml", "jsonpath=", "jsonpath={.a", "yaml=x"} {
		t.Run(output, func(t *testing.T) {
			if _, err := newPrinter(output); err == nil {
				t.Errorf("-o %s: no error", output)
			}
		})
	}
}
