package api

// Strategic merge patch, as Kubernetes' patchMergeKey struct tags define
// it: some lists merge element by element, matched by a key field,
// instead of being replaced whole. The apiserver applies such patches,
// and kctl apply computes them; both read this one table.

// listMergeKeys names the lists that merge by a key, and the key.
var listMergeKeys = map[string]string{
	"containers": "name", "initContainers": "name", "volumes": "name", "env": "name",
	"volumeMounts": "mountPath", "conditions": "type", "addresses": "type", "taints": "key",
	"ownerReferences": "uid", "imagePullSecrets": "name",
	"ports": "port", // a Service's ports; a container's merge by containerPort: see MergeKey
}

// MergeKey returns the key by which a strategic merge patch merges the
// list named field whose elements are elems, or "" when the list is
// replaced whole. "ports" means a container's ports (containerPort) when
// an element has containerPort, else a Service's (port).
func MergeKey(field string, elems []any) string {
	key := listMergeKeys[field]
	if field == "ports" {
		for _, e := range elems {
			if m, ok := e.(map[string]any); ok && m["containerPort"] != nil {
				return "containerPort"
			}
		}
	}
	return key
}
