package wire

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// FromJSON is ToJSON's inverse: it encodes a JSON object of a kind
// Kubernetes defines as client-go would send it. The apiserver's tests use
// it to speak protobuf without importing Kubernetes' types themselves.
func FromJSON(j []byte) ([]byte, error) {
	var tm runtime.TypeMeta
	if err := json.Unmarshal(j, &tm); err != nil {
		return nil, err
	}
	obj, err := scheme.New(schema.FromAPIVersionAndKind(tm.APIVersion, tm.Kind))
	if err != nil {
		return nil, &UnknownKindError{APIVersion: tm.APIVersion, Kind: tm.Kind}
	}
	if err := json.Unmarshal(j, obj); err != nil {
		return nil, fmt.Errorf("decode the %s: %w", tm.Kind, err)
	}
	msg, ok := obj.(interface{ Marshal() ([]byte, error) })
	if !ok {
		return nil, &UnknownKindError{APIVersion: tm.APIVersion, Kind: tm.Kind}
	}
	raw, err := msg.Marshal()
	if err != nil {
		return nil, err
	}
	env := runtime.Unknown{TypeMeta: tm, Raw: raw}
	b, err := env.Marshal()
	if err != nil {
		return nil, err
	}
	return append(append([]byte(nil), magic...), b...), nil
}
