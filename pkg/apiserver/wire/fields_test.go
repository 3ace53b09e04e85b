package wire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"kubelab/pkg/api"
)

// A client-go program updates what it read: the object travels back as
// Kubernetes' type, and a field kubelab has but that type lacks would be
// silently lost on the way. So every field of every served kind must be
// one of Kubernetes' too, with the same JSON name.
func TestKubernetesTypesCarryEveryField(t *testing.T) {
	for _, res := range api.Resources() {
		t.Run(res.APIVersion()+"/"+res.Kind, func(t *testing.T) {
			obj, err := scheme.New(schema.FromAPIVersionAndKind(res.APIVersion(), res.Kind))
			if err != nil {
				t.Skipf("Kubernetes' types do not define it: protobuf bodies get 415")
			}
			var missing []string
			compareFields("", reflect.TypeOf(res.New()), reflect.TypeOf(obj), map[reflect.Type]bool{}, &missing)
			if len(missing) > 0 {
				t.Errorf("fields Kubernetes' %s lacks:\n  %s", res.Kind, strings.Join(missing, "\n  "))
			}
		})
	}
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

func compareFields(path string, ours, theirs reflect.Type, seen map[reflect.Type]bool, missing *[]string) {
	for ours.Kind() == reflect.Pointer {
		ours = ours.Elem()
	}
	for theirs.Kind() == reflect.Pointer {
		theirs = theirs.Elem()
	}
	if seen[ours] || reflect.PointerTo(ours).Implements(jsonUnmarshaler) || reflect.PointerTo(theirs).Implements(jsonUnmarshaler) {
		return // visited, or a leaf with its own encoding (Quantity, Time, IntOrString)
	}
	switch ours.Kind() {
	case reflect.Struct:
		if theirs.Kind() != reflect.Struct {
			return
		}
		seen[ours] = true
		defer delete(seen, ours)
		theirFields := api.JSONFields(theirs)
		for name, f := range api.JSONFields(ours) {
			tf, ok := theirFields[name]
			if !ok {
				*missing = append(*missing, joinPath(path, name))
				continue
			}
			compareFields(joinPath(path, name), f, tf, seen, missing)
		}
	case reflect.Slice, reflect.Map:
		if theirs.Kind() == ours.Kind() {
			compareFields(path+"[]", ours.Elem(), theirs.Elem(), seen, missing)
		}
	}
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
