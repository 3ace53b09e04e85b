package printers

import (
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

func TestStorageRows(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	meta := func(name string) api.ObjectMeta {
		return api.ObjectMeta{Name: name, CreationTimestamp: api.Time{Time: now.Add(-5 * time.Minute)}}
	}
	deleting := func(m api.ObjectMeta) api.ObjectMeta { at := api.Time{Time: now}; m.DeletionTimestamp = &at; return m }
	fs := api.String(api.PersistentVolumeFilesystem)
	gi := func(s string) api.ResourceList { return api.ResourceList{api.ResourceStorage: api.MustParse(s)} }
	tests := []struct {
		name string
		obj  api.Object
		want string
	}{
		{"bound volume", &api.PersistentVolume{ObjectMeta: meta("pvc-1234"),
			Spec: api.PersistentVolumeSpec{Capacity: gi("2Gi"), AccessModes: []string{api.ReadWriteOncePod, api.ReadWriteOnce},
				PersistentVolumeReclaimPolicy: api.ReclaimDelete, StorageClassName: "local-path", VolumeMode: fs,
				ClaimRef: &api.ObjectReference{Namespace: "default", Name: "data-db-0"}},
			Status: api.PersistentVolumeStatus{Phase: api.VolumeBound}},
			"pvc-1234 | 2Gi | RWO,RWOP | Delete | Bound | default/data-db-0 | local-path | <unset> |  | 5m | Filesystem"},
		{"free volume of no class", &api.PersistentVolume{ObjectMeta: meta("pv1"),
			Spec:   api.PersistentVolumeSpec{Capacity: gi("1Gi"), AccessModes: []string{api.ReadWriteMany, api.ReadOnlyMany}, PersistentVolumeReclaimPolicy: api.ReclaimRetain},
			Status: api.PersistentVolumeStatus{Phase: api.VolumeAvailable}},
			"pv1 | 1Gi | ROX,RWX | Retain | Available |  |  | <unset> |  | 5m | <unset>"},
		{"volume being deleted", &api.PersistentVolume{ObjectMeta: deleting(meta("pv1")),
			Spec:   api.PersistentVolumeSpec{Capacity: gi("1Gi"), AccessModes: []string{api.ReadWriteOnce}, PersistentVolumeReclaimPolicy: api.ReclaimDelete},
			Status: api.PersistentVolumeStatus{Phase: api.VolumeReleased}},
			"pv1 | 1Gi | RWO | Delete | Terminating |  |  | <unset> |  | 5m | <unset>"},
		{"bound claim", &api.PersistentVolumeClaim{ObjectMeta: meta("data-db-0"),
			Spec: api.PersistentVolumeClaimSpec{AccessModes: []string{api.ReadWriteOnce}, Resources: api.VolumeResourceRequirements{Requests: gi("1Gi")},
				VolumeName: "pvc-1234", StorageClassName: api.String("local-path"), VolumeMode: fs},
			Status: api.PersistentVolumeClaimStatus{Phase: api.ClaimBound, AccessModes: []string{api.ReadWriteOnce}, Capacity: gi("2Gi")}},
			"data-db-0 | Bound | pvc-1234 | 2Gi | RWO | local-path | <unset> | 5m | Filesystem"},
		{"pending claim shows no capacity", &api.PersistentVolumeClaim{ObjectMeta: meta("data"),
			Spec: api.PersistentVolumeClaimSpec{AccessModes: []string{api.ReadWriteOnce}, Resources: api.VolumeResourceRequirements{Requests: gi("1Gi")},
				StorageClassName: api.String("local-path"), VolumeMode: fs},
			Status: api.PersistentVolumeClaimStatus{Phase: api.ClaimPending}},
			"data | Pending |  |  |  | local-path | <unset> | 5m | Filesystem"},
		{"default class", &api.StorageClass{ObjectMeta: func() api.ObjectMeta {
			m := meta("local-path")
			m.Annotations = map[string]string{api.IsDefaultStorageClassAnnotation: "true"}
			return m
		}(), Provisioner: api.LocalPathProvisioner, ReclaimPolicy: api.String(api.ReclaimDelete), VolumeBindingMode: api.String(api.VolumeBindingWaitForFirstConsumer)},
			"local-path (default) | kubelab.io/local-path | Delete | WaitForFirstConsumer | false | 5m"},
		{"class with Kubernetes' defaults unset", &api.StorageClass{ObjectMeta: meta("fast"), Provisioner: "example.com/ssd", AllowVolumeExpansion: api.Bool(true)},
			"fast | example.com/ssd | Delete | Immediate | true | 5m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := rowText(t, tt.obj, now)
			if got := strings.Join(row, " | "); got != tt.want {
				t.Errorf("row:\n  %s\nwant:\n  %s", got, tt.want)
			}
		})
	}
}
