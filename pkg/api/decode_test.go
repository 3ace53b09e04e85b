package api

import (
	"reflect"
	"strings"
	"testing"
)

// describeDocs decodes each document and names it Kind/name.
func describeDocs(t *testing.T, docs [][]byte) []string {
	t.Helper()
	var out []string
	for _, d := range docs {
		obj, res, _, err := Decode(d)
		if err != nil {
			t.Fatalf("Decode(%q): %v", d, err)
		}
		out = append(out, res.Kind+"/"+obj.GetObjectMeta().Name)
	}
	return out
}

func TestSplitDocuments(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"one document", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n", []string{"Pod/a"}},
		{"leading separator", "---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n", []string{"Pod/a"}},
		{"two documents", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n",
			[]string{"Pod/a", "Service/b"}},
		{"empty and comment-only documents", "---\n---\n# just a comment\n---\n\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n...\n",
			[]string{"Pod/a"}},
		{"separator with comment", "kind: Pod\napiVersion: v1\nmetadata: {name: a}\n--- # next\nkind: Pod\napiVersion: v1\nmetadata: {name: b}\n",
			[]string{"Pod/a", "Pod/b"}},
		{"windows line endings", "apiVersion: v1\r\nkind: Pod\r\nmetadata: {name: a}\r\n---\r\napiVersion: v1\r\nkind: Pod\r\nmetadata: {name: b}\r\n",
			[]string{"Pod/a", "Pod/b"}},
		{"dashes inside a value are not a separator", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  f: |\n    ---x\n", []string{"ConfigMap/a"}},
		{"empty input", "", nil},
		{"only comments", "# nothing here\n", nil},
		{"json object", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}`, []string{"Pod/a"}},
		{"json stream", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}} {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}`,
			[]string{"Pod/a", "Pod/b"}},
		{"yaml list", `
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: a}}
- {apiVersion: v1, kind: Service, metadata: {name: b}}
`, []string{"Pod/a", "Service/b"}},
		{"typed list", "apiVersion: v1\nkind: PodList\nitems: [{apiVersion: v1, kind: Pod, metadata: {name: a}}]\n", []string{"Pod/a"}},
		{"nested list", `{"kind": "List", "items": [{"kind": "List", "items": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}]}]}`,
			[]string{"Pod/a"}},
		{"list among documents", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nkind: List\nitems: [{apiVersion: v1, kind: Pod, metadata: {name: b}}]\n",
			[]string{"Pod/a", "Pod/b"}},
		{"empty list", "kind: List\nitems: []\n", nil},
		{"a kind ending in List that has no items", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: PodList}\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := SplitDocuments([]byte(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			if tt.name == "a kind ending in List that has no items" {
				// The ConfigMap's name is not a DNS name, but splitting does
				// not care: it must come back whole.
				if len(docs) != 1 {
					t.Fatalf("got %d documents", len(docs))
				}
				return
			}
			if got := describeDocs(t, docs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("documents = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("list items must be a list", func(t *testing.T) {
		_, err := SplitDocuments([]byte(`{"kind": "List", "items": {"a": 1}}`))
		if err == nil || err.Error() != "the items of a List must be a list of objects" {
			t.Errorf("error = %v", err)
		}
	})
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		resource string
		warnings []string
		check    func(t *testing.T, obj Object)
	}{
		{"yaml pod", `
apiVersion: v1
kind: Pod
metadata:
  name: kubia
  labels: {app: kubia}
spec:
  containers:
  - name: web
    image: kubia:v1
    ports: [{containerPort: 8080}]
    resources: {requests: {cpu: 0.5, memory: 128Mi}}
    livenessProbe: {httpGet: {port: http}}
`, "pods", nil, func(t *testing.T, obj Object) {
			pod := obj.(*Pod)
			c := pod.Spec.Containers[0]
			if pod.Name != "kubia" || c.Image != "kubia:v1" || c.Ports[0].ContainerPort != 8080 ||
				c.Resources.Requests["cpu"].MilliValue() != 500 || c.LivenessProbe.HTTPGet.Port != FromString("http") {
				t.Errorf("decoded %+v", pod)
			}
		}},
		{"json service", `{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubia"},
			"spec": {"ports": [{"port": 80, "targetPort": 8080}]}}`, "services", nil, func(t *testing.T, obj Object) {
			if svc := obj.(*Service); svc.Spec.Ports[0].TargetPort != FromInt(8080) {
				t.Errorf("decoded %+v", svc)
			}
		}},
		{"flow style yaml", "{apiVersion: apps/v1, kind: ReplicaSet, metadata: {name: rs}, spec: {replicas: 2}}", "replicasets", nil,
			func(t *testing.T, obj Object) {
				if rs := obj.(*ReplicaSet); *rs.Spec.Replicas != 2 {
					t.Errorf("replicas = %d", *rs.Spec.Replicas)
				}
			}},
		{"unknown fields are warnings", `
apiVersion: apps/v1
kind: ReplicaSet
metdata: {name: x}
spec:
  replica: 3
  template:
    spec:
      containers:
      - name: web
        image: kubia
        imagePullPolcy: Always
        ports: [{containerport: 8080}]
      volumes: [{name: v, emptydir: {}}]
`, "replicasets", []string{
			`unknown field "metdata"`,
			`unknown field "spec.replica"`,
			`unknown field "spec.template.spec.containers[0].imagePullPolcy"`,
			`unknown field "spec.template.spec.containers[0].ports[0].containerport"`,
			`unknown field "spec.template.spec.volumes[0].emptydir"`,
		}, func(t *testing.T, obj Object) {
			rs := obj.(*ReplicaSet)
			if rs.Spec.Replicas != nil || rs.Spec.Template.Spec.Containers[0].Ports[0].ContainerPort != 0 {
				t.Errorf("an unknown field was decoded: %+v", rs.Spec)
			}
		}},
		{"inline fields are known", `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: i, readinessProbe: {exec: {command: [cat, /tmp/ready]}, periodSeconds: 3}}]
  volumes: [{name: v, hostPath: {path: /tmp}}]
`, "pods", nil, nil},
		{"a single-item list", `{"kind": "List", "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}}]}`, "namespaces", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, res, warnings, err := Decode([]byte(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			if res.Name != tt.resource {
				t.Errorf("resource = %q, want %q", res.Name, tt.resource)
			}
			if !reflect.DeepEqual(warnings, tt.warnings) && (len(warnings) > 0 || len(tt.warnings) > 0) {
				t.Errorf("warnings:\n  %s\nwant:\n  %s", strings.Join(warnings, "\n  "), strings.Join(tt.warnings, "\n  "))
			}
			if tt.check != nil {
				tt.check(t, obj)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
	tests := []struct {
		name  string
		input string
		want  string // the whole error text
	}{
		{"replicas as a word", "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs}\nspec: {replicas: three}\n",
			`spec.replicas: expected int32, got string "three"`},
		{"replicas quoted", "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs}\nspec: {replicas: \"3\"}\n",
			`spec.replicas: expected int32, got string "3"`},
		{"replicas too big", "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs}\nspec: {replicas: 3000000000}\n",
			`spec.replicas: expected int32, got number 3000000000 (out of range)`},
		{"fractional port", pod + "spec: {containers: [{name: c, image: i, ports: [{containerPort: 80.5}]}]}\n",
			`spec.containers[0].ports[0].containerPort: expected int32, got number 80.5`},
		{"containers as a map", pod + "spec: {containers: {name: c, image: i}}\n", `spec.containers: expected array, got object`},
		{"command as a string", pod + "spec: {containers: [{name: c, image: i, command: sleep 10}]}\n",
			`spec.containers[0].command: expected array, got string "sleep 10"`},
		{"label as a number", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {version: 1.5}}\n",
			`metadata.labels.version: expected string, got number 1.5`},
		{"label as yes", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {enabled: yes}}\n",
			`metadata.labels.enabled: expected string, got bool true`},
		{"bad quantity", pod + "spec: {containers: [{name: c, image: i, resources: {limits: {memory: 1.5.5Gi}}}]}\n",
			`spec.containers[0].resources.limits.memory: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`},
		{"bad target port", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80, targetPort: true}]}\n",
			`spec.ports[0].targetPort: must be an integer or a string, got true`},
		{"bad time", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, creationTimestamp: yesterday}\n",
			`metadata.creationTimestamp: time "yesterday" is not RFC 3339`},
		{"secret data not base64", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: hunter2}\n",
			`data.password: expected base64-encoded string (use stringData for plain text): illegal base64 data at input byte 4`},
		{"several wrong types", pod + "spec: {restartPolicy: 1, hostNetwork: \"true\"}\n",
			`spec.hostNetwork: expected bool, got string "true"; spec.restartPolicy: expected string, got number 1`},
		{"bad indentation", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n   labels: x\n",
			"error converting YAML to JSON: yaml: line 5: mapping values are not allowed in this context"},
		{"tab indentation", "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: a\n",
			"error converting YAML to JSON: yaml: line 4: found character that cannot start any token"},
		{"duplicate key", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\n",
			`error converting YAML to JSON: yaml: unmarshal errors: line 5: key "name" already set in map`},
		{"broken json", "{\n  \"apiVersion\": \"v1\"\n  \"kind\": \"Pod\"\n}",
			"invalid JSON at line 3, column 3: invalid character '\"' after object key:value pair"},
		{"unknown kind", "apiVersion: apps/v1\nkind: PodDisruptionBudget\nmetadata: {name: d}\n", `no kind "PodDisruptionBudget" is registered for version "apps/v1"`},
		{"wrong api version", "apiVersion: extensions/v1beta1\nkind: ReplicaSet\nmetadata: {name: d}\n",
			`no kind "ReplicaSet" is registered for version "extensions/v1beta1"`},
		{"lower-case kind", "apiVersion: v1\nkind: pod\nmetadata: {name: d}\n", `no kind "pod" is registered for version "v1"`},
		{"missing kind", "apiVersion: v1\nmetadata: {name: d}\n", `kind is required (the object has apiVersion "v1")`},
		{"missing api version", "kind: Pod\nmetadata: {name: d}\n", `apiVersion is required (the object has kind "Pod")`},
		{"api version as a number", "apiVersion: 1\nkind: Pod\n", "apiVersion: expected string, got number 1"},
		{"empty", "", "no object found: the input is empty or only comments"},
		{"two objects", pod + "---\n" + pod, "the input holds 2 objects; decode them one by one (see SplitDocuments)"},
		{"a list at the top", "- a\n- b\n", "the document must be an object with apiVersion, kind and metadata, found array"},
		{"a word", "hello", `the document must be an object with apiVersion, kind and metadata, found string "hello"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, _, _, err := Decode([]byte(tt.input))
			if err == nil {
				t.Fatalf("decoded %+v, want an error", obj)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n  %s\nwant:\n  %s", err, tt.want)
			}
		})
	}
}

func TestDecodeInto(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		obj      Object
		warnings []string
		err      string
	}{
		{"pod", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": {"nodname": "x"}}`, &Pod{},
			[]string{`unknown field "spec.nodname"`}, ""},
		{"yaml without type", "metadata: {name: a}\nspec: {containers: [{name: c, image: i}]}\n", &Pod{}, nil, ""},
		{"kind mismatch", `{"apiVersion": "v1", "kind": "Service"}`, &Pod{}, nil,
			"the kind in the data (Service) does not match the expected kind (Pod)"},
		{"version mismatch", `{"apiVersion": "apps/v1", "kind": "Pod"}`, &Pod{}, nil,
			"the API version in the data (apps/v1) does not match the expected API version (v1)"},
		{"binding", `{"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "p"}, "target": {"kind": "Node", "name": "n1"}}`, &Binding{}, nil, ""},
		{"duplicate fields after unknown ones", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "name": "b"},
			"spec": {"containers": [{"name": "c", "image": "i", "image": "j"}], "nodname": "x"}}`, &Pod{},
			[]string{`unknown field "spec.nodname"`, `duplicate field "metadata.name"`, `duplicate field "spec.containers[0].image"`}, ""},
		{"wrong type", `{"spec": {"replicas": "two"}}`, &ReplicaSet{}, nil, `spec.replicas: expected int32, got string "two"`},
		{"yaml ending in an empty document", "metadata: {name: a}\n---\n# nothing\n", &ConfigMap{}, nil, ""},
		{"two yaml documents", "metadata: {name: a}\n---\nmetadata: {name: b}\n", &ConfigMap{}, nil,
			"error converting YAML to JSON: the data holds more than one YAML document (separated by ---); one object is expected"},
		{"two flow yaml documents", "{metadata: {name: a}}\n{metadata: {name: b}}\n", &ConfigMap{}, nil,
			"invalid JSON at line 1, column 2: invalid character 'm' looking for beginning of object key string"},
		{"two json documents", `{"metadata": {"name": "a"}} {"metadata": {"name": "b"}}`, &ConfigMap{}, nil,
			"invalid JSON at line 1, column 29: unexpected data after the object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warnings, err := DecodeInto([]byte(tt.input), tt.obj)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(warnings, tt.warnings) && (len(warnings) > 0 || len(tt.warnings) > 0) {
				t.Errorf("warnings = %v, want %v", warnings, tt.warnings)
			}
			if tt.obj.GetObjectMeta().Name == "" {
				t.Errorf("name not decoded: %+v", tt.obj)
			}
		})
	}
	t.Run("binding target", func(t *testing.T) {
		var b Binding
		if _, err := DecodeInto([]byte(`{"metadata": {"name": "p"}, "target": {"kind": "Node", "name": "n1"}}`), &b); err != nil {
			t.Fatal(err)
		}
		if b.Target.Name != "n1" {
			t.Errorf("target = %+v", b.Target)
		}
	})
}

func TestUnknownFields(t *testing.T) {
	tests := []struct {
		name string
		json string
		obj  Object
		want []string
	}{
		{"none", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": {"anything": "goes"}}}`, &Pod{}, nil},
		{"nested and sorted", `{"zeta": 1, "metadata": {"nam": "a"}, "spec": {"containers": [{}, {"imagePullPolcy": "Always", "resources": {"limit": {}}}]}}`,
			&Pod{}, []string{"metadata.nam", "spec.containers[1].imagePullPolcy", "spec.containers[1].resources.limit", "zeta"}},
		{"field names are case-sensitive", `{"Metadata": {}, "spec": {"Containers": []}}`, &Pod{}, []string{"Metadata", "spec.Containers"}},
		{"leaves are not walked", `{"spec": {"ports": [{"targetPort": {"x": 1}}]}, "metadata": {"creationTimestamp": {"y": 2}}}`, &Service{}, nil},
		{"status fields", `{"status": {"conditions": [{"type": "Ready", "status": "True", "lastHeartbeat": "x"}]}}`, &Node{},
			[]string{"status.conditions[0].lastHeartbeat"}},
		{"not json", `{`, &Pod{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := UnknownFields([]byte(tt.json), tt.obj); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("UnknownFields = %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	seeds := []string{
		"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: i, ports: [{containerPort: 80}]}]}\n",
		`{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80, "targetPort": "http"}]}}`,
		"apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs}\nspec: {replicas: three, selector: {matchLabels: {a: b}}}\n",
		"apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: ds}\nspec: {selector: {matchExpressions: [{key: a, operator: In}]}, template: {spec: {containers: []}}}\n",
		"apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc}\nspec: {template: {metadata: {labels: {a: b}}}}\n",
		"kind: List\nitems: [{apiVersion: v1, kind: Node, metadata: {name: n}, spec: {taints: [{key: k, effect: NoSchedule}]}}]\n",
		"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: YWJj}\n",
		"apiVersion: v1\nkind: Endpoints\nmetadata: {name: e}\nsubsets: [{addresses: [{ip: 1.2.3.4}], ports: [{port: 1}]}]\n",
		"apiVersion: v1\nkind: Event\nmetadata: {name: e}\ninvolvedObject: {kind: Pod}\n",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n",
		"a: &a [*a]\n", "{", "- - -", "", "---\n---\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := SplitDocuments(data)
		if err != nil {
			return
		}
		for _, doc := range docs {
			obj, _, _, err := Decode(doc)
			if err != nil {
				continue
			}
			// Whatever decodes must survive the rest of admission.
			SetDefaults(obj)
			Validate(obj)
			ValidateUpdate(obj, DeepCopy(obj))
			FieldsOf(obj)
		}
	})
}

// The last of a duplicate field wins, as in Kubernetes; each is reported
// once, by its path.
func TestDuplicateFields(t *testing.T) {
	tests := []struct {
		name, input string
		want        []string
	}{
		{"none", `{"a": 1, "b": {"a": 2}, "c": [{"a": 3}, {"a": 4}]}`, nil},
		{"top level", `{"kind": "Pod", "kind": "Pod"}`, []string{`duplicate field "kind"`}},
		{"three times is reported once", `{"a": 1, "a": 2, "a": 3}`, []string{`duplicate field "a"`}},
		{"map keys and list items", `{"metadata": {"labels": {"app": "x", "app": "y"}}, "spec": {"ports": [{"port": 1}, {"port": 2, "port": 3}]}}`,
			[]string{`duplicate field "metadata.labels.app"`, `duplicate field "spec.ports[1].port"`}},
		{"the same key in two objects is not a duplicate", `{"a": {"x": 1}, "b": {"x": 1}}`, nil},
		{"an object inside a duplicate", `{"spec": {"a": 1}, "spec": {"a": 2, "a": 3}}`,
			[]string{`duplicate field "spec"`, `duplicate field "spec.a"`}},
		{"not json", `{"a": 1, "a"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DuplicateFields([]byte(tt.input)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("the last value wins", func(t *testing.T) {
		var cm ConfigMap
		warnings, err := DecodeInto([]byte(`{"metadata": {"name": "a", "name": "b"}}`), &cm)
		if err != nil || cm.Name != "b" || len(warnings) != 1 {
			t.Fatalf("name %q, warnings %q, err %v", cm.Name, warnings, err)
		}
	})
}
