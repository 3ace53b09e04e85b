package api

// Defaults of the workload kinds above ReplicaSet, as Kubernetes' apps/v1
// and batch/v1 SetDefaults_Deployment, SetDefaults_Job and
// SetDefaults_CronJob give them. Their pod templates get the pod
// defaults, as ReplicaSet templates do: a Job template without a restart
// policy gets Always, which Job validation then refuses, so a Job must
// say Never or OnFailure (Kubernetes answers the same way).

// Deployment defaults.
const (
	DefaultRevisionHistoryLimit    = 10
	DefaultProgressDeadlineSeconds = 600
	DefaultMaxSurge                = "25%"
	DefaultMaxUnavailable          = "25%"
)

// Job and CronJob defaults.
const (
	DefaultBackoffLimit               = 6
	DefaultSuccessfulJobsHistoryLimit = 3
	DefaultFailedJobsHistoryLimit     = 1
)

func setDeploymentDefaults(spec *DeploymentSpec) {
	defaultReplicas(&spec.Replicas)
	s := &spec.Strategy
	defaultString(&s.Type, RollingUpdateDeploymentStrategyType)
	if s.Type == RollingUpdateDeploymentStrategyType {
		if s.RollingUpdate == nil {
			s.RollingUpdate = &RollingUpdateDeployment{}
		}
		if s.RollingUpdate.MaxUnavailable == nil {
			v := FromString(DefaultMaxUnavailable)
			s.RollingUpdate.MaxUnavailable = &v
		}
		if s.RollingUpdate.MaxSurge == nil {
			v := FromString(DefaultMaxSurge)
			s.RollingUpdate.MaxSurge = &v
		}
	}
	if spec.RevisionHistoryLimit == nil {
		spec.RevisionHistoryLimit = Int32(DefaultRevisionHistoryLimit)
	}
	if spec.ProgressDeadlineSeconds == nil {
		spec.ProgressDeadlineSeconds = Int32(DefaultProgressDeadlineSeconds)
	}
	setPodSpecDefaults(&spec.Template.Spec)
}

// setJobDefaults follows SetDefaults_Job: a Job that gives neither
// completions nor parallelism runs one pod to one success; one that gives
// only parallelism is a work queue (completions stays nil: the first
// success ends it), and one that gives only completions runs them one at a
// time. A Job without labels of its own takes its template's.
func setJobDefaults(job *Job) {
	spec := &job.Spec
	if spec.Completions == nil && spec.Parallelism == nil {
		spec.Completions = Int32(1)
	}
	if spec.Parallelism == nil {
		spec.Parallelism = Int32(1)
	}
	if spec.BackoffLimit == nil {
		spec.BackoffLimit = Int32(DefaultBackoffLimit)
	}
	if labels := spec.Template.Labels; len(labels) > 0 && len(job.Labels) == 0 {
		job.Labels = copyLabels(labels)
	}
	if spec.CompletionMode == nil {
		mode := NonIndexedCompletion
		spec.CompletionMode = &mode
	}
	if spec.Suspend == nil {
		spec.Suspend = Bool(false)
	}
	setPodSpecDefaults(&spec.Template.Spec)
}

// setCronJobDefaults follows SetDefaults_CronJob. The Job template's own
// fields (parallelism, backoffLimit…) are not defaulted here, as in
// Kubernetes: they are when the CronJob's Job is created. Its pod template
// is.
func setCronJobDefaults(spec *CronJobSpec) {
	defaultString(&spec.ConcurrencyPolicy, AllowConcurrent)
	if spec.Suspend == nil {
		spec.Suspend = Bool(false)
	}
	if spec.SuccessfulJobsHistoryLimit == nil {
		spec.SuccessfulJobsHistoryLimit = Int32(DefaultSuccessfulJobsHistoryLimit)
	}
	if spec.FailedJobsHistoryLimit == nil {
		spec.FailedJobsHistoryLimit = Int32(DefaultFailedJobsHistoryLimit)
	}
	setPodSpecDefaults(&spec.JobTemplate.Spec.Template.Spec)
}
