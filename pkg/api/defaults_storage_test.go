package api

import "testing"

func TestSetStorageDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   string // manifest before defaults
		want string // the same object with every default spelled out
	}{
		{"a volume is retained and a filesystem", `
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv1}
spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /data/pv1}}
`, `
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv1}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /data/pv1}
  persistentVolumeReclaimPolicy: Retain
  volumeMode: Filesystem
status: {phase: Pending}
`},
		{"a volume keeps its policy", `
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv1}
spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /data/pv1}, persistentVolumeReclaimPolicy: Delete}
status: {phase: Bound}
`, `
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv1}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /data/pv1}
  persistentVolumeReclaimPolicy: Delete
  volumeMode: Filesystem
status: {phase: Bound}
`},
		{"a claim is a pending filesystem", `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`, `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}, volumeMode: Filesystem}
status: {phase: Pending}
`},
		{"a class deletes its volumes and binds at once", `
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: kubelab.io/local-path
`, `
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: kubelab.io/local-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
`},
		{"a class keeps what it says", `
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local-path}
provisioner: kubelab.io/local-path
reclaimPolicy: Retain
volumeBindingMode: WaitForFirstConsumer
`, `
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: local-path}
provisioner: kubelab.io/local-path
reclaimPolicy: Retain
volumeBindingMode: WaitForFirstConsumer
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := decodeForTest(t, tt.in)
			SetDefaults(obj)
			sameAs(t, obj, decodeForTest(t, tt.want))
			again := DeepCopy(obj)
			SetDefaults(again)
			sameAs(t, again, obj)
		})
	}
}
