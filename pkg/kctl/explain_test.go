package kctl

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"kubelab/pkg/openapi"
)

// explainDocument is a small OpenAPI v3 document for apps/v1. The
// expected outputs below are what kubectl 1.37's explain (its plaintext
// template, k8s.io/kubectl/pkg/explain/v2) prints for it.
const explainDocument = `{"openapi":"3.0.0","paths":{},"components":{"schemas":{
"io.k8s.api.apps.v1.Deployment":{"type":"object","description":"Deployment keeps a number of identical pods running and replaces them gradually when their template changes.","x-kubernetes-group-version-kind":[{"group":"apps","kind":"Deployment","version":"v1"}],
 "properties":{"apiVersion":{"type":"string","description":"APIVersion is the group and version of the object's schema."},
  "metadata":{"allOf":[{"$ref":"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}],"description":"Standard object metadata."},
  "spec":{"allOf":[{"$ref":"#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"}]}}},
"io.k8s.api.apps.v1.DeploymentSpec":{"type":"object","description":"DeploymentSpec is what the user asks for.","required":["selector"],
 "properties":{"replicas":{"type":"integer","format":"int32","description":"Replicas is the number of pods the deployment keeps running; the scale subresource and kubectl scale change it, and a HorizontalPodAutoscaler would too."},
  "selector":{"allOf":[{"$ref":"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"}],"description":"Selector picks the pods."},
  "strategy":{"allOf":[{"$ref":"#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"}],"description":"How pods are replaced."},
  "containers":{"type":"array","items":{"$ref":"#/components/schemas/io.k8s.api.core.v1.Container"},"description":"The containers.","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"]},
  "created":{"allOf":[{"$ref":"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time"}]}}},
"io.k8s.api.apps.v1.DeploymentStrategy":{"type":"object","description":"DeploymentStrategy says how to replace pods.","properties":{"type":{"type":"string","description":"Type of deployment.","enum":["Recreate","RollingUpdate","A","B","C"]}}},
"io.k8s.api.core.v1.Container":{"type":"object","description":"Container is one process of a pod.","required":["name"],"properties":{"name":{"type":"string","description":"Name of the container."},"env":{"type":"object","additionalProperties":{"type":"string"}}}},
"io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector":{"type":"object","description":"LabelSelector selects by labels.","properties":{"matchLabels":{"type":"object","additionalProperties":{"type":"string"},"description":"Labels that must all match."}}},
"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta":{"type":"object","description":"ObjectMeta is the metadata every persisted object has.","properties":{"name":{"type":"string","description":"Name is unique."},"labels":{"type":"object","additionalProperties":{"type":"string"}}}},
"io.k8s.apimachinery.pkg.apis.meta.v1.Time":{"type":"string","format":"date-time","description":"Time is a timestamp."}
}}}`

// explainAPI serves discovery for pods and deployments and the OpenAPI
// v3 index and documents it is given, by index path (api/v1), and
// records the paths asked for.
func explainAPI(t *testing.T, docs map[string]string) (string, *[]string) {
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.RequestURI())
		switch path := r.URL.Path; {
		case path == "/apis":
			writeFake(w, http.StatusOK, `{"kind":"APIGroupList","groups":[{"name":"apps","preferredVersion":{"groupVersion":"apps/v1","version":"v1"}}]}`)
		case path == "/api/v1":
			writeFake(w, http.StatusOK, `{"groupVersion":"v1","resources":[{"name":"pods","namespaced":true,"kind":"Pod","shortNames":["po"]},{"name":"pods/status","kind":"Pod"}]}`)
		case path == "/apis/apps/v1":
			writeFake(w, http.StatusOK, `{"groupVersion":"apps/v1","resources":[{"name":"deployments","namespaced":true,"kind":"Deployment","shortNames":["deploy"]}]}`)
		case path == "/openapi/v3":
			var entries []string
			for gv := range docs {
				entries = append(entries, `"`+gv+`":{"serverRelativeURL":"/openapi/v3/`+gv+`?hash=H"}`)
			}
			writeFake(w, http.StatusOK, `{"paths":{`+strings.Join(entries, ",")+`}}`)
		case strings.HasPrefix(path, "/openapi/v3/") && docs[strings.TrimPrefix(path, "/openapi/v3/")] != "":
			writeFake(w, http.StatusOK, docs[strings.TrimPrefix(path, "/openapi/v3/")])
		default:
			writeStatus(w, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &asked
}

func TestExplain(t *testing.T) {
	server, asked := explainAPI(t, map[string]string{"apis/apps/v1": explainDocument})
	tests := []struct {
		name   string
		args   []string
		out    string
		errOut string
	}{
		{name: "a kind", args: []string{"deployments"}, out: "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n" +
			"DESCRIPTION:\n" +
			"    Deployment keeps a number of identical pods running and replaces them\n" +
			"    gradually when their template changes.\n    \n" +
			"FIELDS:\n" +
			"  apiVersion\t<string>\n    APIVersion is the group and version of the object's schema.\n\n" +
			"  metadata\t<ObjectMeta>\n    Standard object metadata.\n\n" +
			"  spec\t<DeploymentSpec>\n    <no description>\n\n\n"},
		{name: "a field, wrapped at 80 columns", args: []string{"deploy.spec"}, out: "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n" +
			"FIELD: spec <DeploymentSpec>\n\n\n" +
			"DESCRIPTION:\n    DeploymentSpec is what the user asks for.\n    \n" +
			"FIELDS:\n" +
			"  containers\t<[]Container>\n    The containers.\n\n" +
			"  created\t<string>\n    <no description>\n\n" +
			"  replicas\t<integer>\n" +
			"    Replicas is the number of pods the deployment keeps running; the scale\n" +
			"    subresource and kubectl scale change it, and a HorizontalPodAutoscaler would\n" +
			"    too.\n\n" +
			"  selector\t<LabelSelector> -required-\n    Selector picks the pods.\n\n" +
			"  strategy\t<DeploymentStrategy>\n    How pods are replaced.\n\n\n"},
		{name: "an enum", args: []string{"deployment.spec.strategy.type"}, out: "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n" +
			"FIELD: type <string>\nENUM:\n    Recreate\n    RollingUpdate\n    A\n    B\n    C\n\n" +
			"DESCRIPTION:\n    Type of deployment.\n    \n\n"},
		{name: "through a list", args: []string{"deployments.spec.containers.name"}, out: "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n" +
			"FIELD: name <string>\n\n\nDESCRIPTION:\n    Name of the container.\n    \n\n"},
		{name: "a ref to a string type", args: []string{"deployments.spec.created"}, out: "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n" +
			"FIELD: created <string>\n\n\nDESCRIPTION:\n    Time is a timestamp.\n    \n\n"},
		{name: "recursive", args: []string{"deployments.spec", "--recursive"}, out: "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n" +
			"FIELD: spec <DeploymentSpec>\n\n\n" +
			"DESCRIPTION:\n    DeploymentSpec is what the user asks for.\n    \n" +
			"FIELDS:\n" +
			"  containers\t<[]Container>\n" +
			"    env\t<map[string]string>\n" +
			"    name\t<string> -required-\n" +
			"  created\t<string>\n" +
			"  replicas\t<integer>\n" +
			"  selector\t<LabelSelector> -required-\n" +
			"    matchLabels\t<map[string]string>\n" +
			"  strategy\t<DeploymentStrategy>\n" +
			"    type\t<string>\n" +
			"    enum: Recreate, RollingUpdate, A, B, ....\n\n"},
		{name: "no such field", args: []string{"deployments.spec.nope"}, out: "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n",
			errOut: "error: field \"nope\" does not exist\n"},
		{name: "the group is --api-version's, as in kubectl", args: []string{"deployments.apps.spec"},
			out: "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n", errOut: "error: field \"apps\" does not exist\n"},
		{name: "no such type", args: []string{"widgets"}, errOut: "the server doesn't have a resource type \"widgets\"\n"},
		{name: "a version the type is not in", args: []string{"deployments", "--api-version", "apps/v2"},
			errOut: "the server doesn't have a resource type \"deployments\"\n"},
		{name: "no document for the group-version", args: []string{"pods"}, errOut: "error: couldn't find resource for \"v1\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := kctl(t, server, "", append([]string{"explain"}, tt.args...)...)
			wantCode := 0
			if tt.errOut != "" {
				wantCode = 1
			}
			if out != tt.out || errOut != tt.errOut || code != wantCode {
				t.Errorf("exit %d, stderr %q, out\n%q\nwant exit %d, stderr %q, out\n%q", code, errOut, out, wantCode, tt.errOut, tt.out)
			}
		})
	}
	if !strings.Contains(strings.Join(*asked, " "), "/openapi/v3/apis/apps/v1?hash=H") {
		t.Errorf("explain did not fetch the document at the index's URL: %v", *asked)
	}
}

// TestExplainServedDocuments explains from the documents kubelab's
// apiserver serves (pkg/openapi), built from pkg/api's types.
func TestExplainServedDocuments(t *testing.T) {
	docs, err := openapi.Build("v1.30.0")
	if err != nil {
		t.Fatal(err)
	}
	server, _ := explainAPI(t, map[string]string{"api/v1": string(docs.V3["api/v1"]), "apis/apps/v1": string(docs.V3["apis/apps/v1"])})
	out, errOut, code := kctl(t, server, "", "explain", "pod.spec.containers")
	for _, want := range []string{"KIND:       Pod\nVERSION:    v1\n\nFIELD: containers <[]Container>\n\n\nDESCRIPTION:\n",
		"\n  name\t<string> -required-\n", "\n  ports\t<[]ContainerPort>\n", "\n  resources\t<ResourceRequirements>\n"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("exit %d, stderr %q, out\n%s\nwant it to contain %q", code, errOut, out, want)
		}
	}
	out, _, _ = kctl(t, server, "", "explain", "deployments", "--recursive")
	for _, want := range []string{"GROUP:      apps\nKIND:       Deployment\n", "\n        containers\t<[]Container> -required-\n",
		"\n    creationTimestamp\t<string>\n"} {
		if !strings.Contains(out, want) {
			t.Fatalf("out\n%s\nwant it to contain %q", out, want)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		name, text string
		width      int
		want       string
	}{
		{"short", "a b c", 10, "a b c"},
		{"at the width", "aaaa bbbb", 9, "aaaa bbbb"},
		{"over", "aaaa bbbb cc", 9, "aaaa bbbb\ncc"},
		{"a long word keeps its line", "a bbbbbbbbbbbb c", 5, "a\nbbbbbbbbbbbb\nc"},
		{"own newlines kept", "a\n\nb", 5, "a\n\nb"},
		{"characters, not bytes", "a… b", 4, "a… b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wrap(tt.text, tt.width); got != tt.want {
				t.Errorf("wrap(%q, %d) = %q, want %q", tt.text, tt.width, got, tt.want)
			}
		})
	}
}
