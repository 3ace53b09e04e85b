package apiserver

import (
	"encoding/json"
	"net/http"
	"strings"
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
		{"a replace directive replaces a keyed list whole", `{"ports":[{"port":53,"protocol":"UDP","name":"dns"},{"port":80}]}`,
			`{"ports":[{"port":53,"protocol":"UDP","name":"dns"},{"port":53,"protocol":"TCP","name":"dns-tcp"},{"$patch":"replace"}]}`,
			`{"ports":[{"port":53,"protocol":"UDP","name":"dns"},{"port":53,"protocol":"TCP","name":"dns-tcp"}]}`},
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

// RFC 6902 on lists: "-" is the end of a list, where add appends and
// nothing else has an element to work on. Refusals are in
// testdata/bad-requests.yaml, through the pod and the scale handlers.
func TestJSONPatchLists(t *testing.T) {
	tests := []struct{ name, patch, want, err string }{
		{"add at the end", `[{"op":"add","path":"/l/-","value":3}]`, `{"l":[1,2,3]}`, ""},
		{"add at the length", `[{"op":"add","path":"/l/2","value":3}]`, `{"l":[1,2,3]}`, ""},
		{"add in front", `[{"op":"add","path":"/l/0","value":0}]`, `{"l":[0,1,2]}`, ""},
		{"add to a nested list", `[{"op":"add","path":"/m/0/-","value":"b"}]`, `{"l":[1,2],"m":[["a","b"]]}`, ""},
		{"remove the last", `[{"op":"remove","path":"/l/1"}]`, `{"l":[1]}`, ""},
		{"replace", `[{"op":"replace","path":"/l/0","value":9}]`, `{"l":[9,2]}`, ""},
		{"test", `[{"op":"test","path":"/l/1","value":2}]`, `{"l":[1,2]}`, ""},
		{"test fails", `[{"op":"test","path":"/l/1","value":3}]`, "", "test failed: the value is 2"},
		{"remove at the end", `[{"op":"remove","path":"/l/-"}]`, "", `the index "-" names the end of the list, where there is nothing to remove`},
		{"replace at the end", `[{"op":"replace","path":"/l/-","value":1}]`, "", `the index "-" names the end of the list, where there is nothing to replace`},
		{"test at the end", `[{"op":"test","path":"/l/-","value":1}]`, "", `the index "-" names the end of the list, where there is nothing to test`},
		{"end of a list inside a path", `[{"op":"add","path":"/m/-/0","value":1}]`, "", `"-" is not a list index`},
		{"remove past the end", `[{"op":"remove","path":"/l/2"}]`, "", "index 2 is out of range: the list has 2 elements"},
		{"add past the length", `[{"op":"add","path":"/l/3","value":1}]`, "", "index 3 is out of range: the list has 2 elements"},
		{"negative index", `[{"op":"remove","path":"/l/-1"}]`, "", `"-1" is not a list index`},
		{"move is not supported", `[{"op":"move","from":"/l/0","path":"/l/1"}]`, "", "unsupported operation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := `{"l":[1,2]}`
			if strings.Contains(tc.patch, "/m/") {
				doc = `{"l":[1,2],"m":[["a"]]}`
			}
			out, _, err := applyPatch(jsonPatch, []byte(doc), []byte(tc.patch))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || string(out) != tc.want {
				t.Fatalf("got %s, %v; want %s", out, err, tc.want)
			}
		})
	}
}
