package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// MediaType is the Content-Type of a protobuf request body.
const MediaType = "application/vnd.kubernetes.protobuf"

// magic starts every protobuf body: "k8s" and a zero byte, so that a
// reader can tell it from JSON or YAML before decoding anything.
var magic = []byte("k8s\x00")

// UnknownKindError is the error for a body of an apiVersion and kind that
// Kubernetes' types do not define.
type UnknownKindError struct {
	APIVersion, Kind string
}

func (e *UnknownKindError) Error() string {
	return fmt.Sprintf("no protobuf type for kind %q in version %q", e.Kind, e.APIVersion)
}

// protoMessage is what every generated Kubernetes type implements.
type protoMessage interface {
	Unmarshal([]byte) error
}

// ToJSON decodes one protobuf body, as client-go encodes it, and returns
// the same object as JSON with its apiVersion and kind.
//
// The body is the magic prefix, then a runtime.Unknown envelope: the
// object's apiVersion and kind, and the object itself in its protobuf
// encoding (Raw). The envelope names the type; the scheme makes an empty
// one of it to decode Raw into.
func ToJSON(body []byte) ([]byte, error) {
	if !bytes.HasPrefix(body, magic) {
		return nil, errors.New(`the body does not start with the protobuf prefix "k8s\x00"`)
	}
	var env runtime.Unknown
	if err := env.Unmarshal(body[len(magic):]); err != nil {
		return nil, fmt.Errorf("the protobuf envelope does not decode: %w", err)
	}
	if env.ContentEncoding != "" {
		return nil, fmt.Errorf("the protobuf envelope has contentEncoding %q; none is supported", env.ContentEncoding)
	}
	if env.Kind == "" {
		return nil, errors.New("the protobuf envelope has no kind")
	}
	gvk := schema.FromAPIVersionAndKind(env.APIVersion, env.Kind)
	obj, err := scheme.New(gvk)
	if err != nil {
		return nil, &UnknownKindError{APIVersion: env.APIVersion, Kind: env.Kind}
	}
	msg, ok := obj.(protoMessage)
	if !ok {
		return nil, &UnknownKindError{APIVersion: env.APIVersion, Kind: env.Kind}
	}
	if err := msg.Unmarshal(env.Raw); err != nil {
		return nil, fmt.Errorf("the %s does not decode: %w", env.Kind, err)
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode the %s as JSON: %w", env.Kind, err)
	}
	return withoutNulls(j)
}

// withoutNulls drops the fields whose value is null. Kubernetes' types
// write some empty fields as null (an unset creationTimestamp); null and
// absent mean the same, and a null kubelab's types lack would be reported
// as an unknown field the client never set.
func withoutNulls(j []byte) ([]byte, error) {
	var tree any
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber() // keep int64s exact
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	return json.Marshal(dropNulls(tree))
}

func dropNulls(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if x == nil {
				delete(t, k)
				continue
			}
			t[k] = dropNulls(x)
		}
	case []any:
		for i := range t {
			t[i] = dropNulls(t[i])
		}
	}
	return v
}
