package apiserver

import (
	"encoding/json"
	"net/http"
	"testing"

	"kubelab/pkg/api"
)

func TestPatchTypes(t *testing.T) {
	base := func() *api.Pod {
		p := testPod("p")
		p.Spec.Containers = append(p.Spec.Containers, api.Container{Name: "side", Image: "busybox:1"})
		return p
	}
	tests := []struct {
		name, contentType, patch string
		check                    func(t *testing.T, p api.Pod)
	}{
		{"merge replaces lists", mergePatch, `{"metadata":{"labels":{"tier":"web","app":null}}}`,
			func(t *testing.T, p api.Pod) {
				if p.Labels["tier"] != "web" || p.Labels["app"] != "" || len(p.Spec.Containers) != 2 {
					t.Fatalf("labels=%v containers=%d", p.Labels, len(p.Spec.Containers))
				}
			}},
		{"strategic merges containers by name", strategicPatch, `{"spec":{"containers":[{"name":"side","image":"busybox:2"}]}}`,
			func(t *testing.T, p api.Pod) {
				if len(p.Spec.Containers) != 2 || p.Spec.Containers[1].Image != "busybox:2" || p.Spec.Containers[0].Image != "kubelab/kubia:latest" {
					t.Fatalf("containers = %+v", p.Spec.Containers)
				}
			}},
		{"json patch", jsonPatch, `[{"op":"replace","path":"/spec/containers/0/image","value":"kubelab/kubia:v2"},{"op":"add","path":"/metadata/labels/x","value":"y"}]`,
			func(t *testing.T, p api.Pod) {
				if p.Spec.Containers[0].Image != "kubelab/kubia:v2" || p.Labels["x"] != "y" {
					t.Fatalf("image=%s labels=%v", p.Spec.Containers[0].Image, p.Labels)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t)
			ts.must(http.StatusCreated, "POST", podsPath, base())
			var p api.Pod
			ts.must(http.StatusOK, "PATCH", podsPath+"/p", tc.patch, tc.contentType).into(t, &p)
			tc.check(t, p)
		})
	}
}

func TestStrategicMerge(t *testing.T) {
	tests := []struct{ name, target, patch, want string }{
		{"env merges by name", `{"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}`,
			`{"env":[{"name":"B","value":"3"},{"name":"C","value":"4"}]}`,
			`{"env":[{"name":"A","value":"1"},{"name":"B","value":"3"},{"name":"C","value":"4"}]}`},
		{"delete directive", `{"volumes":[{"name":"a"},{"name":"b"}]}`, `{"volumes":[{"name":"a","$patch":"delete"}]}`,
			`{"volumes":[{"name":"b"}]}`},
		{"container ports by containerPort", `{"ports":[{"containerPort":80,"name":"a"}]}`, `{"ports":[{"containerPort":80,"name":"b"}]}`,
			`{"ports":[{"containerPort":80,"name":"b"}]}`},
		{"finalizers as a set", `{"finalizers":["a"]}`, `{"finalizers":["a","b"]}`, `{"finalizers":["a","b"]}`},
		{"delete from primitive list", `{"finalizers":["a","b"]}`, `{"$deleteFromPrimitiveList/finalizers":["a"]}`, `{"finalizers":["b"]}`},
		{"other lists replace", `{"args":["a","b"]}`, `{"args":["c"]}`, `{"args":["c"]}`},
		{"null deletes", `{"a":1,"b":2}`, `{"a":null}`, `{"b":2}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var target any
			var patch map[string]any
			json.Unmarshal([]byte(tc.target), &target)
			json.Unmarshal([]byte(tc.patch), &patch)
			got, _ := json.Marshal(strategicMerge(target, patch))
			var a, b any
			json.Unmarshal(got, &a)
			json.Unmarshal([]byte(tc.want), &b)
			ga, _ := json.Marshal(a)
			gb, _ := json.Marshal(b)
			if string(ga) != string(gb) {
				t.Fatalf("got %s, want %s", ga, gb)
			}
		})
	}
}

func TestPatchConflictWhenPinned(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", podsPath, testPod("p"))
	ts.must(http.StatusConflict, "PATCH", podsPath+"/p", `{"metadata":{"resourceVersion":"1","labels":{"a":"b"}}}`, mergePatch)
	st := ts.must(http.StatusUnsupportedMediaType, "PATCH", podsPath+"/p", `{}`, "application/json").status()
	if st.Reason != "UnsupportedMediaType" {
		t.Fatalf("%+v", st)
	}
}
