package api

import "encoding/json"

// The storage kinds, as Kubernetes has them: a PersistentVolume is a piece
// of storage on the cluster (here a directory of a node), a
// PersistentVolumeClaim is a pod's request for one, and a StorageClass
// says how to make a volume for a claim that no existing volume fits.
// The PV controller binds claims to volumes; a provisioner makes volumes
// for claims of its class.

// StorageGroup is the API group of StorageClass.
const StorageGroup = "storage.k8s.io"

// Access modes of a volume, and its reclaim policies.
const (
	ReadWriteOnce    = "ReadWriteOnce"
	ReadOnlyMany     = "ReadOnlyMany"
	ReadWriteMany    = "ReadWriteMany"
	ReadWriteOncePod = "ReadWriteOncePod"

	ReclaimRetain  = "Retain"
	ReclaimDelete  = "Delete"
	ReclaimRecycle = "Recycle" // deprecated in Kubernetes; refused here

	VolumeBindingImmediate            = "Immediate"
	VolumeBindingWaitForFirstConsumer = "WaitForFirstConsumer"

	// A volume is a mounted filesystem or a raw block device; kubelab
	// implements filesystems.
	PersistentVolumeFilesystem = "Filesystem"
	PersistentVolumeBlock      = "Block"

	// ResourceStorage is the one resource of a volume's capacity and a
	// claim's requests.
	ResourceStorage = "storage"

	// HostnameLabel is the node label a node-local volume's nodeAffinity
	// names its node by; the kubelet sets it to the node's name.
	HostnameLabel = "kubernetes.io/hostname"
)

// Phases of volumes and claims.
const (
	VolumePending   = "Pending"
	VolumeAvailable = "Available"
	VolumeBound     = "Bound"
	VolumeReleased  = "Released"
	VolumeFailed    = "Failed"

	ClaimPending = "Pending"
	ClaimBound   = "Bound"
	ClaimLost    = "Lost"
)

// PersistentVolume is storage that outlives the pods that use it.
type PersistentVolume struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       PersistentVolumeSpec   `json:"spec"`
	Status     PersistentVolumeStatus `json:"status,omitzero"`
}

// PersistentVolumeSpec is what the volume is and who may claim it.
type PersistentVolumeSpec struct {
	Capacity               ResourceList `json:"capacity,omitempty"` // storage: 1Gi
	PersistentVolumeSource `json:",inline"`
	AccessModes            []string `json:"accessModes,omitempty"`
	// ClaimRef is the claim the volume is bound to, or reserved for.
	ClaimRef                      *ObjectReference    `json:"claimRef,omitempty"`
	PersistentVolumeReclaimPolicy string              `json:"persistentVolumeReclaimPolicy,omitempty"` // default Retain
	StorageClassName              string              `json:"storageClassName,omitempty"`
	MountOptions                  []string            `json:"mountOptions,omitempty"`
	VolumeMode                    *string             `json:"volumeMode,omitempty"` // Filesystem
	NodeAffinity                  *VolumeNodeAffinity `json:"nodeAffinity,omitempty"`
}

// PersistentVolumeSource says what backs a PersistentVolume; exactly one
// field is set.
type PersistentVolumeSource struct {
	HostPath *HostPathVolumeSource `json:"hostPath,omitempty"`
	Local    *LocalVolumeSource    `json:"local,omitempty"`
	// Kubernetes' other volume types, refused at admission
	// (validation_storage.go), as a pod's are (volumes_unsupported.go).
	UnsupportedPersistentVolumeSources `json:",inline"`
}

// UnsupportedPersistentVolumeSources are the types of Kubernetes' v1
// PersistentVolumeSource that kubelab does not implement, kept as the
// JSON they came as, so that validation can refuse a volume of NFS or
// CSI instead of dropping the field and storing a volume with no source.
type UnsupportedPersistentVolumeSources struct {
	GCEPersistentDisk    *json.RawMessage `json:"gcePersistentDisk,omitempty"`
	AWSElasticBlockStore *json.RawMessage `json:"awsElasticBlockStore,omitempty"`
	Glusterfs            *json.RawMessage `json:"glusterfs,omitempty"`
	NFS                  *json.RawMessage `json:"nfs,omitempty"`
	RBD                  *json.RawMessage `json:"rbd,omitempty"`
	ISCSI                *json.RawMessage `json:"iscsi,omitempty"`
	Cinder               *json.RawMessage `json:"cinder,omitempty"`
	CephFS               *json.RawMessage `json:"cephfs,omitempty"`
	FC                   *json.RawMessage `json:"fc,omitempty"`
	Flocker              *json.RawMessage `json:"flocker,omitempty"`
	FlexVolume           *json.RawMessage `json:"flexVolume,omitempty"`
	AzureFile            *json.RawMessage `json:"azureFile,omitempty"`
	VsphereVolume        *json.RawMessage `json:"vsphereVolume,omitempty"`
	Quobyte              *json.RawMessage `json:"quobyte,omitempty"`
	AzureDisk            *json.RawMessage `json:"azureDisk,omitempty"`
	PhotonPersistentDisk *json.RawMessage `json:"photonPersistentDisk,omitempty"`
	PortworxVolume       *json.RawMessage `json:"portworxVolume,omitempty"`
	ScaleIO              *json.RawMessage `json:"scaleIO,omitempty"`
	StorageOS            *json.RawMessage `json:"storageos,omitempty"`
	CSI                  *json.RawMessage `json:"csi,omitempty"`
}

// LocalVolumeSource is a directory (or disk) of one node; the volume's
// nodeAffinity names the node.
type LocalVolumeSource struct {
	Path   string  `json:"path"`
	FSType *string `json:"fsType,omitempty"`
}

// VolumeNodeAffinity restricts the nodes from which a volume can be used.
type VolumeNodeAffinity struct {
	Required *NodeSelector `json:"required,omitempty"`
}

// PersistentVolumeStatus is the volume's phase in its life.
type PersistentVolumeStatus struct {
	Phase                   string `json:"phase,omitempty"`
	Message                 string `json:"message,omitempty"`
	Reason                  string `json:"reason,omitempty"`
	LastPhaseTransitionTime *Time  `json:"lastPhaseTransitionTime,omitempty"`
}

// PersistentVolumeClaim is a request for storage, which the PV controller
// binds to one PersistentVolume.
type PersistentVolumeClaim struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       PersistentVolumeClaimSpec   `json:"spec"`
	Status     PersistentVolumeClaimStatus `json:"status,omitzero"`
}

// PersistentVolumeClaimSpec is what the claim asks for.
type PersistentVolumeClaimSpec struct {
	AccessModes []string                   `json:"accessModes,omitempty"`
	Selector    *LabelSelector             `json:"selector,omitempty"`
	Resources   VolumeResourceRequirements `json:"resources,omitzero"` // requests.storage
	// VolumeName binds the claim to that volume (pre-binding).
	VolumeName string `json:"volumeName,omitempty"`
	// StorageClassName nil means the default class; "" means no class.
	StorageClassName *string `json:"storageClassName,omitempty"`
	VolumeMode       *string `json:"volumeMode,omitempty"`
}

// VolumeResourceRequirements is the storage a claim asks for.
type VolumeResourceRequirements struct {
	Limits   ResourceList `json:"limits,omitempty"`
	Requests ResourceList `json:"requests,omitempty"`
}

// PersistentVolumeClaimStatus is what the claim got.
type PersistentVolumeClaimStatus struct {
	Phase       string                           `json:"phase,omitempty"`
	AccessModes []string                         `json:"accessModes,omitempty"`
	Capacity    ResourceList                     `json:"capacity,omitempty"`
	Conditions  []PersistentVolumeClaimCondition `json:"conditions,omitempty"`
}

// PersistentVolumeClaimCondition is one observation about a claim.
type PersistentVolumeClaimCondition struct {
	Type               string `json:"type"`
	Status             string `json:"status"`
	LastProbeTime      Time   `json:"lastProbeTime,omitzero"`
	LastTransitionTime Time   `json:"lastTransitionTime,omitzero"`
	Reason             string `json:"reason,omitempty"`
	Message            string `json:"message,omitempty"`
}

// Annotations of the storage controllers, Kubernetes' names.
const (
	// IsDefaultStorageClassAnnotation marks the class of claims that name none.
	IsDefaultStorageClassAnnotation = "storageclass.kubernetes.io/is-default-class"
	// SelectedNodeAnnotation is the node the scheduler chose for a
	// WaitForFirstConsumer claim; the provisioner makes the volume there.
	SelectedNodeAnnotation = "volume.kubernetes.io/selected-node"
	// StorageProvisionerAnnotation names the provisioner a claim waits for.
	StorageProvisionerAnnotation = "volume.kubernetes.io/storage-provisioner"
	// ProvisionedByAnnotation names the provisioner that made a volume.
	ProvisionedByAnnotation = "pv.kubernetes.io/provisioned-by"
	// BindCompletedAnnotation and BoundByControllerAnnotation record how
	// a claim and a volume were bound.
	BindCompletedAnnotation     = "pv.kubernetes.io/bind-completed"
	BoundByControllerAnnotation = "pv.kubernetes.io/bound-by-controller"
)

// StorageClass says how volumes of a class are made (provisioner and its
// parameters), reclaimed and bound.
type StorageClass struct {
	TypeMeta             `json:",inline"`
	ObjectMeta           `json:"metadata"`
	Provisioner          string            `json:"provisioner"`
	Parameters           map[string]string `json:"parameters,omitempty"`
	ReclaimPolicy        *string           `json:"reclaimPolicy,omitempty"` // default Delete
	MountOptions         []string          `json:"mountOptions,omitempty"`
	AllowVolumeExpansion *bool             `json:"allowVolumeExpansion,omitempty"`
	VolumeBindingMode    *string           `json:"volumeBindingMode,omitempty"` // default Immediate
}

// kubelab's local-path provisioner: its StorageClass (the default class,
// WaitForFirstConsumer) makes each claim a directory on the node the
// scheduler chose for the claim's first pod.
const (
	// LocalPathProvisioner is the provisioner name its StorageClass names.
	LocalPathProvisioner = "kubelab.io/local-path"
	// LocalPathStorageClass is the name of the class make up installs.
	LocalPathStorageClass = "local-path"
	// LocalPathDirAnnotation, on a Node, is the directory under which that
	// node's kubelet keeps local-path volumes; the provisioner makes each
	// volume a directory below it.
	LocalPathDirAnnotation = "kubelab.io/local-path-dir"
	// LocalPathFinalizer holds a deleted local-path volume until the
	// kubelet of its node has removed its directory.
	LocalPathFinalizer = "kubelab.io/local-path"
	// PVCProtectionFinalizer keeps a claim that a pod uses from going
	// before the pod does.
	PVCProtectionFinalizer = "kubernetes.io/pvc-protection"
	// PVProtectionFinalizer keeps a bound volume from going before its claim.
	PVProtectionFinalizer = "kubernetes.io/pv-protection"
)
