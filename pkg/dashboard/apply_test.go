package dashboard

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"kubelab/pkg/api"
)

const badPod = `apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  containers:
  - name: app
`

// The apiserver's validation errors are shown beside the line of the
// field they name; a field that is missing gets the nearest line there.
func TestApplyShowsFieldErrorsBesideTheirLines(t *testing.T) {
	f := newFixture(t)
	f.api.answer("POST", "/api/v1/namespaces/default/pods", http.StatusUnprocessableEntity, api.Status{
		Reason: "Invalid", Code: 422, Message: `Pod "bad" is invalid: spec.containers[0].image: Required value`,
		Details: &api.StatusDetails{Kind: "Pod", Name: "bad", Causes: []api.StatusCause{
			{Type: "FieldValueRequired", Field: "spec.containers[0].image", Message: "spec.containers[0].image: Required value"}}}})
	b := f.browser()
	b.signIn(goodToken)
	resp := b.post("/apply", url.Values{"manifest": {badPod}, "namespace": {"default"}})
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("POST /apply: %d\n%s", resp.StatusCode, text(string(body)))
	}
	want := `<li id="L7" class="error"><code>  - name: app</code><span class="field-error">spec.containers[0].image: Required value</span></li>`
	if !strings.Contains(string(body), want) {
		t.Fatalf("the error should be beside line 7:\n%s", body)
	}
	if !strings.Contains(text(string(body)), `Error from server (Invalid): Pod "bad" is invalid`) {
		t.Errorf("the result should say what the server said:\n%s", text(string(body)))
	}
	// It went as the viewer: first the read of the live object, then the create.
	sent := f.api.sent()
	if len(sent) != 2 || sent[0].Method != "GET" || sent[1].Method != "POST" || sent[1].Auth != "Bearer "+goodToken {
		t.Fatalf("sent %+v", sent)
	}
	if !strings.Contains(sent[1].Body, "kubectl.kubernetes.io/last-applied-configuration") {
		t.Errorf("a create by apply should record the manifest, as kctl apply: %s", sent[1].Body)
	}
}

func TestApplyCreates(t *testing.T) {
	f := newFixture(t)
	f.api.answer("POST", "/api/v1/namespaces/lab/pods", http.StatusCreated, map[string]any{"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "good", "namespace": "lab"}})
	b := f.browser()
	b.signIn(goodToken)
	resp := b.post("/apply", url.Values{"manifest": {strings.Replace(badPod, "name: bad", "name: good", 1) + "    image: kubelab/kubia:latest\n"}, "namespace": {"lab"}})
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(text(string(body)), "pod/good created") {
		t.Fatalf("POST /apply: %d\n%s", resp.StatusCode, text(string(body)))
	}
}

func TestApplyNeedsAViewer(t *testing.T) {
	f := newFixture(t)
	resp := f.browser().post("/apply", url.Values{"manifest": {badPod}})
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(text(string(body)), "sign in first") {
		t.Fatalf("POST /apply unsigned: %d\n%s", resp.StatusCode, text(string(body)))
	}
	if sent := f.api.sent(); len(sent) != 0 {
		t.Fatalf("the API got %+v", sent)
	}
}

// A manifest that does not parse says where.
func TestApplyReportsParseErrors(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.signIn(goodToken)
	resp := b.post("/apply", url.Values{"manifest": {"apiVersion: v1\nkind: Pod\nmetadata: [\n"}})
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(string(body)), "error parsing the manifest") {
		t.Fatalf("POST /apply: %d\n%s", resp.StatusCode, text(string(body)))
	}
}
