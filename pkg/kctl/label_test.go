package kctl

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestParseMetaChanges(t *testing.T) {
	tests := []struct {
		name    string
		field   string
		args    []string
		patch   string
		wantErr string
	}{
		{"set and remove", "labels", []string{"disk=ssd", "zone-"}, `{"disk":"ssd","zone":null}`, ""},
		{"empty value", "labels", []string{"x="}, `{"x":""}`, ""},
		{"bad key", "labels", []string{"-x=1"}, "", `invalid label key "-x"`},
		{"bad value", "labels", []string{"x=a b"}, "", `invalid label value "a b"`},
		{"an annotation may hold anything", "annotations", []string{"description=my first pod, v2"}, `{"description":"my first pod, v2"}`, ""},
		{"an annotation value may hold =", "annotations", []string{"query=a=b"}, `{"query":"a=b"}`, ""},
		{"set and remove one key", "annotations", []string{"a=1", "a-"}, "",
			"can not both modify and remove the following annotation(s) in the same command: a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set, remove, err := parseMetaChanges(tc.args, tc.field)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(metaPatch(set, remove))
			if string(got) != tc.patch {
				t.Fatalf("patch %s, want %s", got, tc.patch)
			}
		})
	}
}

func TestSplitPairs(t *testing.T) {
	objs, pairs, err := splitPairs([]string{"pod", "kubia", "a=1", "b-"}, "annotation")
	if err != nil || strings.Join(objs, " ") != "pod kubia" || strings.Join(pairs, " ") != "a=1 b-" {
		t.Errorf("got %q %q %v", objs, pairs, err)
	}
	if _, _, err := splitPairs([]string{"pod", "a=1", "kubia"}, "annotation"); err == nil ||
		err.Error() != "all resources must be specified before annotation changes: kubia" {
		t.Errorf("a name after a change: err %v", err)
	}
}

func TestAnnotate(t *testing.T) {
	const pod = "/api/v1/namespaces/default/pods/kubia"
	const other = "/api/v1/namespaces/default/pods/other"
	tests := []struct {
		name    string
		args    []string
		out     string
		errOut  string
		patches []string // the bodies of the PATCHes sent, in order
	}{
		{"add", []string{"annotate", "pod", "kubia", "description=my first pod"}, "pod/kubia annotated\n", "",
			[]string{`{"metadata":{"annotations":{"description":"my first pod"}}}`}},
		{"remove, as TYPE/NAME", []string{"annotate", "pod/kubia", "owner-"}, "pod/kubia annotated\n", "",
			[]string{`{"metadata":{"annotations":{"owner":null}}}`}},
		{"the same value needs no --overwrite", []string{"annotate", "pod", "kubia", "owner=ann"}, "pod/kubia annotated\n", "",
			[]string{`{"metadata":{"annotations":{"owner":"ann"}}}`}},
		{"a change without --overwrite", []string{"annotate", "pod", "kubia", "owner=bob", "team=x"}, "",
			"error: --overwrite is false but found the following declared annotation(s): 'owner' already has a value (ann)\n", nil},
		{"a change with --overwrite", []string{"annotate", "--overwrite", "pod", "kubia", "owner=bob"}, "pod/kubia annotated\n", "",
			[]string{`{"metadata":{"annotations":{"owner":"bob"}}}`}},
		{"by selector", []string{"annotate", "pods", "-l", "app=kubia", "checked=yes"}, "pod/kubia annotated\n", "",
			[]string{`{"metadata":{"annotations":{"checked":"yes"}}}`}},
		{"all of a type", []string{"annotate", "pods", "--all", "checked=yes"}, "pod/kubia annotated\npod/other annotated\n", "",
			[]string{`{"metadata":{"annotations":{"checked":"yes"}}}`, `{"metadata":{"annotations":{"checked":"yes"}}}`}},
		{"with a resourceVersion", []string{"annotate", "pod", "kubia", "a=b", "--resource-version=7"}, "pod/kubia annotated\n", "",
			[]string{`{"metadata":{"annotations":{"a":"b"},"resourceVersion":"7"}}`}},
		{"list", []string{"annotate", "pod", "kubia", "--list"}, "owner=ann\n", "", nil},
		{"no change", []string{"annotate", "pod", "kubia"}, "", "error: at least one annotation update is required\n", nil},
		{"no name", []string{"annotate", "pods", "a=b"}, "", "error: resource(s) were provided, but no name was specified\n", nil},
		{"missing", []string{"annotate", "pod", "nope", "a=b"}, "", "Error from server (NotFound): pods \"nope\" not found\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake, server := newFakeAPI(t)
			fake.objects[pod] = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kubia","namespace":"default","labels":{"app":"kubia"},"annotations":{"owner":"ann"}}}`
			fake.objects[other] = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"other","namespace":"default"}}`
			out, errOut, _ := kctl(t, server, "", tc.args...)
			if out != tc.out || errOut != tc.errOut {
				t.Errorf("got %q %q, want %q %q", out, errOut, tc.out, tc.errOut)
			}
			var patches []string
			for _, r := range fake.requests {
				if r.method == http.MethodPatch {
					if r.contentType != "application/merge-patch+json" {
						t.Errorf("patch of type %s", r.contentType)
					}
					patches = append(patches, r.body)
				}
			}
			if strings.Join(patches, "\n") != strings.Join(tc.patches, "\n") {
				t.Errorf("patches\n%s\nwant\n%s", strings.Join(patches, "\n"), strings.Join(tc.patches, "\n"))
			}
		})
	}
}

func TestLabelKeepsItsWords(t *testing.T) {
	fake, server := newFakeAPI(t)
	fake.objects["/api/v1/nodes/n1"] = `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{"disk":"hdd"}}}`
	_, errOut, code := kctl(t, server, "", "label", "node", "n1", "disk=ssd")
	if code != 1 || errOut != "error: 'disk' already has a value (hdd), and --overwrite is false\n" {
		t.Errorf("without --overwrite: exit %d, %q", code, errOut)
	}
	out, _, code := kctl(t, server, "", "label", "node", "n1", "disk=ssd", "--overwrite")
	if code != 0 || out != "node/n1 labeled\n" || fake.last(http.MethodPatch).path != "/api/v1/nodes/n1" {
		t.Errorf("with --overwrite: exit %d, %q, %+v", code, out, fake.last(http.MethodPatch))
	}
}
