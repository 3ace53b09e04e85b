package kctl

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/printers"
)

var testNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func testPod(name, ns string, ageFor time.Duration, labels map[string]string) *api.Pod {
	p := &api.Pod{Spec: api.PodSpec{Containers: []api.Container{{Name: "c"}}}, Status: api.PodStatus{Phase: "Running",
		ContainerStatuses: []api.ContainerStatus{{Name: "c", Ready: true, State: api.ContainerState{Running: &api.ContainerStateRunning{}}}}}}
	p.APIVersion, p.Kind = "v1", "Pod"
	p.Name, p.Namespace, p.Labels = name, ns, labels
	p.CreationTimestamp = api.NewTime(testNow.Add(-ageFor))
	p.Status.PodIP = "10.244.1.5"
	p.Spec.NodeName = "node1"
	return p
}

// serverRows renders objs into a Table as the apiserver does, at now,
// and reads it back as kctl does: the rows kctl prints.
func serverRows(t *testing.T, now time.Time, opts printers.Options, objs ...api.Object) []api.Object {
	t.Helper()
	res, _ := api.ResourceOf(objs[0])
	tbl, err := printers.NewTable(res.Kind, objs, now, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(tbl)
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeTable(b)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := rowsOf(back)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestPrintTable(t *testing.T) {
	podRes, _ := api.Lookup("pods")
	pods := serverRows(t, testNow, printers.Options{},
		testPod("kubia", "default", 5*time.Second, map[string]string{"app": "kubia"}),
		testPod("kubia-manual-long-name", "demo", 200*time.Second, nil))
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
			p, err := newPrinter(tt.output, "")
			if err != nil {
				t.Fatal(err)
			}
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
	p, _ := newPrinter("", "")
	var out bytes.Buffer
	_ = p.printTable(&out, podRes, serverRows(t, testNow, printers.Options{}, testPod("kubia-long-name", "default", time.Second, nil)), true)
	// A watch's later events come without the columns.
	_ = p.printTable(&out, podRes, serverRows(t, testNow, printers.Options{NoHeaders: true}, testPod("a", "default", time.Second, nil)), false)
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
			p, err := newPrinter(tt.output, "")
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
			if _, err := newPrinter(output, ""); err == nil {
				t.Errorf("-o %s: no error", output)
			}
		})
	}
}

func TestLabelColumns(t *testing.T) {
	podRes, _ := api.Lookup("pods")
	pods := serverRows(t, testNow, printers.Options{},
		testPod("kubia", "default", 5*time.Second, map[string]string{"app": "kubia", "app.kubernetes.io/tier": "web"}),
		testPod("other", "default", 5*time.Second, nil))
	tests := []struct {
		name   string
		output string
		setup  func(p *printer)
		want   string
	}{
		{"two keys", "", func(p *printer) { p.labelColumns = []string{"app", "app.kubernetes.io/tier"} }, `
NAME    READY   STATUS    RESTARTS   AGE   APP     TIER
kubia   1/1     Running   0          5s    kubia   web
other   1/1     Running   0          5s            
`},
		{"after wide, before LABELS, namespace first", "wide", func(p *printer) {
			p.labelColumns, p.showLabels, p.withNamespace = []string{"app"}, true, true
		}, `
NAMESPACE   NAME    READY   STATUS    RESTARTS   AGE   IP           NODE    NOMINATED NODE   READINESS GATES   APP     LABELS
default     kubia   1/1     Running   0          5s    10.244.1.5   node1   <none>           <none>            kubia   app=kubia,app.kubernetes.io/tier=web
default     other   1/1     Running   0          5s    10.244.1.5   node1   <none>           <none>                    <none>
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newPrinter(tt.output, "")
			tt.setup(p)
			var out bytes.Buffer
			if err := p.printTable(&out, podRes, pods, true); err != nil {
				t.Fatal(err)
			}
			if got, want := out.String(), strings.TrimPrefix(tt.want, "\n"); got != want {
				t.Errorf("got\n%q\nwant\n%q", got, want)
			}
		})
	}
}

func TestCustomColumns(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "cols.txt", "NAME   IMAGES                LABELS\n.metadata.name {.spec.containers[*].image} metadata.labels\n")
	a := testPod("kubia", "default", time.Second, map[string]string{"app": "kubia", "tier": "web"})
	a.Spec.Containers = []api.Container{{Name: "a", Image: "kubelab/kubia"}, {Name: "b", Image: "busybox"}}
	b := testPod("other-pod", "demo", time.Second, nil)
	b.Spec.Containers = []api.Container{{Name: "c", Image: "nginx"}}
	pods := []api.Object{a, b}
	tests := []struct {
		name, output, template string
		noHeaders              bool
		want                   string
	}{
		{name: "spec", output: "custom-columns=NAME:.metadata.name,IMAGES:.spec.containers[*].image,LABELS:.metadata.labels", want: `
NAME        IMAGES                  LABELS
kubia       kubelab/kubia,busybox   map[app:kubia tier:web]
other-pod   nginx                   <none>
`},
		{name: "relaxed paths, numbers, a filter", output: "custom-columns=POD:metadata.name,RESTARTS:{.status.containerStatuses[0].restartCount},READY:.status.conditions[?(@.type==\"Ready\")].status", want: `
POD         RESTARTS   READY
kubia       0          <none>
other-pod   0          <none>
`},
		{name: "no headers", output: "custom-columns=NAME:.metadata.name,NS:.metadata.namespace", noHeaders: true, want: `
kubia       default
other-pod   demo
`},
		{name: "spec in --template", output: "custom-columns", template: "NAME:.metadata.name", want: "\nNAME\nkubia\nother-pod\n"},
		{name: "file", output: "custom-columns-file=" + file, want: `
NAME        IMAGES                  LABELS
kubia       kubelab/kubia,busybox   map[app:kubia tier:web]
other-pod   nginx                   <none>
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newPrinter(tt.output, tt.template)
			if err != nil {
				t.Fatal(err)
			}
			p.noHeaders = tt.noHeaders
			var out bytes.Buffer
			if err := p.printObjects(&out, pods, false); err != nil {
				t.Fatal(err)
			}
			if got, want := out.String(), strings.TrimPrefix(tt.want, "\n"); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestTemplates(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "names.jsonpath", `{range .items[*]}{.metadata.name}{"\n"}{end}`)
	pods := []api.Object{testPod("kubia", "default", time.Second, nil), testPod("other", "default", time.Second, nil)}
	tests := []struct{ name, output, template, want string }{
		{"jsonpath with --template", "jsonpath", `{.items[*].metadata.name}`, "kubia other"},
		{"jsonpath-file", "jsonpath-file=" + file, "", "kubia\nother\n"},
		{"jsonpath-file in --template", "jsonpath-file", file, "kubia\nother\n"},
		{"--template is ignored by yaml", "name", "{.x}", "pod/kubia\npod/other\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newPrinter(tt.output, tt.template)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := p.printObjects(&out, pods, false); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}

func TestNewPrinterErrorsWithTemplates(t *testing.T) {
	tests := []struct{ output, template, want string }{
		{"jsonpath", "", "template format specified but no template given"},
		{"jsonpath={.a}", "{.b}", `unable to match a printer suitable for the output format "jsonpath={.a}"`},
		{"", "{.a}", "--template needs -o jsonpath"},
		{"jsonpath-file=/nonexistent/file", "", "error reading --template /nonexistent/file"},
		{"custom-columns", "", "custom-columns format specified but no custom columns given"},
		{"custom-columns=NAME", "", "unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>"},
		{"custom-columns=NAME:{{.a}}", "", "unexpected path string"},
		{"custom-columns-file=/nonexistent/file", "", "error reading template /nonexistent/file"},
		{"go-template={{.a}}", "", "allowed formats are: custom-columns,custom-columns-file,json,jsonpath,jsonpath-file,name,wide,yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.output+" "+tt.template, func(t *testing.T) {
			_, err := newPrinter(tt.output, tt.template)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
}
