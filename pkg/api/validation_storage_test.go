package api

import (
	"encoding/json"
	"testing"
)

// validPV is a hostPath volume as the apiserver stores it.
func validPV() *PersistentVolume {
	pv := &PersistentVolume{
		ObjectMeta: ObjectMeta{Name: "pv1"},
		Spec: PersistentVolumeSpec{
			Capacity:               ResourceList{ResourceStorage: MustParse("1Gi")},
			AccessModes:            []string{ReadWriteOnce},
			PersistentVolumeSource: PersistentVolumeSource{HostPath: &HostPathVolumeSource{Path: "/data/pv1"}},
		},
	}
	SetDefaults(pv)
	return pv
}

func validPVC() *PersistentVolumeClaim {
	pvc := &PersistentVolumeClaim{
		ObjectMeta: ObjectMeta{Name: "data", Namespace: "default"},
		Spec: PersistentVolumeClaimSpec{
			AccessModes: []string{ReadWriteOnce},
			Resources:   VolumeResourceRequirements{Requests: ResourceList{ResourceStorage: MustParse("1Gi")}},
		},
	}
	SetDefaults(pvc)
	return pvc
}

func validStorageClass() *StorageClass {
	sc := &StorageClass{ObjectMeta: ObjectMeta{Name: "local-path"}, Provisioner: LocalPathProvisioner,
		VolumeBindingMode: String(VolumeBindingWaitForFirstConsumer)}
	SetDefaults(sc)
	return sc
}

func TestValidatePersistentVolume(t *testing.T) {
	raw := func(s string) *json.RawMessage { m := json.RawMessage(s); return &m }
	hostname := &VolumeNodeAffinity{Required: &NodeSelector{NodeSelectorTerms: []NodeSelectorTerm{{MatchExpressions: []NodeSelectorRequirement{
		{Key: "kubernetes.io/hostname", Operator: "In", Values: []string{"node-1"}}}}}}}
	tests := []struct {
		name   string
		mutate func(*PersistentVolume)
		want   []string
	}{
		{"valid", func(*PersistentVolume) {}, nil},
		{"local with node affinity", func(pv *PersistentVolume) {
			pv.Spec.HostPath, pv.Spec.Local, pv.Spec.NodeAffinity = nil, &LocalVolumeSource{Path: "/mnt/disks/1"}, hostname
		}, nil},
		{"no capacity", func(pv *PersistentVolume) { pv.Spec.Capacity = nil }, []string{"spec.capacity: Required value"}},
		{"capacity of cpu", func(pv *PersistentVolume) { pv.Spec.Capacity = ResourceList{"cpu": MustParse("1")} },
			[]string{`spec.capacity: Unsupported value: "cpu": supported values: "storage"`}},
		{"zero capacity", func(pv *PersistentVolume) { pv.Spec.Capacity[ResourceStorage] = MustParse("0") },
			[]string{`spec.capacity[storage]: Invalid value: "0": must be greater than zero`}},
		{"no access modes", func(pv *PersistentVolume) { pv.Spec.AccessModes = nil }, []string{"spec.accessModes: Required value"}},
		{"unknown access mode", func(pv *PersistentVolume) { pv.Spec.AccessModes = []string{"ReadWriteSometimes"} },
			[]string{`spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"`}},
		{"ReadWriteOncePod with others", func(pv *PersistentVolume) { pv.Spec.AccessModes = []string{ReadWriteOncePod, ReadOnlyMany} },
			[]string{"spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes"}},
		{"recycle", func(pv *PersistentVolume) { pv.Spec.PersistentVolumeReclaimPolicy = ReclaimRecycle },
			[]string{`spec.persistentVolumeReclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"`}},
		{"no source", func(pv *PersistentVolume) { pv.Spec.HostPath = nil }, []string{"spec: Required value: must specify a volume type"}},
		{"two sources", func(pv *PersistentVolume) {
			pv.Spec.Local, pv.Spec.NodeAffinity = &LocalVolumeSource{Path: "/mnt"}, hostname
		},
			[]string{"spec.local: Forbidden: may not specify more than 1 volume type"}},
		{"nfs is refused, not dropped", func(pv *PersistentVolume) {
			pv.Spec.HostPath, pv.Spec.NFS = nil, raw(`{"server":"fs","path":"/export"}`)
		}, []string{`spec.nfs: Unsupported value: {"server":"fs","path":"/export"}: kubelab does not implement this volume type yet; supported: hostPath, local`}},
		{"csi beside hostPath", func(pv *PersistentVolume) { pv.Spec.CSI = raw(`{"driver":"x"}`) }, []string{
			"spec.csi: Forbidden: may not specify more than 1 volume type",
			`spec.csi: Unsupported value: {"driver":"x"}: kubelab does not implement this volume type yet; supported: hostPath, local`}},
		{"relative hostPath", func(pv *PersistentVolume) { pv.Spec.HostPath.Path = "data" },
			[]string{`spec.hostPath.path: Invalid value: "data": must be an absolute path`}},
		{"hostPath type", func(pv *PersistentVolume) { pv.Spec.HostPath.Type = "Folder" },
			[]string{`spec.hostPath.type: Unsupported value: "Folder": supported values: "", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"`}},
		{"local without node affinity", func(pv *PersistentVolume) {
			pv.Spec.HostPath, pv.Spec.Local = nil, &LocalVolumeSource{Path: "/mnt/disks/1"}
		},
			[]string{"spec.nodeAffinity: Required value: Local volume requires node affinity"}},
		{"local path climbs out", func(pv *PersistentVolume) {
			pv.Spec.HostPath, pv.Spec.Local, pv.Spec.NodeAffinity = nil, &LocalVolumeSource{Path: "/mnt/../etc"}, hostname
		}, []string{`spec.local.path: Invalid value: "/mnt/../etc": must not contain '..'`}},
		{"node affinity without required", func(pv *PersistentVolume) { pv.Spec.NodeAffinity = &VolumeNodeAffinity{} },
			[]string{"spec.nodeAffinity.required: Required value: must specify required node constraints"}},
		{"block mode", func(pv *PersistentVolume) { pv.Spec.VolumeMode = String(PersistentVolumeBlock) },
			[]string{`spec.volumeMode: Unsupported value: "Block": kubelab does not implement raw block volumes; supported: Filesystem`}},
		{"bad class name", func(pv *PersistentVolume) { pv.Spec.StorageClassName = "Fast" },
			[]string{`spec.storageClassName: Invalid value: "Fast": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`}},
		{"namespaced", func(pv *PersistentVolume) { pv.Namespace = "default" }, []string{"metadata.namespace: Forbidden: not allowed on this type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pv := validPV()
			tt.mutate(pv)
			checkErrors(t, Validate(pv), tt.want)
		})
	}
}

// TestDecodeUnsupportedPersistentVolume: a volume of a type kubelab does
// not implement comes through decoding whole, to be refused.
func TestDecodeUnsupportedPersistentVolume(t *testing.T) {
	pv := decodeForTest(t, `
apiVersion: v1
kind: PersistentVolume
metadata: {name: nfs}
spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteMany], nfs: {server: fs, path: /export}}
`)
	SetDefaults(pv)
	checkErrors(t, Validate(pv), []string{
		`spec.nfs: Unsupported value: {"path":"/export","server":"fs"}: kubelab does not implement this volume type yet; supported: hostPath, local`})
}

func TestValidatePersistentVolumeClaim(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*PersistentVolumeClaim)
		want   []string
	}{
		{"valid", func(*PersistentVolumeClaim) {}, nil},
		{"no access modes", func(c *PersistentVolumeClaim) { c.Spec.AccessModes = nil },
			[]string{"spec.accessModes: Required value: at least 1 access mode is required"}},
		{"no storage request", func(c *PersistentVolumeClaim) { c.Spec.Resources.Requests = nil },
			[]string{"spec.resources[storage]: Required value"}},
		{"negative request", func(c *PersistentVolumeClaim) { c.Spec.Resources.Requests[ResourceStorage] = MustParse("-1Gi") },
			[]string{`spec.resources[storage]: Invalid value: "-1Gi": must be greater than zero`}},
		{"no class is a class", func(c *PersistentVolumeClaim) { c.Spec.StorageClassName = String("") }, nil},
		{"bad selector", func(c *PersistentVolumeClaim) {
			c.Spec.Selector = &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "tier", Operator: "Near"}}}
		}, []string{`spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator`}},
		{"block mode", func(c *PersistentVolumeClaim) { c.Spec.VolumeMode = String("Raw") },
			[]string{`spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pvc := validPVC()
			tt.mutate(pvc)
			checkErrors(t, Validate(pvc), tt.want)
		})
	}
}

func TestValidateStorageClass(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*StorageClass)
		want   []string
	}{
		{"valid", func(*StorageClass) {}, nil},
		{"no provisioner", func(sc *StorageClass) { sc.Provisioner = "" }, []string{"provisioner: Required value"}},
		{"bad provisioner", func(sc *StorageClass) { sc.Provisioner = "kubelab.io/local path" },
			[]string{`provisioner: Invalid value: "kubelab.io/local path": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`}},
		{"recycle", func(sc *StorageClass) { sc.ReclaimPolicy = String(ReclaimRecycle) },
			[]string{`reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"`}},
		{"binding mode", func(sc *StorageClass) { sc.VolumeBindingMode = String("Later") },
			[]string{`volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := validStorageClass()
			tt.mutate(sc)
			checkErrors(t, Validate(sc), tt.want)
		})
	}
}

func TestValidateStorageUpdate(t *testing.T) {
	bound := func(c *PersistentVolumeClaim) *PersistentVolumeClaim { c.Status.Phase = ClaimBound; return c }
	tests := []struct {
		name   string
		old    Object
		mutate func(Object)
		want   []string
	}{
		{"a volume's claimRef and class may change", validPV(), func(o Object) {
			pv := o.(*PersistentVolume)
			pv.Spec.ClaimRef = &ObjectReference{Namespace: "default", Name: "data"}
			pv.Spec.StorageClassName = "manual"
		}, nil},
		{"a volume's capacity may grow", validPV(), func(o Object) { o.(*PersistentVolume).Spec.Capacity[ResourceStorage] = MustParse("2Gi") }, nil},
		{"a volume's source may not change", validPV(), func(o Object) { o.(*PersistentVolume).Spec.HostPath.Path = "/data/other" },
			[]string{"spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation"}},
		{"the binder sets a claim's volumeName once", validPVC(), func(o Object) { o.(*PersistentVolumeClaim).Spec.VolumeName = "pv1" }, nil},
		{"a claim's volumeName may not change after", func() Object { c := validPVC(); c.Spec.VolumeName = "pv1"; return c }(),
			func(o Object) { o.(*PersistentVolumeClaim).Spec.VolumeName = "pv2" },
			[]string{"spec: Forbidden: spec is immutable after creation except resources.requests for bound claims (changed: spec.volumeName)"}},
		{"a class may be given to a claim with none", validPVC(), func(o Object) { o.(*PersistentVolumeClaim).Spec.StorageClassName = String("local-path") }, nil},
		{"a claim's class may not change", func() Object { c := validPVC(); c.Spec.StorageClassName = String("a"); return c }(),
			func(o Object) { o.(*PersistentVolumeClaim).Spec.StorageClassName = String("b") },
			[]string{"spec: Forbidden: spec is immutable after creation except resources.requests for bound claims (changed: spec.storageClassName)"}},
		{"a bound claim may grow", bound(validPVC()), func(o Object) {
			o.(*PersistentVolumeClaim).Spec.Resources.Requests[ResourceStorage] = MustParse("2Gi")
		}, nil},
		{"a bound claim may not shrink", bound(validPVC()), func(o Object) {
			o.(*PersistentVolumeClaim).Spec.Resources.Requests[ResourceStorage] = MustParse("1Mi")
		}, []string{"spec.resources.requests.storage: Forbidden: field can not be less than previous value"}},
		{"a pending claim may not be resized", validPVC(), func(o Object) {
			o.(*PersistentVolumeClaim).Spec.Resources.Requests[ResourceStorage] = MustParse("2Gi")
		}, []string{"spec: Forbidden: spec is immutable after creation except resources.requests for bound claims (changed: spec.resources)"}},
		{"a claim's access modes may not change", bound(validPVC()), func(o Object) {
			o.(*PersistentVolumeClaim).Spec.AccessModes = []string{ReadWriteMany}
		}, []string{"spec: Forbidden: spec is immutable after creation except resources.requests for bound claims (changed: spec.accessModes)"}},
		{"a class may get labels and allow expansion", validStorageClass(), func(o Object) {
			sc := o.(*StorageClass)
			sc.Labels = map[string]string{"tier": "fast"}
			sc.AllowVolumeExpansion = Bool(true)
		}, nil},
		{"a class keeps provisioner, parameters, policy and mode", validStorageClass(), func(o Object) {
			sc := o.(*StorageClass)
			sc.Provisioner = "example.com/nfs"
			sc.Parameters = map[string]string{"server": "fs"}
			sc.ReclaimPolicy = String(ReclaimRetain)
			sc.VolumeBindingMode = String(VolumeBindingImmediate)
		}, []string{
			"parameters: Forbidden: updates to parameters are forbidden.",
			"provisioner: Forbidden: updates to provisioner are forbidden.",
			"reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.",
			`volumeBindingMode: Invalid value: "Immediate": field is immutable`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := DeepCopy(tt.old)
			tt.mutate(n)
			checkErrors(t, ValidateUpdate(n, tt.old), tt.want)
		})
	}
}
