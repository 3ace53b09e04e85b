package pvbinder

import (
	"testing"

	"kubelab/pkg/api"
)

func TestFindBestMatch(t *testing.T) {
	with := func(pv *api.PersistentVolume, change func(*api.PersistentVolume)) *api.PersistentVolume {
		change(pv)
		return pv
	}
	onNode := func(node string) func(*api.PersistentVolume) {
		return func(pv *api.PersistentVolume) {
			pv.Spec.NodeAffinity = &api.VolumeNodeAffinity{Required: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{
				MatchExpressions: []api.NodeSelectorRequirement{{Key: api.HostnameLabel, Operator: "In", Values: []string{node}}}}}}}
		}
	}
	node1 := &api.Node{ObjectMeta: api.ObjectMeta{Name: "node-1", Labels: map[string]string{api.HostnameLabel: "node-1"}}}
	tests := []struct {
		name    string
		claim   *api.PersistentVolumeClaim
		volumes []*api.PersistentVolume
		node    *api.Node
		want    string // the volume's name, "" for none
	}{
		{"the smallest that is big enough", claim("data", "2Gi", nil),
			[]*api.PersistentVolume{volume("big", "10Gi", ""), volume("small", "1Gi", ""), volume("fit", "5Gi", "")}, nil, "fit"},
		{"none big enough", claim("data", "20Gi", nil), []*api.PersistentVolume{volume("big", "10Gi", "")}, nil, ""},
		{"the class must match", claim("data", "1Gi", api.String("fast")),
			[]*api.PersistentVolume{volume("plain", "1Gi", ""), volume("fast", "5Gi", "fast")}, nil, "fast"},
		{"no class takes only volumes of no class", claim("data", "1Gi", nil), []*api.PersistentVolume{volume("fast", "1Gi", "fast")}, nil, ""},
		{"every access mode asked for", claim("data", "1Gi", nil),
			[]*api.PersistentVolume{with(volume("rox", "1Gi", ""), func(pv *api.PersistentVolume) { pv.Spec.AccessModes = []string{api.ReadOnlyMany} })}, nil, ""},
		{"a bound volume is not free", claim("data", "1Gi", nil), []*api.PersistentVolume{func() *api.PersistentVolume {
			_, pv := boundPair("other", "taken", api.ReclaimRetain)
			return pv
		}()}, nil, ""},
		{"a volume pre-bound to the claim wins over a smaller one", claim("data", "1Gi", nil), []*api.PersistentVolume{
			volume("small", "1Gi", ""),
			with(volume("mine", "5Gi", ""), func(pv *api.PersistentVolume) {
				pv.Spec.ClaimRef = &api.ObjectReference{Namespace: "default", Name: "data"}
			})}, nil, "mine"},
		{"a volume pre-bound to another claim is not free", claim("data", "1Gi", nil), []*api.PersistentVolume{
			with(volume("theirs", "1Gi", ""), func(pv *api.PersistentVolume) {
				pv.Spec.ClaimRef = &api.ObjectReference{Namespace: "default", Name: "other"}
			})}, nil, ""},
		{"a volume being deleted is not free", claim("data", "1Gi", nil), []*api.PersistentVolume{deleting(volume("going", "1Gi", "")).(*api.PersistentVolume)}, nil, ""},
		{"the selector must match", func() *api.PersistentVolumeClaim {
			c := claim("data", "1Gi", nil)
			c.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"tier": "ssd"}}
			return c
		}(), []*api.PersistentVolume{volume("plain", "1Gi", ""), with(volume("ssd", "2Gi", ""), func(pv *api.PersistentVolume) {
			pv.Labels = map[string]string{"tier": "ssd"}
		})}, nil, "ssd"},
		{"a block volume does not serve a filesystem claim", claim("data", "1Gi", nil), []*api.PersistentVolume{
			with(volume("raw", "1Gi", ""), func(pv *api.PersistentVolume) { pv.Spec.VolumeMode = api.String(api.PersistentVolumeBlock) })}, nil, ""},
		{"on a node, only volumes it reaches", claim("data", "1Gi", nil), []*api.PersistentVolume{
			with(volume("there", "1Gi", ""), onNode("node-2")), with(volume("here", "3Gi", ""), onNode("node-1")), volume("anywhere", "2Gi", "")},
			node1, "anywhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var objs []api.Object
			for _, pv := range tt.volumes {
				objs = append(objs, pv)
			}
			got := ""
			if pv := findBestMatch(tt.claim, objs, tt.node); pv != nil {
				got = pv.Name
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
