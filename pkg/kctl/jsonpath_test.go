package kctl

import (
	"encoding/json"
	"strings"
	"testing"
)

const podListJSON = `{
  "apiVersion": "v1", "kind": "List",
  "items": [
    {"metadata": {"name": "kubia-a", "labels": {"app": "kubia"},
                  "annotations": {"kubernetes.io/change-cause": "first", "plain": "x"}},
     "spec": {"containers": [{"name": "main", "image": "kubia:v1"}, {"name": "side", "image": "busybox"}]},
     "status": {"podIP": "10.244.1.5", "conditions": [{"type": "Ready", "status": "True"}], "restarts": 3}},
    {"metadata": {"name": "kubia-b", "labels": {"app": "kubia"}},
     "spec": {"containers": [{"name": "main", "image": "kubia:v2"}]},
     "status": {"podIP": "10.244.2.3", "conditions": [{"type": "Ready", "status": "False"}], "restarts": 0}}
  ]
}`

func TestJSONPath(t *testing.T) {
	var list any
	if err := json.Unmarshal([]byte(podListJSON), &list); err != nil {
		t.Fatal(err)
	}
	first := list.(map[string]any)["items"].([]any)[0]
	tests := []struct {
		name     string
		template string
		onFirst  bool // run on the first item instead of the list
		want     string
	}{
		{"name of one object", "{.metadata.name}", true, "kubia-a"},
		{"names of all items", "{.items[*].metadata.name}", false, "kubia-a kubia-b"},
		{"one item by index", "{.items[0].status.podIP}", false, "10.244.1.5"},
		{"last item", "{.items[-1].status.podIP}", false, "10.244.2.3"},
		{"index out of range prints nothing", "{.items[5].status.podIP}", false, ""},
		{"images of one pod", "{.spec.containers[*].image}", true, "kubia:v1 busybox"},
		{"a label", "{.metadata.labels.app}", true, "kubia"},
		{"a map prints as JSON", "{.metadata.labels}", true, `{"app":"kubia"}`},
		{"a number", "{.status.restarts}", true, "3"},
		{"escaped dots in a key", `{.metadata.annotations.kubernetes\.io/change-cause}`, true, "first"},
		{"quoted key", "{.metadata.annotations['kubernetes.io/change-cause']}", true, "first"},
		{"missing key prints nothing", "{.metadata.nothing.here}", true, ""},
		{"range", `{range .items[*]}{.metadata.name}{"\t"}{.status.podIP}{"\n"}{end}`, false,
			"kubia-a\t10.244.1.5\nkubia-b\t10.244.2.3\n"},
		{"range over a list without [*]", `{range .items}{.metadata.name};{end}`, false, "kubia-a;kubia-b;"},
		{"nested range", `{range .items[*]}{.metadata.name}:{range .spec.containers[*]} {.name}{end}{"\n"}{end}`, false,
			"kubia-a: main side\nkubia-b: main\n"},
		{"root inside range", `{range .items[*]}{$.kind} {end}`, false, "List List "},
		{"text around actions", "ip={.status.podIP}!", true, "ip=10.244.1.5!"},
		{"filter", `{.items[?(@.status.conditions[0].status=="True")].metadata.name}`, false, "kubia-a"},
		{"filter not equal", `{.items[?(@.metadata.name!='kubia-a')].metadata.name}`, false, "kubia-b"},
		{"filter on a number", `{.items[?(@.status.restarts>1)].metadata.name}`, false, "kubia-a"},
		{"filter exists", `{.items[?(@.metadata.annotations)].metadata.name}`, false, "kubia-a"},
		{"condition status by type", `{.status.conditions[?(@.type=="Ready")].status}`, true, "True"},
		{"slice", "{.items[0:1].metadata.name}", false, "kubia-a"},
		{"wildcard over a map", "{.metadata.annotations.*}", true, "first x"},
		{"recursive descent", "{..image}", false, "kubia:v1 busybox kubia:v2"},
		{"dollar root", "{$.items[1].metadata.name}", false, "kubia-b"},
		{"spaces inside braces", "{ .metadata.name }", true, "kubia-a"},
		{"the current object", "{.status.conditions[0]}", true, `{"status":"True","type":"Ready"}`},
		{"no actions", "plain text", true, "plain text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jp, err := parseJSONPath(tt.template)
			if err != nil {
				t.Fatal(err)
			}
			data := list
			if tt.onFirst {
				data = first
			}
			var out strings.Builder
			if err := jp.execute(&out, data); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}

func TestJSONPathErrors(t *testing.T) {
	tests := []struct {
		name     string
		template string
		want     string
	}{
		{"unclosed action", "{.metadata.name", "unclosed action"},
		{"range without end", "{range .items[*]}{.metadata.name}", "{range} without a matching {end}"},
		{"end without range", "{.a}{end}", "unexpected {end} without a {range}"},
		{"bad index", "{.items[x]}", "invalid array index x"},
		{"unterminated bracket", "{.items[0}", "unterminated ["},
		{"unterminated string", `{"abc}`, "unterminated string"},
		{"bare identifier", "{metadata.name}", "unrecognized identifier metadata"},
		{"empty action", "{}", "empty expression"},
		{"filter without value", `{.items[?(@.a==)]}`, "a filter needs a value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseJSONPath(tt.template)
			if err == nil {
				t.Fatalf("no error for %s", tt.template)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "error parsing jsonpath "+tt.template) {
				t.Errorf("error %q does not name the template and say %q", err, tt.want)
			}
		})
	}
}
