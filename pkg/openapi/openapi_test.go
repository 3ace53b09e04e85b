package openapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// build returns the v3 document of a group-version, decoded.
func build(t *testing.T, gv string) Document {
	t.Helper()
	docs, err := Build("v1.30.0")
	if err != nil {
		t.Fatal(err)
	}
	raw, ok := docs.V3[gv]
	if !ok {
		t.Fatalf("no document for %s", gv)
	}
	var doc Document
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestPodSchema(t *testing.T) {
	doc := build(t, "api/v1")
	schemas := doc.Components.Schemas
	pod := schemas["io.k8s.api.core.v1.Pod"]
	if pod == nil {
		t.Fatal("no io.k8s.api.core.v1.Pod")
	}
	if want := []GVK{{Group: "", Version: "v1", Kind: "Pod"}}; !reflect.DeepEqual(pod.GVK, want) {
		t.Errorf("Pod x-kubernetes-group-version-kind = %+v, want %+v", pod.GVK, want)
	}
	if !strings.HasPrefix(pod.Description, "Pod is a group of containers") {
		t.Errorf("Pod description = %q", pod.Description)
	}
	if got := pod.Properties["metadata"].AllOf[0].Ref; got != "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" {
		t.Errorf("metadata ref = %q", got)
	}
	containers := schemas["io.k8s.api.core.v1.PodSpec"].Properties["containers"]
	if containers.Type != "array" || containers.Items.Ref != "#/components/schemas/io.k8s.api.core.v1.Container" {
		t.Errorf("containers = %+v", containers)
	}
	if containers.ListType != "map" || !reflect.DeepEqual(containers.ListMapKeys, []string{"name"}) ||
		containers.PatchMergeKey != "name" || containers.PatchStrategy != "merge" {
		t.Errorf("containers is no list-map keyed by name: %+v", containers)
	}
	if containers.Description == "" {
		t.Error("spec.containers has no description")
	}
	if !reflect.DeepEqual(schemas["io.k8s.api.core.v1.PodSpec"].Required, []string{"containers"}) {
		t.Errorf("PodSpec required = %v", schemas["io.k8s.api.core.v1.PodSpec"].Required)
	}
	if req := schemas["io.k8s.api.core.v1.Container"].Required; !reflect.DeepEqual(req, []string{"name", "image"}) {
		t.Errorf("Container required = %v", req)
	}
}

func TestFieldSchemas(t *testing.T) {
	schemas := build(t, "api/v1").Components.Schemas
	tests := []struct {
		name       string
		definition string
		field      string
		check      func(*Schema) bool
	}{
		{"a container's ports merge by containerPort", "io.k8s.api.core.v1.Container", "ports",
			func(s *Schema) bool { return s.PatchMergeKey == "containerPort" && s.ListMapKeys[0] == "containerPort" }},
		{"a service's ports merge by port", "io.k8s.api.core.v1.ServiceSpec", "ports",
			func(s *Schema) bool { return s.PatchMergeKey == "port" }},
		{"env merges by name", "io.k8s.api.core.v1.Container", "env",
			func(s *Schema) bool { return s.PatchMergeKey == "name" }},
		{"volumeMounts merge by mountPath", "io.k8s.api.core.v1.Container", "volumeMounts",
			func(s *Schema) bool { return s.PatchMergeKey == "mountPath" }},
		{"command is replaced whole", "io.k8s.api.core.v1.Container", "command",
			func(s *Schema) bool { return s.PatchMergeKey == "" && s.ListType == "" && s.Items.Type == "string" }},
		{"an Endpoints subset's addresses have no type to merge by", "io.k8s.api.core.v1.EndpointSubset", "addresses",
			func(s *Schema) bool { return s.PatchMergeKey == "" }},
		{"limits are Quantities", "io.k8s.api.core.v1.ResourceRequirements", "limits",
			func(s *Schema) bool {
				return s.Type == "object" && s.AdditionalProperties.Ref == refPrefix+"io.k8s.apimachinery.pkg.api.resource.Quantity"
			}},
		{"a port is an IntOrString", "io.k8s.api.core.v1.ServicePort", "targetPort",
			func(s *Schema) bool {
				return s.AllOf[0].Ref == refPrefix+"io.k8s.apimachinery.pkg.util.intstr.IntOrString"
			}},
		{"creationTimestamp is a Time", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "creationTimestamp",
			func(s *Schema) bool { return s.AllOf[0].Ref == refPrefix+"io.k8s.apimachinery.pkg.apis.meta.v1.Time" }},
		{"replicas is an int32", "io.k8s.api.core.v1.ReplicationControllerSpec", "replicas",
			func(s *Schema) bool { return s.Type == "integer" && s.Format == "int32" }},
		{"labels are a map of strings", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "labels",
			func(s *Schema) bool { return s.Type == "object" && s.AdditionalProperties.Type == "string" }},
		{"restartPolicy lists its values, as its comment does", "io.k8s.api.core.v1.PodSpec", "restartPolicy",
			func(s *Schema) bool { return strings.Join(s.Enum, ",") == "Always,Never,OnFailure" }},
		{"dnsPolicy's default is one of them", "io.k8s.api.core.v1.PodSpec", "dnsPolicy",
			func(s *Schema) bool {
				return strings.Join(s.Enum, ",") == "ClusterFirst,ClusterFirstWithHostNet,Default,None"
			}},
		{"a free-text comment is no enum", "io.k8s.api.core.v1.PodSpec", "automountServiceAccountToken",
			func(s *Schema) bool { return s.Enum == nil && s.Description != "" }},
		{"secret data is base64", "io.k8s.api.core.v1.Secret", "data",
			func(s *Schema) bool {
				return s.AdditionalProperties.Type == "string" && s.AdditionalProperties.Format == "byte"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := schemas[tt.definition]
			if def == nil {
				t.Fatalf("no definition %s", tt.definition)
			}
			s := def.Properties[tt.field]
			if s == nil || !tt.check(s) {
				raw, _ := json.Marshal(s)
				t.Fatalf("%s.%s = %s", tt.definition, tt.field, raw)
			}
		})
	}
}

func TestLeafDefinitions(t *testing.T) {
	schemas := build(t, "api/v1").Components.Schemas
	if s := schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]; s.Type != "string" || s.Format != "date-time" {
		t.Errorf("Time = %+v", s)
	}
	if s := schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]; s.Format != "int-or-string" || len(s.OneOf) != 2 {
		t.Errorf("IntOrString = %+v", s)
	}
	if s := schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"]; len(s.OneOf) != 2 || s.Description == "" {
		t.Errorf("Quantity = %+v", s)
	}
}

// TestDefinitionsFollowTheirGroup: a group-version's document holds the
// definitions its kinds use, named after the group that defines them.
func TestDefinitionsFollowTheirGroup(t *testing.T) {
	apps := build(t, "apis/apps/v1").Components.Schemas
	for _, name := range []string{"io.k8s.api.apps.v1.Deployment", "io.k8s.api.apps.v1.DeploymentList",
		"io.k8s.api.core.v1.PodTemplateSpec", "io.k8s.api.core.v1.Container",
		"io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"} {
		if apps[name] == nil {
			t.Errorf("apps/v1 has no %s", name)
		}
	}
	if apps["io.k8s.api.core.v1.Service"] != nil {
		t.Error("apps/v1 holds Service, which none of its kinds uses")
	}
	rbac := build(t, "apis/rbac.authorization.k8s.io/v1").Components.Schemas
	if s := rbac["io.k8s.api.rbac.v1.Role"]; s == nil || s.GVK[0] != (GVK{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "Role"}) {
		t.Errorf("rbac Role = %+v", s)
	}
}

// TestPatchOperations: kubectl leaves validation to the server (and sends
// fieldValidation=Strict) only when every PATCH operation of the kind
// lists fieldValidation, and computes a strategic merge patch only when
// the operation takes one.
func TestPatchOperations(t *testing.T) {
	doc := build(t, "api/v1")
	tests := []struct {
		path string
		kind string
	}{
		{"/api/v1/namespaces/{namespace}/pods/{name}", "Pod"},
		{"/api/v1/namespaces/{namespace}/pods/{name}/status", "Pod"},
		{"/api/v1/nodes/{name}", "Node"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			item := doc.Paths[tt.path]
			if item == nil || item.Patch == nil {
				t.Fatalf("no PATCH on %s", tt.path)
			}
			op := item.Patch
			if op.GVK != (GVK{Version: "v1", Kind: tt.kind}) || op.Action != "patch" {
				t.Errorf("gvk %+v action %q", op.GVK, op.Action)
			}
			var params []string
			for _, p := range op.Parameters {
				if p.In == "query" {
					params = append(params, p.Name)
				}
			}
			if got := strings.Join(params, ","); got != "dryRun,fieldManager,fieldValidation,force" {
				t.Errorf("query parameters %s", got)
			}
			if _, ok := op.RequestBody.Content["application/strategic-merge-patch+json"]; !ok {
				t.Errorf("no strategic merge patch in %v", op.RequestBody.Content)
			}
		})
	}
	if id := doc.Paths["/api/v1/namespaces/{namespace}/pods"].Delete.OperationID; id != "deleteCoreV1CollectionNamespacedPod" {
		t.Errorf("deletecollection id %q", id)
	}
	if id := doc.Paths["/api/v1/pods"].Get.OperationID; id != "listCoreV1PodForAllNamespaces" {
		t.Errorf("list all id %q", id)
	}
	if doc.Paths["/api/v1/namespaces/{name}"].Delete == nil || doc.Paths["/api/v1/namespaces"].Delete != nil {
		t.Error("namespaces: want delete, and no deletecollection")
	}
}

func TestIndexAndHashes(t *testing.T) {
	docs, err := Build("v1.30.0")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Build("v1.30.0")
	var index Index
	if err := json.Unmarshal(docs.V3Index, &index); err != nil {
		t.Fatal(err)
	}
	for _, gv := range []string{"api/v1", "apis/apps/v1", "apis/batch/v1", "apis/rbac.authorization.k8s.io/v1"} {
		want := "/openapi/v3/" + gv + "?hash=" + Hash(docs.V3[gv])
		if got := index.Paths[gv].ServerRelativeURL; got != want {
			t.Errorf("index[%s] = %q, want %q", gv, got, want)
		}
		if again.V3Hashes[gv] != docs.V3Hashes[gv] {
			t.Errorf("%s: the hash changes from one build to the next", gv)
		}
	}
}

func TestSwagger2(t *testing.T) {
	docs, err := Build("v1.30.0")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Swagger     string                     `json:"swagger"`
		Definitions map[string]json.RawMessage `json:"definitions"`
		Paths       map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(docs.V2, &doc); err != nil {
		t.Fatal(err)
	}
	spec := string(doc.Definitions["io.k8s.api.core.v1.PodSpec"])
	if doc.Swagger != "2.0" || !strings.Contains(spec, `"$ref":"#/definitions/io.k8s.api.core.v1.Container"`) ||
		strings.Contains(spec, "components") || strings.Contains(spec, "allOf") {
		t.Fatalf("swagger %q PodSpec %s", doc.Swagger, spec)
	}
	if is := string(doc.Definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]); !strings.Contains(is, `"type":"string","format":"int-or-string"`) {
		t.Errorf("IntOrString = %s", is)
	}
	patch := string(doc.Paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"])
	if !strings.Contains(patch, `"name":"fieldValidation","in":"query"`) || !strings.Contains(patch, `"in":"body"`) {
		t.Errorf("deployment patch = %s", patch)
	}
}

func TestOperationGroup(t *testing.T) {
	tests := []struct{ group, op, tag string }{
		{"", "Core", "core_v1"},
		{"apps", "Apps", "apps_v1"},
		{"rbac.authorization.k8s.io", "RbacAuthorization", "rbacAuthorization_v1"},
		{"certificates.k8s.io", "Certificates", "certificates_v1"},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			if got := operationGroup(tt.group); got != tt.op {
				t.Errorf("operationGroup(%q) = %q, want %q", tt.group, got, tt.op)
			}
			if got := tag(tt.group, "v1"); got != tt.tag {
				t.Errorf("tag(%q) = %q, want %q", tt.group, got, tt.tag)
			}
		})
	}
}
