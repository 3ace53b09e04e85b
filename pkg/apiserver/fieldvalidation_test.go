package apiserver

import (
	"net/http"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

// ?fieldValidation= on create, update and patch: Strict refuses unknown
// and duplicate fields with Kubernetes' messages, Warn (the default)
// names them in Warning headers, Ignore says nothing.
func TestFieldValidation(t *testing.T) {
	ts := newTestServer(t)
	cms := "/api/v1/namespaces/default/configmaps"
	ts.must(http.StatusCreated, "POST", cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"live"}}`)
	unknown := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s"},"datta":{"a":"b"}}`
	twice := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s","name":"%s"},"data":{"a":"1","a":"2"}}`
	body := func(format, name string) string { return strings.ReplaceAll(format, "%s", name) }
	tests := []struct {
		name, method, path, body, contentType string
		code                                  int
		want                                  string   // in the message of a refusal
		warnings                              []string // Warning headers of a success
	}{
		{"create, strict, unknown field", "POST", cms + "?fieldValidation=Strict", body(unknown, "a"), mediaJSON, http.StatusBadRequest,
			`ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "datta"`, nil},
		{"create, strict, duplicate fields", "POST", cms + "?fieldValidation=Strict", body(twice, "b"), mediaJSON, http.StatusBadRequest,
			`ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.name", duplicate field "data.a"`, nil},
		{"create, strict, protobuf", "POST", cms + "?fieldValidation=Strict", string(protobuf(t, body(unknown, "c"))), protobufBody, http.StatusCreated,
			"", nil}, // protobuf carries only the fields the type has
		{"create, warn", "POST", cms + "?fieldValidation=Warn", body(unknown, "d"), mediaJSON, http.StatusCreated,
			"", []string{`299 - "unknown field \"datta\""`}},
		{"create, warn by default", "POST", cms, body(twice, "e"), mediaJSON, http.StatusCreated,
			"", []string{`299 - "duplicate field \"metadata.name\""`, `299 - "duplicate field \"data.a\""`}},
		{"create, ignore", "POST", cms + "?fieldValidation=Ignore", body(unknown, "f"), mediaJSON, http.StatusCreated, "", nil},
		{"create, another value", "POST", cms + "?fieldValidation=strict", body(unknown, "g"), mediaJSON, http.StatusUnprocessableEntity,
			`CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"`, nil},
		{"update, strict", "PUT", cms + "/live?fieldValidation=Strict", body(unknown, "live"), mediaJSON, http.StatusBadRequest,
			`ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "datta"`, nil},
		{"update, another value", "PUT", cms + "/live?fieldValidation=yes", body(unknown, "live"), mediaJSON, http.StatusUnprocessableEntity,
			`UpdateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "yes"`, nil},
		{"update, ignore", "PUT", cms + "/live?fieldValidation=Ignore", body(unknown, "live"), mediaJSON, http.StatusOK, "", nil},
		{"merge patch, strict", "PATCH", cms + "/live?fieldValidation=Strict", `{"datta":{"a":"b"}}`, mergePatch, http.StatusUnprocessableEntity,
			` "" is invalid: patch: Invalid value: "{\"apiVersion\":\"v1\",\"datta\":{\"a\":\"b\"},`, nil},
		{"merge patch, strict, the error", "PATCH", cms + "/live?fieldValidation=Strict", `{"datta":{"a":"b"}}`, mergePatch, http.StatusUnprocessableEntity,
			`: strict decoding error: unknown field "datta"`, nil},
		{"strategic merge patch, strict", "PATCH", cms + "/live?fieldValidation=Strict", `{"datta":{"a":"b"}}`, strategicPatch, http.StatusUnprocessableEntity,
			` "" is invalid: patch: Invalid value: "map[datta:map[a:b]]": strict decoding error: unknown field "datta"`, nil},
		{"patch, strict, a field given twice in the patch", "PATCH", cms + "/live?fieldValidation=Strict", `{"data":{"a":"1","a":"2"}}`, mergePatch, http.StatusUnprocessableEntity,
			`strict decoding error: duplicate field "data.a"`, nil},
		{"patch, warn", "PATCH", cms + "/live", `{"data":{"a":"1","a":"2"},"datta":{}}`, strategicPatch, http.StatusOK,
			"", []string{`299 - "duplicate field \"data.a\""`, `299 - "unknown field \"datta\""`}},
		{"patch, another value", "PATCH", cms + "/live?fieldValidation=Warning", `{}`, mergePatch, http.StatusUnprocessableEntity,
			`PatchOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Warning"`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(tc.method, tc.path, tc.body, tc.contentType)
			if r.code != tc.code {
				t.Fatalf("got %d %s, want %d", r.code, r.body, tc.code)
			}
			if st := r.status(); !strings.Contains(st.Message, tc.want) {
				t.Errorf("message %q, want it to contain %q", st.Message, tc.want)
			}
			if got := r.headers.Values("Warning"); strings.Join(got, "\n") != strings.Join(tc.warnings, "\n") {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.warnings, "\n"))
			}
		})
	}
	// Nothing refused was written.
	for _, name := range []string{"a", "b", "g"} {
		ts.must(http.StatusNotFound, "GET", cms+"/"+name, nil)
	}
}

// A refusal names the field in a cause, as Kubernetes' Status does.
func TestFieldValidationCause(t *testing.T) {
	ts := newTestServer(t)
	r := ts.must(http.StatusUnprocessableEntity, "POST", "/api/v1/namespaces/default/configmaps?fieldValidation=all",
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`)
	st := r.status()
	if st.Reason != "Invalid" || st.Details == nil || st.Details.Kind != "CreateOptions" || st.Details.Group != "meta.k8s.io" ||
		len(st.Details.Causes) != 1 || st.Details.Causes[0].Field != "fieldValidation" || st.Details.Causes[0].Type != "FieldValueNotSupported" ||
		st.Details.Causes[0].Message != `Unsupported value: "all": supported values: "", "Ignore", "Strict", "Warn"` {
		t.Fatalf("status %s", r.body)
	}
}

// Under Strict, a field that Kubernetes' type has and kubelab's lacks is
// accepted with the warning Warn gives, as the manifest applies unchanged
// on a real cluster; only what Kubernetes refuses is refused: a typo (and a
// duplicate, above).
func TestStrictAcceptsKubernetesFields(t *testing.T) {
	ts := newTestServer(t)
	cms := "/api/v1/namespaces/default/configmaps"
	pods := "/api/v1/namespaces/default/pods"
	// Preconditions: kubelab does not implement these fields. When it does,
	// pick another field Kubernetes has and kubelab lacks.
	for _, c := range []struct {
		body string
		obj  api.Object
		path string
	}{
		{`{"immutable":true}`, &api.ConfigMap{}, "immutable"},
		{`{"spec":{"containers":[{"resizePolicy":[]}]}}`, &api.Pod{}, "spec.containers[0].resizePolicy"},
	} {
		if got := api.UnknownFields([]byte(c.body), c.obj); len(got) != 1 || got[0] != c.path {
			t.Fatalf("kubelab's %T now has %s (unknown fields %q): choose another field for this test", c.obj, c.path, got)
		}
	}
	ts.must(http.StatusCreated, "POST", cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"live"}}`)
	ts.must(http.StatusCreated, "POST", pods, testPod("p"))
	cm := func(name, extra string) string {
		return `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"` + name + `"},"data":{"a":"b"}` + extra + `}`
	}
	pod := func(name, extra string) string {
		return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"` + name + `"},"spec":{"containers":[{"name":"c","image":"nginx",` +
			`"resizePolicy":[{"resourceName":"cpu","restartPolicy":"NotRequired"}]` + extra + `}]}}`
	}
	immutable := `299 - "unknown field \"immutable\""`
	resizePolicy := `299 - "unknown field \"spec.containers[0].resizePolicy\""`
	tests := []struct {
		name, method, path, body, contentType string
		code                                  int
		refusal                               string   // the end of the message of a refusal
		warnings                              []string // in Warning headers, refused or not
	}{
		{"create, a field Kubernetes has", "POST", cms, cm("a", `,"immutable":true`), mediaJSON, http.StatusCreated,
			"", []string{immutable}},
		{"create, a field Kubernetes has and a typo", "POST", cms, cm("b", `,"immutable":true,"datta":{}`), mediaJSON, http.StatusBadRequest,
			`ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "datta"`, []string{immutable}},
		{"create, a nested field Kubernetes has", "POST", pods, pod("p1", ""), mediaJSON, http.StatusCreated,
			"", []string{resizePolicy}},
		{"create, a nested typo", "POST", pods, pod("p2", `,"imagePullPolicyy":"Always"`), mediaJSON, http.StatusBadRequest,
			`Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagePullPolicyy"`, []string{resizePolicy}},
		{"create, protobuf from client-go", "POST", cms, string(protobuf(t, cm("c", `,"immutable":true`))), protobufBody, http.StatusCreated,
			"", []string{immutable}},
		{"update, a field Kubernetes has", "PUT", cms + "/live", cm("live", `,"immutable":true`), mediaJSON, http.StatusOK,
			"", []string{immutable}},
		{"update, a field Kubernetes has and a typo", "PUT", cms + "/live", cm("live", `,"immutable":true,"datta":{}`), mediaJSON, http.StatusBadRequest,
			`ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "datta"`, []string{immutable}},
		{"merge patch, a field Kubernetes has", "PATCH", cms + "/live", `{"immutable":true}`, mergePatch, http.StatusOK,
			"", []string{immutable}},
		{"strategic merge patch, a field Kubernetes has", "PATCH", cms + "/live", `{"immutable":true}`, strategicPatch, http.StatusOK,
			"", []string{immutable}},
		{"JSON patch, a field Kubernetes has", "PATCH", cms + "/live", `[{"op":"add","path":"/immutable","value":true}]`, jsonPatch, http.StatusOK,
			"", []string{immutable}},
		{"merge patch, a field Kubernetes has and a typo", "PATCH", cms + "/live", `{"immutable":true,"datta":{}}`, mergePatch, http.StatusUnprocessableEntity,
			`: strict decoding error: unknown field "datta"`, []string{immutable}},
		{"strategic merge patch, a nested field Kubernetes has", "PATCH", pods + "/p",
			`{"spec":{"containers":[{"name":"kubia","resizePolicy":[{"resourceName":"cpu","restartPolicy":"NotRequired"}]}]}}`, strategicPatch, http.StatusOK,
			"", []string{resizePolicy}},
		{"strategic merge patch, a nested typo", "PATCH", pods + "/p",
			`{"spec":{"containers":[{"name":"kubia","imagePullPolicyy":"Always"}]}}`, strategicPatch, http.StatusUnprocessableEntity,
			`: strict decoding error: unknown field "spec.containers[0].imagePullPolicyy"`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do(tc.method, tc.path+"?fieldValidation=Strict", tc.body, tc.contentType)
			if r.code != tc.code {
				t.Fatalf("got %d %s, want %d", r.code, r.body, tc.code)
			}
			if msg := r.status().Message; tc.refusal != "" && !strings.HasSuffix(msg, tc.refusal) {
				t.Errorf("message %q, want it to end with %q", msg, tc.refusal)
			}
			if got := r.headers.Values("Warning"); strings.Join(got, "\n") != strings.Join(tc.warnings, "\n") {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.warnings, "\n"))
			}
			if tc.code < 300 {
				// Warn names the field in the very same words. (A create
				// finds the object Strict created: the warnings come anyway.)
				want := tc.code
				if tc.method == "POST" {
					want = http.StatusConflict
				}
				warn := ts.must(want, tc.method, tc.path, tc.body, tc.contentType)
				if got := warn.headers.Values("Warning"); strings.Join(got, "\n") != strings.Join(tc.warnings, "\n") {
					t.Errorf("Warn's warnings:\n%s\nStrict's:\n%s", strings.Join(got, "\n"), strings.Join(tc.warnings, "\n"))
				}
			}
		})
	}
}
