package api

import "encoding/json"

// The workload kinds above ReplicaSet, as Kubernetes has them: a
// Deployment rolls a pod template out through ReplicaSets, a Job runs pods
// to completion, a CronJob makes Jobs on a schedule, and a
// ControllerRevision keeps an old DaemonSet template for rollbacks.

// BatchGroup is the API group of Job and CronJob.
const BatchGroup = "batch"

// Annotations and labels the workload controllers keep, Kubernetes' names.
const (
	// RevisionAnnotation numbers a Deployment's rollouts, on the
	// Deployment and on each of its ReplicaSets.
	RevisionAnnotation = "deployment.kubernetes.io/revision"
	// PodTemplateHashLabel tells a Deployment's ReplicaSets (and their
	// pods) apart: a hash of the pod template.
	PodTemplateHashLabel = "pod-template-hash"
	// ControllerRevisionHashLabel is a DaemonSet pod's template revision.
	ControllerRevisionHashLabel = "controller-revision-hash"
	// JobNameLabel and ControllerUIDLabel mark a Job's pods.
	JobNameLabel       = "batch.kubernetes.io/job-name"
	ControllerUIDLabel = "batch.kubernetes.io/controller-uid"
	// JobCompletionIndexAnnotation is an Indexed Job pod's index.
	JobCompletionIndexAnnotation = "batch.kubernetes.io/job-completion-index"
)

// Deployment rolls a pod template out: one ReplicaSet per template, the
// new one scaled up while the old ones are scaled down.
type Deployment struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       DeploymentSpec   `json:"spec"`
	Status     DeploymentStatus `json:"status,omitzero"`
}

// DeploymentSpec is what a Deployment should run and how to change it.
type DeploymentSpec struct {
	Replicas                *int32             `json:"replicas,omitempty"`
	Selector                *LabelSelector     `json:"selector"`
	Template                PodTemplateSpec    `json:"template"`
	Strategy                DeploymentStrategy `json:"strategy,omitzero"`
	MinReadySeconds         int32              `json:"minReadySeconds,omitempty"`
	RevisionHistoryLimit    *int32             `json:"revisionHistoryLimit,omitempty"`    // default 10
	Paused                  bool               `json:"paused,omitempty"`                  // no rollout while set
	ProgressDeadlineSeconds *int32             `json:"progressDeadlineSeconds,omitempty"` // default 600
}

// Deployment strategies.
const (
	RollingUpdateDeploymentStrategyType = "RollingUpdate"
	RecreateDeploymentStrategyType      = "Recreate"
)

// DeploymentStrategy is RollingUpdate (default) or Recreate.
type DeploymentStrategy struct {
	Type          string                   `json:"type,omitempty"`
	RollingUpdate *RollingUpdateDeployment `json:"rollingUpdate,omitempty"`
}

// RollingUpdateDeployment bounds a rollout: how many pods may be missing
// (maxUnavailable, rounded down from a percentage) and how many extra may
// run (maxSurge, rounded up), both 25% by default.
type RollingUpdateDeployment struct {
	MaxUnavailable *IntOrString `json:"maxUnavailable,omitempty"`
	MaxSurge       *IntOrString `json:"maxSurge,omitempty"`
}

// DeploymentStatus is what the controller observed.
type DeploymentStatus struct {
	ObservedGeneration  int64                 `json:"observedGeneration,omitempty"`
	Replicas            int32                 `json:"replicas,omitempty"`
	UpdatedReplicas     int32                 `json:"updatedReplicas,omitempty"`
	ReadyReplicas       int32                 `json:"readyReplicas,omitempty"`
	AvailableReplicas   int32                 `json:"availableReplicas,omitempty"`
	UnavailableReplicas int32                 `json:"unavailableReplicas,omitempty"`
	Conditions          []DeploymentCondition `json:"conditions,omitempty"`
	CollisionCount      *int32                `json:"collisionCount,omitempty"`
}

// Deployment condition types, and the reasons Kubernetes gives them.
const (
	DeploymentAvailable   = "Available"
	DeploymentProgressing = "Progressing"

	ReasonMinimumReplicasAvailable   = "MinimumReplicasAvailable"
	ReasonMinimumReplicasUnavailable = "MinimumReplicasUnavailable"
	ReasonNewReplicaSetCreated       = "NewReplicaSetCreated"
	ReasonFoundNewReplicaSet         = "FoundNewReplicaSet"
	ReasonReplicaSetUpdated          = "ReplicaSetUpdated"
	ReasonNewReplicaSetAvailable     = "NewReplicaSetAvailable"
	ReasonProgressDeadlineExceeded   = "ProgressDeadlineExceeded"
	ReasonDeploymentPaused           = "DeploymentPaused"
	ReasonDeploymentResumed          = "DeploymentResumed"
)

// DeploymentCondition is one condition of a Deployment.
type DeploymentCondition struct {
	Type               string `json:"type"`
	Status             string `json:"status"`
	LastUpdateTime     Time   `json:"lastUpdateTime,omitzero"`
	LastTransitionTime Time   `json:"lastTransitionTime,omitzero"`
	Reason             string `json:"reason,omitempty"`
	Message            string `json:"message,omitempty"`
}

// ControllerRevision is an immutable snapshot of a controller's template
// (a DaemonSet's), kept for rollbacks: rollout history and undo read them.
type ControllerRevision struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Data is the part of the owner it snapshots, as JSON (for a
	// DaemonSet, {"spec":{"template":…}}).
	Data     json.RawMessage `json:"data,omitempty"`
	Revision int64           `json:"revision"`
}

// Job runs pods until a number of them succeed.
type Job struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       JobSpec   `json:"spec"`
	Status     JobStatus `json:"status,omitzero"`
}

// Job completion modes.
const (
	NonIndexedCompletion = "NonIndexed"
	IndexedCompletion    = "Indexed"
)

// JobSpec is how many pods must succeed, how many run at once, and how
// long and how often failures are tolerated.
type JobSpec struct {
	Parallelism             *int32          `json:"parallelism,omitempty"` // default 1
	Completions             *int32          `json:"completions,omitempty"` // nil: one success ends the Job (work queue)
	ActiveDeadlineSeconds   *int64          `json:"activeDeadlineSeconds,omitempty"`
	BackoffLimit            *int32          `json:"backoffLimit,omitempty"` // default 6
	Selector                *LabelSelector  `json:"selector,omitempty"`     // set by the apiserver
	ManualSelector          *bool           `json:"manualSelector,omitempty"`
	Template                PodTemplateSpec `json:"template"`
	TTLSecondsAfterFinished *int32          `json:"ttlSecondsAfterFinished,omitempty"`
	CompletionMode          *string         `json:"completionMode,omitempty"` // NonIndexed (default) or Indexed
	Suspend                 *bool           `json:"suspend,omitempty"`
}

// JobStatus counts the Job's pods and says whether it is done.
type JobStatus struct {
	Conditions       []JobCondition `json:"conditions,omitempty"`
	StartTime        *Time          `json:"startTime,omitempty"`
	CompletionTime   *Time          `json:"completionTime,omitempty"`
	Active           int32          `json:"active,omitempty"`
	Succeeded        int32          `json:"succeeded,omitempty"`
	Failed           int32          `json:"failed,omitempty"`
	Ready            *int32         `json:"ready,omitempty"`
	CompletedIndexes string         `json:"completedIndexes,omitempty"` // "0-2,4" for an Indexed Job
}

// Job condition types, and reasons Kubernetes gives them.
const (
	JobComplete  = "Complete"
	JobFailed    = "Failed"
	JobSuspended = "Suspended"

	ReasonBackoffLimitExceeded = "BackoffLimitExceeded"
	ReasonDeadlineExceeded     = "DeadlineExceeded"
)

// JobCondition is one condition of a Job.
type JobCondition struct {
	Type               string `json:"type"`
	Status             string `json:"status"`
	LastProbeTime      Time   `json:"lastProbeTime,omitzero"`
	LastTransitionTime Time   `json:"lastTransitionTime,omitzero"`
	Reason             string `json:"reason,omitempty"`
	Message            string `json:"message,omitempty"`
}

// CronJob makes a Job from its template on a schedule.
type CronJob struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       CronJobSpec   `json:"spec"`
	Status     CronJobStatus `json:"status,omitzero"`
}

// CronJob concurrency policies.
const (
	AllowConcurrent   = "Allow"
	ForbidConcurrent  = "Forbid"
	ReplaceConcurrent = "Replace"
)

// CronJobSpec is the schedule (cron syntax, in TimeZone or the
// controller's local time) and the Job template.
type CronJobSpec struct {
	Schedule                   string          `json:"schedule"`
	TimeZone                   *string         `json:"timeZone,omitempty"`
	StartingDeadlineSeconds    *int64          `json:"startingDeadlineSeconds,omitempty"`
	ConcurrencyPolicy          string          `json:"concurrencyPolicy,omitempty"` // default Allow
	Suspend                    *bool           `json:"suspend,omitempty"`
	JobTemplate                JobTemplateSpec `json:"jobTemplate"`
	SuccessfulJobsHistoryLimit *int32          `json:"successfulJobsHistoryLimit,omitempty"` // default 3
	FailedJobsHistoryLimit     *int32          `json:"failedJobsHistoryLimit,omitempty"`     // default 1
}

// JobTemplateSpec is the Job a CronJob makes.
type JobTemplateSpec struct {
	ObjectMeta `json:"metadata,omitzero"`
	Spec       JobSpec `json:"spec"`
}

// CronJobStatus is what runs and when the CronJob last started a Job.
type CronJobStatus struct {
	Active             []ObjectReference `json:"active,omitempty"`
	LastScheduleTime   *Time             `json:"lastScheduleTime,omitempty"`
	LastSuccessfulTime *Time             `json:"lastSuccessfulTime,omitempty"`
}
