package openapi

// Schema is one OpenAPI schema object, with the Kubernetes extensions
// kubectl reads. The same value renders as v3 (refs under
// #/components/schemas/, allOf around a described ref) and, through
// toV2, as Swagger 2.0.
type Schema struct {
	Description          string             `json:"description,omitempty"`
	Type                 string             `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Ref                  string             `json:"$ref,omitempty"`
	AllOf                []*Schema          `json:"allOf,omitempty"`
	OneOf                []*Schema          `json:"oneOf,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	AdditionalProperties *Schema            `json:"additionalProperties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	Enum                 []string           `json:"enum,omitempty"`
	UniqueItems          bool               `json:"uniqueItems,omitempty"`

	// GVK names the kinds a definition is the schema of; kubectl finds a
	// kind's schema by it.
	GVK []GVK `json:"x-kubernetes-group-version-kind,omitempty"`
	// IntOrString marks IntOrString, whose value is a number or a string.
	IntOrString bool `json:"x-kubernetes-int-or-string,omitempty"`
	// PreserveUnknownFields marks free-form JSON (kubelab's json.RawMessage).
	PreserveUnknownFields bool `json:"x-kubernetes-preserve-unknown-fields,omitempty"`
	// ListType "map" and ListMapKeys say a list is keyed by a field, as
	// server-side apply reads it; PatchStrategy "merge" and PatchMergeKey
	// say the same for strategic merge patch, which kubectl apply reads.
	ListType      string   `json:"x-kubernetes-list-type,omitempty"`
	ListMapKeys   []string `json:"x-kubernetes-list-map-keys,omitempty"`
	PatchMergeKey string   `json:"x-kubernetes-patch-merge-key,omitempty"`
	PatchStrategy string   `json:"x-kubernetes-patch-strategy,omitempty"`
}

// GVK is the value of x-kubernetes-group-version-kind.
type GVK struct {
	Group   string `json:"group"`
	Kind    string `json:"kind"`
	Version string `json:"version"`
}

// refPrefix is where v3 definitions live; v2's are under #/definitions/.
const refPrefix = "#/components/schemas/"

func ref(name string) *Schema { return &Schema{Ref: refPrefix + name} }

// refName returns the definition name a ref points at.
func refName(s *Schema) string {
	if len(s.Ref) > len(refPrefix) {
		return s.Ref[len(refPrefix):]
	}
	return ""
}

// described gives s a description. A $ref cannot carry one beside it in
// OpenAPI v3, so Kubernetes, and kubelab, wrap the ref in a one-element
// allOf; kubectl explain and strategic merge patch look through it.
func described(s *Schema, description string) *Schema {
	if s.Ref != "" {
		return &Schema{AllOf: []*Schema{s}, Description: description}
	}
	s.Description = description
	return s
}
