package api

// setStatefulSetDefaults follows Kubernetes' apps/v1
// SetDefaults_StatefulSet: one replica, pods made one at a time in order
// (OrderedReady), a rolling update of every pod (partition 0), ten old
// revisions kept, and claims that outlive both the set and a scale-down
// (Retain, Retain). Its pod template gets the pod defaults and each claim
// template the claim defaults (volumeMode Filesystem, phase Pending: kubectl
// shows templates so), as the generated defaulters do.
func setStatefulSetDefaults(spec *StatefulSetSpec) {
	defaultReplicas(&spec.Replicas)
	defaultString(&spec.PodManagementPolicy, OrderedReadyPodManagement)
	us := &spec.UpdateStrategy
	if us.Type == "" {
		us.Type = RollingUpdateStatefulSetStrategyType
		if us.RollingUpdate == nil {
			us.RollingUpdate = &RollingUpdateStatefulSetStrategy{}
		}
	}
	// An explicit RollingUpdate without rollingUpdate stays so, as in
	// Kubernetes: a nil partition means 0.
	if us.Type == RollingUpdateStatefulSetStrategyType && us.RollingUpdate != nil && us.RollingUpdate.Partition == nil {
		us.RollingUpdate.Partition = Int32(0)
	}
	if spec.RevisionHistoryLimit == nil {
		spec.RevisionHistoryLimit = Int32(DefaultRevisionHistoryLimit)
	}
	if spec.PersistentVolumeClaimRetentionPolicy == nil {
		spec.PersistentVolumeClaimRetentionPolicy = &StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	rp := spec.PersistentVolumeClaimRetentionPolicy
	defaultString(&rp.WhenDeleted, RetainPersistentVolumeClaimRetentionPolicyType)
	defaultString(&rp.WhenScaled, RetainPersistentVolumeClaimRetentionPolicyType)
	setPodSpecDefaults(&spec.Template.Spec)
	for i := range spec.VolumeClaimTemplates {
		setPersistentVolumeClaimDefaults(&spec.VolumeClaimTemplates[i]) // defaults_storage.go
	}
}
