package api

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseFieldSelector(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []FieldRequirement
		str   string
	}{
		{"empty", "", nil, ""},
		{"name", "metadata.name=kubia", []FieldRequirement{{"metadata.name", "=", "kubia"}}, "metadata.name=kubia"},
		{"double equals", "metadata.name==kubia", []FieldRequirement{{"metadata.name", "=", "kubia"}}, "metadata.name=kubia"},
		{"not equals empty", "spec.nodeName!=", []FieldRequirement{{"spec.nodeName", "!=", ""}}, "spec.nodeName!="},
		{"equals empty", "spec.nodeName=", []FieldRequirement{{"spec.nodeName", "=", ""}}, "spec.nodeName="},
		{"two sorted", "status.phase!=Failed,metadata.name=x",
			[]FieldRequirement{{"metadata.name", "=", "x"}, {"status.phase", "!=", "Failed"}}, "metadata.name=x,status.phase!=Failed"},
		{"spaces", " metadata.name = x ", []FieldRequirement{{"metadata.name", "=", "x"}}, "metadata.name=x"},
		{"escaped comma and equals", `metadata.name=a\,b\=c\\d`, []FieldRequirement{{"metadata.name", "=", `a,b=c\d`}}, `metadata.name=a\,b\=c\\d`},
		{"value with equals after operator", "reason=a", []FieldRequirement{{"reason", "=", "a"}}, "reason=a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := ParseFieldSelector(tt.input)
			if err != nil {
				t.Fatal(err)
			}
			if got := sel.Requirements(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Requirements() = %#v, want %#v", got, tt.want)
			}
			if sel.String() != tt.str {
				t.Errorf("String() = %q, want %q", sel.String(), tt.str)
			}
			if sel.Empty() != (len(tt.want) == 0) {
				t.Errorf("Empty() = %v", sel.Empty())
			}
			again, err := ParseFieldSelector(sel.String())
			if err != nil || again.String() != tt.str {
				t.Errorf("re-parsing: %v, %v", again, err)
			}
		})
	}
}

func TestParseFieldSelectorErrors(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"no operator", "metadata.name", `"metadata.name" has no operator`},
		{"no field", "=x", `"=x" has no field name before "="`},
		{"empty term", "a=b,,c=d", "empty requirement between commas"},
		{"trailing comma", "a=b,", "empty requirement between commas"},
		{"bad escape", `a=b\x`, `at position 3: invalid escape sequence`},
		{"trailing backslash", `a=b\`, "invalid escape sequence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFieldSelector(tt.input)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestFieldSelectorMatches(t *testing.T) {
	pod := &Pod{ObjectMeta: ObjectMeta{Name: "kubia", Namespace: "default"}}
	pod.Status.Phase = PodPending
	fields := FieldsOf(pod)
	tests := []struct {
		selector string
		want     bool
	}{
		{"", true},
		{"metadata.name=kubia", true},
		{"metadata.name!=kubia", false},
		{"spec.nodeName=", true},
		{"spec.nodeName!=", false},
		{"metadata.namespace=default,status.phase=Pending", true},
		{"metadata.namespace=default,status.phase=Running", false},
		{"no.such.field=", true},
	}
	for _, tt := range tests {
		t.Run(tt.selector, func(t *testing.T) {
			sel, err := ParseFieldSelector(tt.selector)
			if err != nil {
				t.Fatal(err)
			}
			if got := sel.Matches(fields); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFieldsOf(t *testing.T) {
	tests := []struct {
		name string
		obj  Object
		want map[string]string
	}{
		{"pod", &Pod{
			ObjectMeta: ObjectMeta{Name: "p", Namespace: "ns"},
			Spec:       PodSpec{NodeName: "node-1", RestartPolicy: RestartAlways, SchedulerName: DefaultSchedulerName},
			Status:     PodStatus{Phase: PodRunning, PodIP: "10.244.1.5"},
		}, map[string]string{
			"metadata.name": "p", "metadata.namespace": "ns", "spec.nodeName": "node-1", "spec.restartPolicy": "Always",
			"spec.schedulerName": "default-scheduler", "spec.serviceAccountName": "", "spec.hostNetwork": "false",
			"status.phase": "Running", "status.podIP": "10.244.1.5",
		}},
		{"node", &Node{ObjectMeta: ObjectMeta{Name: "n"}, Spec: NodeSpec{Unschedulable: true}},
			map[string]string{"metadata.name": "n", "metadata.namespace": "", "spec.unschedulable": "true"}},
		{"namespace", &Namespace{ObjectMeta: ObjectMeta{Name: "dev"}, Status: NamespaceStatus{Phase: NamespaceActive}},
			map[string]string{"metadata.name": "dev", "metadata.namespace": "", "status.phase": "Active"}},
		{"secret", &Secret{ObjectMeta: ObjectMeta{Name: "s", Namespace: "ns"}, Type: "Opaque"},
			map[string]string{"metadata.name": "s", "metadata.namespace": "ns", "type": "Opaque"}},
		{"config map", &ConfigMap{ObjectMeta: ObjectMeta{Name: "c", Namespace: "ns"}},
			map[string]string{"metadata.name": "c", "metadata.namespace": "ns"}},
		{"event", &Event{
			ObjectMeta:     ObjectMeta{Name: "e", Namespace: "ns"},
			InvolvedObject: ObjectReference{Kind: "Pod", Namespace: "ns", Name: "p", UID: "u", APIVersion: "v1", ResourceVersion: "7", FieldPath: "spec.containers{web}"},
			Reason:         "Scheduled", Source: EventSource{Component: "scheduler"}, Type: EventNormal,
		}, map[string]string{
			"metadata.name": "e", "metadata.namespace": "ns",
			"involvedObject.kind": "Pod", "involvedObject.namespace": "ns", "involvedObject.name": "p", "involvedObject.uid": "u",
			"involvedObject.apiVersion": "v1", "involvedObject.resourceVersion": "7", "involvedObject.fieldPath": "spec.containers{web}",
			"reason": "Scheduled", "source": "scheduler", "type": "Normal",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FieldsOf(tt.obj); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FieldsOf = %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestValidateFieldSelector(t *testing.T) {
	tests := []struct {
		name, resource, selector, want string
	}{
		{"pods by node", "pods", "spec.nodeName=node-1", ""},
		{"pods by phase", "pods", "status.phase!=Succeeded,metadata.namespace=default", ""},
		{"pods unknown field", "pods", "spec.foo=bar", "field label not supported: spec.foo"},
		{"nodes unschedulable", "nodes", "spec.unschedulable=false", ""},
		{"nodes have no phase", "nodes", "status.phase=Running", "field label not supported: status.phase"},
		{"events by object", "events", "involvedObject.name=kubia,type=Warning", ""},
		{"secrets by type", "secrets", "type=Opaque", ""},
		{"replicasets by name", "replicasets", "metadata.name=x", ""},
		{"unknown resource allows metadata", "widgets", "metadata.name=x", ""},
		{"unknown resource rejects others", "widgets", "spec.x=y", "field label not supported: spec.x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := ParseFieldSelector(tt.selector)
			if err != nil {
				t.Fatal(err)
			}
			err = ValidateFieldSelector(tt.resource, sel)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}
