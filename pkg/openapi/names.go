package openapi

import "strings"

// Definitions are named as Kubernetes names them, package path first, so
// that what kubectl prints (<[]Container>, <ObjectMeta>) and what a reader
// finds in Kubernetes' own documents agree.

// metaTypes are pkg/api's types whose Kubernetes counterparts live in
// apimachinery's meta/v1 rather than in an API group.
var metaTypes = map[string]bool{
	"ObjectMeta": true, "ListMeta": true, "OwnerReference": true, "Time": true, "MicroTime": true,
	"LabelSelector": true, "LabelSelectorRequirement": true,
	"Status": true, "StatusDetails": true, "StatusCause": true,
	"DeleteOptions": true, "Precondition": true, "WatchEvent": true,
}

const metaPackage = "io.k8s.apimachinery.pkg.apis.meta.v1"

// fixedNames are the types apimachinery defines outside meta/v1.
var fixedNames = map[string]string{
	"Quantity":    "io.k8s.apimachinery.pkg.api.resource.Quantity",
	"IntOrString": "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
}

// definitionName names Go type typeName, first reached from a kind of
// group/version: io.k8s.api.<group's first label>.<version>.<type>
// (io.k8s.api.rbac.v1.Role for rbac.authorization.k8s.io).
func definitionName(typeName, group, version string) string {
	if n, ok := fixedNames[typeName]; ok {
		return n
	}
	if metaTypes[typeName] {
		return metaPackage + "." + typeName
	}
	pkg := "core"
	if group != "" {
		pkg, _, _ = strings.Cut(group, ".")
	}
	return "io.k8s.api." + pkg + "." + version + "." + typeName
}

// operationGroup is the group as operation ids and tags spell it: Core,
// Apps, RbacAuthorization (rbac.authorization.k8s.io), Certificates.
func operationGroup(group string) string {
	if group == "" {
		return "Core"
	}
	group = strings.TrimSuffix(group, ".k8s.io")
	var b strings.Builder
	for _, part := range strings.Split(group, ".") {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// tag is the operations' tag: core_v1, apps_v1, rbacAuthorization_v1.
func tag(group, version string) string {
	g := operationGroup(group)
	return strings.ToLower(g[:1]) + g[1:] + "_" + version
}
