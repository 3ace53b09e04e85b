package api

import (
	"encoding/json"
	"testing"
)

func validDeployment() *Deployment {
	d := &Deployment{
		ObjectMeta: ObjectMeta{Name: "kubia", Namespace: "default"},
		Spec:       DeploymentSpec{Replicas: Int32(3), Selector: &LabelSelector{MatchLabels: map[string]string{"app": "kubia"}}, Template: validTemplate()},
	}
	SetDefaults(d)
	return d
}

func TestValidateDeployment(t *testing.T) {
	pct := func(s string) *IntOrString { v := FromString(s); return &v }
	num := func(i int32) *IntOrString { v := FromInt(i); return &v }
	tests := []struct {
		name   string
		mutate func(*Deployment)
		want   []string
	}{
		{"valid", func(*Deployment) {}, nil},
		{"negative replicas", func(d *Deployment) { d.Spec.Replicas = Int32(-1) }, []string{"spec.replicas: Invalid value: -1: must be greater than or equal to 0"}},
		{"no selector", func(d *Deployment) { d.Spec.Selector = nil }, []string{"spec.selector: Required value"}},
		{"selector does not match", func(d *Deployment) { d.Spec.Selector.MatchLabels["app"] = "other" },
			[]string{"spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"kubia\"}: `selector` does not match template `labels`"}},
		{"restart policy Never", func(d *Deployment) { d.Spec.Template.Spec.RestartPolicy = RestartNever },
			[]string{`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`}},
		{"template pod spec checked", func(d *Deployment) { d.Spec.Template.Spec.Containers[0].Image = "" },
			[]string{"spec.template.spec.containers[0].image: Required value"}},
		{"bad strategy", func(d *Deployment) { d.Spec.Strategy.Type = "BlueGreen" },
			[]string{`spec.strategy.type: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"`}},
		{"recreate with rolling update", func(d *Deployment) { d.Spec.Strategy.Type = RecreateDeploymentStrategyType },
			[]string{"spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"}},
		{"recreate", func(d *Deployment) { d.Spec.Strategy = DeploymentStrategy{Type: RecreateDeploymentStrategyType} }, nil},
		{"rolling update missing", func(d *Deployment) { d.Spec.Strategy.RollingUpdate = nil },
			[]string{"spec.strategy.rollingUpdate: Required value: this should be defaulted and never be nil"}},
		{"negative surge", func(d *Deployment) { d.Spec.Strategy.RollingUpdate.MaxSurge = num(-1) },
			[]string{"spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0"}},
		{"bad percentage", func(d *Deployment) { d.Spec.Strategy.RollingUpdate.MaxUnavailable = pct("half") },
			[]string{`spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "half": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`}},
		{"surge may pass 100%", func(d *Deployment) { d.Spec.Strategy.RollingUpdate.MaxSurge = pct("200%") }, nil},
		{"unavailable may not pass 100%", func(d *Deployment) { d.Spec.Strategy.RollingUpdate.MaxUnavailable = pct("101%") },
			[]string{`spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "101%": must not be greater than 100%`}},
		{"both zero", func(d *Deployment) {
			d.Spec.Strategy.RollingUpdate = &RollingUpdateDeployment{MaxUnavailable: pct("0%"), MaxSurge: num(0)}
		}, []string{"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"0%\": may not be 0 when `maxSurge` is 0"}},
		{"negative history", func(d *Deployment) { d.Spec.RevisionHistoryLimit = Int32(-1) },
			[]string{"spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"}},
		{"deadline within min ready", func(d *Deployment) { d.Spec.MinReadySeconds = 600 },
			[]string{"spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"}},
		{"negative deadline", func(d *Deployment) { d.Spec.ProgressDeadlineSeconds = Int32(-5) }, []string{
			"spec.progressDeadlineSeconds: Invalid value: -5: must be greater than or equal to 0",
			"spec.progressDeadlineSeconds: Invalid value: -5: must be greater than minReadySeconds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := validDeployment()
			tt.mutate(d)
			checkErrors(t, Validate(d), tt.want)
		})
	}
}

// validJob is a Job as the apiserver stores it: defaulted, with the
// selector and labels it generates.
func validJob() *Job {
	tmpl := validTemplate()
	tmpl.Spec.RestartPolicy = RestartNever
	job := &Job{ObjectMeta: ObjectMeta{Name: "pi", Namespace: "default", UID: "u-1"}, Spec: JobSpec{Template: tmpl}}
	SetDefaults(job)
	for k, v := range map[string]string{ControllerUIDLabel: "u-1", LegacyControllerUIDLabel: "u-1", JobNameLabel: "pi", LegacyJobNameLabel: "pi"} {
		job.Spec.Template.Labels[k] = v
	}
	job.Spec.Selector = &LabelSelector{MatchLabels: map[string]string{ControllerUIDLabel: "u-1"}}
	return job
}

func TestValidateJob(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Job)
		want   []string
	}{
		{"valid", func(*Job) {}, nil},
		{"on failure", func(j *Job) { j.Spec.Template.Spec.RestartPolicy = RestartOnFailure }, nil},
		{"restart policy Always", func(j *Job) { j.Spec.Template.Spec.RestartPolicy = RestartAlways },
			[]string{`spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"`}},
		{"negative counts", func(j *Job) {
			j.Spec.Parallelism, j.Spec.Completions, j.Spec.BackoffLimit = Int32(-1), Int32(-2), Int32(-3)
			j.Spec.ActiveDeadlineSeconds, j.Spec.TTLSecondsAfterFinished = Int64(-4), Int32(-5)
		}, []string{
			"spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
			"spec.completions: Invalid value: -2: must be greater than or equal to 0",
			"spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0",
			"spec.ttlSecondsAfterFinished: Invalid value: -5: must be greater than or equal to 0",
			"spec.activeDeadlineSeconds: Invalid value: -4: must be greater than or equal to 0"}},
		{"bad completion mode", func(j *Job) { m := "Ordered"; j.Spec.CompletionMode = &m },
			[]string{`spec.completionMode: Unsupported value: "Ordered": supported values: "NonIndexed", "Indexed"`}},
		{"indexed needs completions", func(j *Job) { m := IndexedCompletion; j.Spec.CompletionMode = &m; j.Spec.Completions = nil },
			[]string{"spec.completions: Required value: when completion mode is Indexed"}},
		{"indexed pod names must be labels", func(j *Job) {
			m := IndexedCompletion
			j.Spec.CompletionMode = &m
			j.Name = "pi.v2"
			j.Spec.Template.Labels[JobNameLabel], j.Spec.Template.Labels[LegacyJobNameLabel] = "pi.v2", "pi.v2"
		}, []string{"metadata.name: Invalid value: \"pi.v2\": will not able to create pod with invalid DNS label: pi.v2-0"}},
		{"no selector", func(j *Job) { j.Spec.Selector = nil }, []string{"spec.selector: Required value"}},
		{"selector not generated", func(j *Job) { j.Spec.Selector.MatchLabels[ControllerUIDLabel] = "u-2" }, []string{
			`spec.selector: Invalid value: {"matchLabels":{"batch.kubernetes.io/controller-uid":"u-2"}}: ` + "`selector` not auto-generated",
			"spec.template.metadata.labels: Invalid value: " + formatBadValue(validJob().Spec.Template.Labels) + ": `selector` does not match template `labels`"}},
		{"generated label changed", func(j *Job) { j.Spec.Template.Labels[LegacyJobNameLabel] = "other" },
			[]string{`spec.template.metadata.labels[job-name]: Invalid value: "other": must be 'pi'`}},
		{"generated label missing", func(j *Job) { delete(j.Spec.Template.Labels, JobNameLabel) },
			[]string{"spec.template.metadata.labels[batch.kubernetes.io/job-name]: Required value"}},
		{"no uid", func(j *Job) { j.UID = "" }, []string{
			"metadata.uid: Required value",
			`spec.template.metadata.labels[controller-uid]: Invalid value: "u-1": must be ''`,
			`spec.template.metadata.labels[batch.kubernetes.io/controller-uid]: Invalid value: "u-1": must be ''`,
			`spec.selector: Invalid value: {"matchLabels":{"batch.kubernetes.io/controller-uid":"u-1"}}: ` + "`selector` not auto-generated"}},
		{"manual selector", func(j *Job) {
			j.Spec.ManualSelector = Bool(true)
			j.Spec.Selector = &LabelSelector{MatchLabels: map[string]string{"app": "kubia"}}
			j.Spec.Template.Labels = map[string]string{"app": "kubia"}
		}, nil},
		{"manual selector must match", func(j *Job) {
			j.Spec.ManualSelector = Bool(true)
			j.Spec.Selector = &LabelSelector{MatchLabels: map[string]string{"app": "other"}}
		}, []string{"spec.template.metadata.labels: Invalid value: " + formatBadValue(validJob().Spec.Template.Labels) + ": `selector` does not match template `labels`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := validJob()
			tt.mutate(j)
			checkErrors(t, Validate(j), tt.want)
		})
	}
}

func validCronJob() *CronJob {
	tmpl := validTemplate()
	tmpl.Spec.RestartPolicy = RestartOnFailure
	cj := &CronJob{
		ObjectMeta: ObjectMeta{Name: "hello", Namespace: "default"},
		Spec:       CronJobSpec{Schedule: "*/5 * * * *", JobTemplate: JobTemplateSpec{Spec: JobSpec{Template: tmpl}}},
	}
	SetDefaults(cj)
	return cj
}

func TestValidateCronJob(t *testing.T) {
	tz := func(s string) *string { return &s }
	tests := []struct {
		name   string
		mutate func(*CronJob)
		want   []string
	}{
		{"valid", func(*CronJob) {}, nil},
		{"descriptor", func(c *CronJob) { c.Spec.Schedule = "@hourly" }, nil},
		{"time zone", func(c *CronJob) { c.Spec.TimeZone = tz("Europe/Paris") }, nil},
		{"no schedule", func(c *CronJob) { c.Spec.Schedule = "" }, []string{"spec.schedule: Required value"}},
		{"six fields", func(c *CronJob) { c.Spec.Schedule = "0 */5 * * * *" },
			[]string{`spec.schedule: Invalid value: "0 */5 * * * *": expected exactly 5 fields, found 6: [0 */5 * * * *]`}},
		{"minute out of range", func(c *CronJob) { c.Spec.Schedule = "61 * * * *" },
			[]string{`spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61`}},
		{"TZ in schedule", func(c *CronJob) { c.Spec.Schedule = "CRON_TZ=UTC 0 * * * *" },
			[]string{`spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead`}},
		{"unknown time zone", func(c *CronJob) { c.Spec.TimeZone = tz("Mars/Olympus") },
			[]string{`spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus`}},
		{"bad time zone name", func(c *CronJob) { c.Spec.TimeZone = tz("../etc") },
			[]string{`spec.timeZone: Invalid value: "../etc": unknown time zone ../etc`}},
		{"local time zone", func(c *CronJob) { c.Spec.TimeZone = tz("Local") },
			[]string{`spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones`}},
		{"empty time zone", func(c *CronJob) { c.Spec.TimeZone = tz("") },
			[]string{`spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string`}},
		{"bad concurrency policy", func(c *CronJob) { c.Spec.ConcurrencyPolicy = "Queue" },
			[]string{`spec.concurrencyPolicy: Unsupported value: "Queue": supported values: "Allow", "Forbid", "Replace"`}},
		{"negative deadline and limits", func(c *CronJob) {
			c.Spec.StartingDeadlineSeconds = Int64(-1)
			c.Spec.SuccessfulJobsHistoryLimit, c.Spec.FailedJobsHistoryLimit = Int32(-2), Int32(-3)
		}, []string{
			"spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0",
			"spec.successfulJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0",
			"spec.failedJobsHistoryLimit: Invalid value: -3: must be greater than or equal to 0"}},
		{"job template checked", func(c *CronJob) { c.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = RestartAlways },
			[]string{`spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"`}},
		{"job template selector", func(c *CronJob) {
			c.Spec.JobTemplate.Spec.Selector = &LabelSelector{MatchLabels: map[string]string{"app": "kubia"}}
			c.Spec.JobTemplate.Spec.ManualSelector = Bool(true)
		}, []string{
			`spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"app":"kubia"}}: ` + "`selector` will be auto-generated",
			`spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"`}},
		{"name too long for its jobs", func(c *CronJob) { c.Name = "a-cron-job-whose-name-leaves-no-room-for-the-time-suffix" },
			[]string{`metadata.name: Invalid value: "a-cron-job-whose-name-leaves-no-room-for-the-time-suffix": must be no more than 52 characters`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validCronJob()
			tt.mutate(c)
			checkErrors(t, Validate(c), tt.want)
		})
	}
}

func TestValidateControllerRevision(t *testing.T) {
	valid := func() *ControllerRevision {
		return &ControllerRevision{ObjectMeta: ObjectMeta{Name: "agent-6d8f9c", Namespace: "default"},
			Data: json.RawMessage(`{"spec":{"template":{}}}`), Revision: 2}
	}
	tests := []struct {
		name   string
		mutate func(*ControllerRevision)
		want   []string
	}{
		{"valid", func(*ControllerRevision) {}, nil},
		{"no data", func(c *ControllerRevision) { c.Data = nil }, []string{"data: Required value: data is mandatory"}},
		{"negative revision", func(c *ControllerRevision) { c.Revision = -1 }, []string{"revision: Invalid value: -1: must be greater than or equal to 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.mutate(c)
			checkErrors(t, Validate(c), tt.want)
		})
	}
}

func TestValidateWorkloadUpdate(t *testing.T) {
	tests := []struct {
		name     string
		old, new func() Object
		want     []string
	}{
		{"deployment template may change", func() Object { return validDeployment() }, func() Object {
			d := validDeployment()
			d.Spec.Template.Spec.Containers[0].Image = "kubia:v2"
			d.Spec.Strategy = DeploymentStrategy{Type: RecreateDeploymentStrategyType}
			return d
		}, nil},
		{"deployment selector is immutable", func() Object { return validDeployment() }, func() Object {
			d := validDeployment()
			d.Spec.Selector.MatchLabels["tier"] = "web"
			d.Spec.Template.Labels["tier"] = "web"
			return d
		}, []string{`spec.selector: Invalid value: {"matchLabels":{"app":"kubia","tier":"web"}}: field is immutable`}},
		{"revision number may change", func() Object {
			return &ControllerRevision{ObjectMeta: ObjectMeta{Name: "r"}, Data: json.RawMessage(`{"a":1}`), Revision: 1}
		},
			func() Object {
				return &ControllerRevision{ObjectMeta: ObjectMeta{Name: "r"}, Data: json.RawMessage(`{"a": 1}`), Revision: 3}
			}, nil},
		{"revision data is immutable", func() Object {
			return &ControllerRevision{ObjectMeta: ObjectMeta{Name: "r"}, Data: json.RawMessage(`{"a":1}`), Revision: 1}
		},
			func() Object {
				return &ControllerRevision{ObjectMeta: ObjectMeta{Name: "r"}, Data: json.RawMessage(`{"a":2}`), Revision: 1}
			},
			[]string{`data: Invalid value: "{\"a\":2}": field is immutable`}},
		{"job parallelism, deadline, suspend may change", func() Object { return validJob() }, func() Object {
			j := validJob()
			j.Spec.Parallelism, j.Spec.ActiveDeadlineSeconds, j.Spec.Suspend, j.Spec.TTLSecondsAfterFinished = Int32(4), Int64(60), Bool(true), Int32(100)
			return j
		}, nil},
		{"job template is immutable", func() Object { return validJob() }, func() Object {
			j := validJob()
			j.Spec.Template.Spec.Containers[0].Image = "kubia:v2"
			return j
		}, []string{"spec.template: Invalid value: " + formatBadValue(func() PodTemplateSpec {
			j := validJob()
			j.Spec.Template.Spec.Containers[0].Image = "kubia:v2"
			return j.Spec.Template
		}()) + ": field is immutable"}},
		{"suspended job not started may be moved", func() Object { j := validJob(); j.Spec.Suspend = Bool(true); return j }, func() Object {
			j := validJob()
			j.Spec.Suspend = Bool(true)
			j.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd"}
			j.Spec.Template.Annotations = map[string]string{"queue": "a"}
			return j
		}, nil},
		{"job completions are immutable", func() Object { return validJob() }, func() Object {
			j := validJob()
			j.Spec.Completions = Int32(3)
			return j
		}, []string{"spec.completions: Invalid value: 3: field is immutable"}},
		{"indexed job scales completions with parallelism", func() Object {
			j := validJob()
			j.Spec.CompletionMode = func() *string { m := IndexedCompletion; return &m }()
			return j
		}, func() Object {
			j := validJob()
			j.Spec.CompletionMode = func() *string { m := IndexedCompletion; return &m }()
			j.Spec.Completions, j.Spec.Parallelism = Int32(3), Int32(3)
			return j
		}, nil},
		{"indexed job completions alone", func() Object {
			j := validJob()
			j.Spec.CompletionMode = func() *string { m := IndexedCompletion; return &m }()
			return j
		}, func() Object {
			j := validJob()
			j.Spec.CompletionMode = func() *string { m := IndexedCompletion; return &m }()
			j.Spec.Completions = Int32(3)
			return j
		}, []string{"spec.completions: Invalid value: 3: can only be modified in tandem with spec.parallelism"}},
		{"job completion mode is immutable", func() Object { return validJob() }, func() Object {
			j := validJob()
			j.Spec.CompletionMode = func() *string { m := IndexedCompletion; return &m }()
			return j
		}, []string{`spec.completionMode: Invalid value: "Indexed": field is immutable`}},
		{"cron job keeps an old TZ schedule", func() Object { c := validCronJob(); c.Spec.Schedule = "TZ=UTC 0 * * * *"; return c }, func() Object {
			c := validCronJob()
			c.Spec.Schedule = "TZ=UTC 30 * * * *"
			return c
		}, nil},
		{"cron job may not add a TZ schedule", func() Object { return validCronJob() }, func() Object {
			c := validCronJob()
			c.Spec.Schedule = "TZ=UTC 30 * * * *"
			return c
		}, []string{`spec.schedule: Invalid value: "TZ=UTC 30 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkErrors(t, ValidateUpdate(tt.new(), tt.old()), tt.want)
		})
	}
}
