package kctl

import "testing"

// TestDescribeStorage pins kubectl's layout, down to its alignment: a
// volume's fields line up with its "  Required Terms:" line, as kubectl's
// do, because one tabwriter block holds them all.
func TestDescribeStorage(t *testing.T) {
	fake, server := newFakeAPI(t)
	fake.objects["/api/v1/persistentvolumes/pvc-1234"] = `{"apiVersion":"v1","kind":"PersistentVolume",
		"metadata":{"name":"pvc-1234","uid":"v1","annotations":{"pv.kubernetes.io/provisioned-by":"kubelab.io/local-path"},
			"finalizers":["kubernetes.io/pv-protection","kubelab.io/local-path"]},
		"spec":{"capacity":{"storage":"2Gi"},"accessModes":["ReadWriteOnce"],"persistentVolumeReclaimPolicy":"Delete",
			"storageClassName":"local-path","volumeMode":"Filesystem",
			"hostPath":{"path":"/var/lib/kubelab/local-path/pvc-1234_default_data","type":"DirectoryOrCreate"},
			"claimRef":{"namespace":"default","name":"data","uid":"c1"},
			"nodeAffinity":{"required":{"nodeSelectorTerms":[{"matchExpressions":[
				{"key":"kubernetes.io/hostname","operator":"In","values":["node-1"]},{"key":"disk","operator":"Exists"}]}]}}},
		"status":{"phase":"Bound"}}`
	fake.objects["/api/v1/namespaces/default/persistentvolumeclaims/data"] = `{"apiVersion":"v1","kind":"PersistentVolumeClaim",
		"metadata":{"name":"data","namespace":"default","uid":"c1","labels":{"app":"db"},
			"annotations":{"pv.kubernetes.io/bind-completed":"yes"},"finalizers":["kubernetes.io/pvc-protection"]},
		"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}},"volumeName":"pvc-1234",
			"storageClassName":"local-path","volumeMode":"Filesystem"},
		"status":{"phase":"Bound","accessModes":["ReadWriteOnce"],"capacity":{"storage":"2Gi"}}}`
	fake.objects["/api/v1/namespaces/default/pods/db-0"] = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"db-0","namespace":"default"},
		"spec":{"containers":[{"name":"db","image":"redis"}],"volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"data"}}]}}`
	fake.objects["/api/v1/namespaces/default/pods/web"] = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default"},
		"spec":{"containers":[{"name":"web","image":"kubia"}]}}`
	fake.objects["/api/v1/namespaces/default/events/data.1"] = `{"apiVersion":"v1","kind":"Event",
		"metadata":{"name":"data.1","namespace":"default"},
		"involvedObject":{"kind":"PersistentVolumeClaim","name":"data","namespace":"default","uid":"c1"},
		"reason":"WaitForFirstConsumer","message":"waiting for first consumer to be created before binding","type":"Normal","count":1,
		"source":{"component":"persistentvolume-controller"}}`
	fake.objects["/apis/storage.k8s.io/v1/storageclasses/local-path"] = `{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass",
		"metadata":{"name":"local-path","uid":"s1","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},
		"provisioner":"kubelab.io/local-path","reclaimPolicy":"Delete","volumeBindingMode":"WaitForFirstConsumer"}`
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"volume", []string{"describe", "pv", "pvc-1234"}, `Name:              pvc-1234
Labels:            <none>
Annotations:       pv.kubernetes.io/provisioned-by: kubelab.io/local-path
Finalizers:        [kubernetes.io/pv-protection kubelab.io/local-path]
StorageClass:      local-path
Status:            Bound
Claim:             default/data
Reclaim Policy:    Delete
Access Modes:      RWO
VolumeMode:        Filesystem
Capacity:          2Gi
Node Affinity:     
  Required Terms:  
    Term 0:        kubernetes.io/hostname in [node-1]
                   disk exists
Message:           
Source:
    Type:          HostPath (bare host directory volume)
    Path:          /var/lib/kubelab/local-path/pvc-1234_default_data
    HostPathType:  DirectoryOrCreate
Events:            <none>
`},
		{"claim", []string{"describe", "pvc", "data"}, `Name:          data
Namespace:     default
StorageClass:  local-path
Status:        Bound
Volume:        pvc-1234
Labels:        app=db
Annotations:   pv.kubernetes.io/bind-completed: yes
Finalizers:    [kubernetes.io/pvc-protection]
Capacity:      2Gi
Access Modes:  RWO
VolumeMode:    Filesystem
Used By:       db-0
Events:
  Type    Reason                Age        From                         Message
  ----    ------                ---        ----                         -------
  Normal  WaitForFirstConsumer  <unknown>  persistentvolume-controller  waiting for first consumer to be created before binding
`},
		{"class", []string{"describe", "sc", "local-path"}, `Name:                  local-path
IsDefaultClass:        Yes
Annotations:           storageclass.kubernetes.io/is-default-class=true
Provisioner:           kubelab.io/local-path
Parameters:            <none>
AllowVolumeExpansion:  <unset>
MountOptions:          <none>
ReclaimPolicy:         Delete
VolumeBindingMode:     WaitForFirstConsumer
Events:                <none>
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := kctl(t, server, "", tt.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("code %d, stderr %q", code, errOut)
			}
			if out != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", out, tt.want)
			}
		})
	}
}
