package api

import (
	"encoding/json"
	"reflect"
	"strings"
)

// Kubernetes has some thirty volume types; kubelab's kubelet implements
// seven: emptyDir, hostPath, persistentVolumeClaim, and the four the
// kubelet fills from the API, configMap, secret, downwardAPI and
// projected (the first three it writes as a projected volume of one
// source). A manifest written for
// Kubernetes may use any of them, and must hear so at admission: were
// their fields unknown to kubelab, decoding would drop them with a
// warning, defaulting would see a volume with no source and make it an
// emptyDir, and a pod that asked for an NFS share would run on a fresh
// empty directory. So VolumeSource knows every Kubernetes
// volume type, and validation refuses the ones kubelab does not
// implement, naming the field:
//
//	spec.volumes[0].nfs: Unsupported value: {"path":"/export","server":"fs"}:
//	  kubelab does not implement this volume type yet; supported: emptyDir, hostPath, configMap, secret, downwardAPI, projected, persistentVolumeClaim

// implementedVolumeTypes are the volume types the kubelet runs, in the
// order of VolumeSource.
var implementedVolumeTypes = []string{"emptyDir", "hostPath", "configMap", "secret", "downwardAPI", "projected", "persistentVolumeClaim"}

// UnsupportedVolumeSources are the volume types of Kubernetes' v1
// VolumeSource that kubelab does not implement, kept as the JSON they
// came as. Validation refuses any of them.
type UnsupportedVolumeSources struct {
	GCEPersistentDisk    *json.RawMessage `json:"gcePersistentDisk,omitempty"`
	AWSElasticBlockStore *json.RawMessage `json:"awsElasticBlockStore,omitempty"`
	GitRepo              *json.RawMessage `json:"gitRepo,omitempty"`
	NFS                  *json.RawMessage `json:"nfs,omitempty"`
	ISCSI                *json.RawMessage `json:"iscsi,omitempty"`
	Glusterfs            *json.RawMessage `json:"glusterfs,omitempty"`
	RBD                  *json.RawMessage `json:"rbd,omitempty"`
	FlexVolume           *json.RawMessage `json:"flexVolume,omitempty"`
	Cinder               *json.RawMessage `json:"cinder,omitempty"`
	CephFS               *json.RawMessage `json:"cephfs,omitempty"`
	Flocker              *json.RawMessage `json:"flocker,omitempty"`
	FC                   *json.RawMessage `json:"fc,omitempty"`
	AzureFile            *json.RawMessage `json:"azureFile,omitempty"`
	VsphereVolume        *json.RawMessage `json:"vsphereVolume,omitempty"`
	Quobyte              *json.RawMessage `json:"quobyte,omitempty"`
	AzureDisk            *json.RawMessage `json:"azureDisk,omitempty"`
	PhotonPersistentDisk *json.RawMessage `json:"photonPersistentDisk,omitempty"`
	PortworxVolume       *json.RawMessage `json:"portworxVolume,omitempty"`
	ScaleIO              *json.RawMessage `json:"scaleIO,omitempty"`
	StorageOS            *json.RawMessage `json:"storageos,omitempty"`
	CSI                  *json.RawMessage `json:"csi,omitempty"`
	Ephemeral            *json.RawMessage `json:"ephemeral,omitempty"`
	Image                *json.RawMessage `json:"image,omitempty"`
}

// volumeType is one volume type set in a VolumeSource: its JSON name and
// its value.
type volumeType struct {
	name  string
	value any
}

// types returns the volume types set in src, kubelab's own first, then
// Kubernetes' others in the order of its VolumeSource.
func (src *VolumeSource) types() []volumeType { return setTypes(reflect.ValueOf(src).Elem()) }

// setTypes returns the pointer fields set in the struct s, each by its
// JSON name, and then those of the structs it embeds (its Unsupported…
// sources): a PersistentVolumeSource is walked the same way.
func setTypes(s reflect.Value) []volumeType {
	var set, embedded []volumeType
	for i := range s.NumField() {
		f, field := s.Field(i), s.Type().Field(i)
		switch {
		case field.Anonymous && f.Kind() == reflect.Struct:
			embedded = append(embedded, setTypes(f)...)
		case f.Kind() == reflect.Pointer && !f.IsNil():
			name, _, _ := strings.Cut(field.Tag.Get("json"), ",")
			set = append(set, volumeType{name: name, value: f.Interface()})
		}
	}
	return append(set, embedded...)
}

// validateImplemented refuses a volume type kubelab does not implement.
func validateImplemented(t volumeType, p fieldPath) ErrorList {
	if oneOf(t.name, implementedVolumeTypes...) {
		return nil
	}
	b, _ := json.Marshal(t.value)
	return ErrorList{{Type: ErrorTypeNotSupported, Field: string(p.child(t.name)), BadValue: jsonValue(b),
		Detail: "kubelab does not implement this volume type yet; supported: " + strings.Join(implementedVolumeTypes, ", ")}}
}

// jsonValue shows a value in an error message as JSON.
type jsonValue []byte

func (j jsonValue) String() string { return string(j) }
