package deployment

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"

	"kubelab/pkg/api"
)

// A Deployment's ReplicaSets are told apart by a hash of the pod template
// they run: equal templates give the same hash, hence the same ReplicaSet
// name "<deployment>-<hash>", on every run and in every controller
// manager. The hash is also a label (pod-template-hash) on the ReplicaSet,
// in its selector and on its pods, so that two ReplicaSets of one
// Deployment never select each other's pods.

// safeChars are the characters a hash is spelled with: no vowels (no
// words by accident) and no characters that look alike (0/o, 1/l, 3/e).
const safeChars = "bcdfghjklmnpqrstvwxz2456789"

// templateHash is Kubernetes' ComputeHash (pkg/controller/controller_utils.go),
// with canonical JSON standing in for its spew dump of the Go value: the
// FNV-32a of the template, then of the collision count if any (as 8 bytes,
// little endian), printed in decimal and each digit mapped to a safe
// character. A different collisionCount gives a different name when
// another ReplicaSet already holds this one.
func templateHash(t *api.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	b, err := json.Marshal(t) // maps marshal with sorted keys: canonical
	if err != nil {
		panic(fmt.Sprintf("deployment: marshal pod template: %v", err))
	}
	h.Write(b)
	if collisionCount != nil {
		var n [8]byte
		binary.LittleEndian.PutUint32(n[:], uint32(*collisionCount))
		h.Write(n[:])
	}
	return safeEncode(fmt.Sprint(h.Sum32()))
}

// safeEncode maps each byte of s to a safe character, as Kubernetes'
// rand.SafeEncodeString does.
func safeEncode(s string) string {
	out := make([]byte, len(s))
	for i := range len(s) {
		out[i] = safeChars[int(s[i])%len(safeChars)]
	}
	return string(out)
}

// equalIgnoringHash reports whether two pod templates are the same but for
// the pod-template-hash label: whether a ReplicaSet runs the Deployment's
// template. JSON compares them, so a nil map equals an empty one.
func equalIgnoringHash(a, b *api.PodTemplateSpec) bool {
	return string(templateJSONWithoutHash(a)) == string(templateJSONWithoutHash(b))
}

func templateJSONWithoutHash(t *api.PodTemplateSpec) []byte {
	cp := *t
	if _, ok := t.Labels[api.PodTemplateHashLabel]; ok {
		cp.Labels = make(map[string]string, len(t.Labels))
		for k, v := range t.Labels {
			if k != api.PodTemplateHashLabel {
				cp.Labels[k] = v
			}
		}
	}
	b, err := json.Marshal(&cp)
	if err != nil {
		panic(fmt.Sprintf("deployment: marshal pod template: %v", err))
	}
	return b
}
