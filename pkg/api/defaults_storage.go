package api

// Defaults of the storage kinds, as Kubernetes' SetDefaults_PersistentVolume,
// SetDefaults_PersistentVolumeClaim and SetDefaults_StorageClass give them.
// A hand-made volume is kept when its claim goes (Retain: its data may be
// all someone has), while a class's volumes, made on demand, go with their
// claims (Delete). A class binds at once (Immediate) unless it says to wait
// for the first pod, which a node-local class must.

func setPersistentVolumeDefaults(pv *PersistentVolume) {
	defaultString(&pv.Spec.PersistentVolumeReclaimPolicy, ReclaimRetain)
	if pv.Spec.VolumeMode == nil {
		pv.Spec.VolumeMode = String(PersistentVolumeFilesystem)
	}
	defaultString(&pv.Status.Phase, VolumePending)
}

func setPersistentVolumeClaimDefaults(pvc *PersistentVolumeClaim) {
	if pvc.Spec.VolumeMode == nil {
		pvc.Spec.VolumeMode = String(PersistentVolumeFilesystem)
	}
	defaultString(&pvc.Status.Phase, ClaimPending)
}

func setStorageClassDefaults(sc *StorageClass) {
	if sc.ReclaimPolicy == nil {
		sc.ReclaimPolicy = String(ReclaimDelete)
	}
	if sc.VolumeBindingMode == nil {
		sc.VolumeBindingMode = String(VolumeBindingImmediate)
	}
}
