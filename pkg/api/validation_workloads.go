package api

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Validation of the workload kinds above ReplicaSet, Kubernetes' rules
// (pkg/apis/apps/validation, pkg/apis/batch/validation): a Deployment is a
// ReplicaSet with a rollout strategy, a Job's pods must stop (a restart
// policy of Never or OnFailure) and carry the selector the apiserver made
// for them, a CronJob's schedule must parse and its Job template be a valid
// Job but for the selector, which each Job it makes gets anew.

// The unprefixed labels Kubernetes still puts on a Job's pods beside
// JobNameLabel and ControllerUIDLabel, for the clients that select on them.
const (
	LegacyJobNameLabel       = "job-name"
	LegacyControllerUIDLabel = "controller-uid"
)

func validateDeployment(d *Deployment) ErrorList {
	errs := validateObjectMeta(&d.ObjectMeta, true, IsDNS1123Subdomain, "")
	p, spec := fieldPath("spec"), &d.Spec
	errs = append(errs, validateReplicas(spec.Replicas, spec.MinReadySeconds, p)...)
	errs = append(errs, validateSelectorAndTemplate(spec.Selector, &spec.Template, p)...)
	errs = append(errs, validateDeploymentStrategy(&spec.Strategy, p.child("strategy"))...)
	if n := spec.RevisionHistoryLimit; n != nil && *n < 0 {
		errs = append(errs, invalid(p.child("revisionHistoryLimit"), *n, "must be greater than or equal to 0"))
	}
	if n := spec.ProgressDeadlineSeconds; n != nil {
		if *n < 0 {
			errs = append(errs, invalid(p.child("progressDeadlineSeconds"), *n, "must be greater than or equal to 0"))
		}
		// A rollout cannot progress before its pods have been ready for
		// minReadySeconds.
		if *n <= spec.MinReadySeconds {
			errs = append(errs, invalid(p.child("progressDeadlineSeconds"), *n, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

func validateDeploymentStrategy(s *DeploymentStrategy, p fieldPath) ErrorList {
	switch s.Type {
	case RecreateDeploymentStrategyType:
		if s.RollingUpdate != nil {
			return ErrorList{forbidden(p.child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
	case RollingUpdateDeploymentStrategyType:
		ru := s.RollingUpdate
		if ru == nil {
			return ErrorList{required(p.child("rollingUpdate"), "this should be defaulted and never be nil")}
		}
		rp := p.child("rollingUpdate")
		errs := validateIntOrPercent(ru.MaxUnavailable, rp.child("maxUnavailable"))
		errs = append(errs, validateIntOrPercent(ru.MaxSurge, rp.child("maxSurge"))...)
		// Neither taking a pod down nor adding one: the rollout could never move.
		if isZeroIntOrPercent(ru.MaxUnavailable) && isZeroIntOrPercent(ru.MaxSurge) {
			errs = append(errs, invalid(rp.child("maxUnavailable"), intOrStringValue(ru.MaxUnavailable), "may not be 0 when `maxSurge` is 0"))
		}
		return append(errs, notMoreThan100Percent(ru.MaxUnavailable, rp.child("maxUnavailable"))...)
	default:
		// Kubernetes names spec.strategy and prints the whole struct.
		return ErrorList{notSupported(p.child("type"), s.Type, RecreateDeploymentStrategyType, RollingUpdateDeploymentStrategyType)}
	}
	return nil
}

func validateControllerRevision(cr *ControllerRevision) ErrorList {
	errs := validateObjectMeta(&cr.ObjectMeta, true, IsDNS1123Subdomain, "")
	if len(cr.Data) == 0 {
		errs = append(errs, required("data", "data is mandatory"))
	}
	if cr.Revision < 0 {
		errs = append(errs, invalid("revision", cr.Revision, "must be greater than or equal to 0"))
	}
	return errs
}

func validateJob(job *Job) ErrorList {
	errs := validateObjectMeta(&job.ObjectMeta, true, IsDNS1123Subdomain, "")
	errs = append(errs, validateGeneratedSelector(job)...)
	p, spec := fieldPath("spec"), &job.Spec
	errs = append(errs, validateJobSpec(spec, p)...)
	if spec.Selector == nil {
		errs = append(errs, required(p.child("selector"), ""))
	} else {
		errs = append(errs, validateLabelSelector(spec.Selector, p.child("selector"))...)
	}
	// Whether generated or manual, the selector must select the Job's own pods.
	if s, err := SelectorFromLabelSelector(spec.Selector); spec.Selector != nil && err == nil && !s.Matches(spec.Template.Labels) {
		errs = append(errs, templateMismatch(&spec.Template, p))
	}
	// An Indexed Job's pods are named <job>-<index>, which must stay a label.
	if isIndexed(spec) && spec.Completions != nil && *spec.Completions > 0 {
		host := fmt.Sprintf("%s-%d", job.Name, *spec.Completions-1)
		if len(IsDNS1123Label(host)) > 0 {
			errs = append(errs, invalid("metadata.name", job.Name, "will not able to create pod with invalid DNS label: "+host))
		}
	}
	return errs
}

// validateGeneratedSelector checks what the apiserver generated, unless
// the user chose the selector (manualSelector): the template carries the
// Job's uid and name, and the selector selects them.
func validateGeneratedSelector(job *Job) ErrorList {
	if job.Spec.ManualSelector != nil && *job.Spec.ManualSelector || job.Spec.Selector == nil {
		return nil
	}
	var errs ErrorList
	if job.UID == "" {
		errs = append(errs, required("metadata.uid", ""))
	}
	expected := map[string]string{
		LegacyControllerUIDLabel: job.UID, LegacyJobNameLabel: job.Name,
		ControllerUIDLabel: job.UID, JobNameLabel: job.Name,
	}
	lp := fieldPath("spec.template.metadata.labels")
	for _, k := range []string{LegacyControllerUIDLabel, LegacyJobNameLabel, ControllerUIDLabel, JobNameLabel} {
		got, ok := job.Spec.Template.Labels[k]
		switch {
		case !ok:
			errs = append(errs, required(lp.key(k), ""))
		case got != expected[k]:
			errs = append(errs, invalid(lp.key(k), got, "must be '"+expected[k]+"'"))
		}
	}
	if s, err := SelectorFromLabelSelector(job.Spec.Selector); err == nil && !s.Matches(expected) {
		errs = append(errs, invalid("spec.selector", labelSelectorValue{job.Spec.Selector}, "`selector` not auto-generated"))
	}
	return errs
}

// validateJobSpec checks what a Job and a CronJob's Job template share.
func validateJobSpec(spec *JobSpec, p fieldPath) ErrorList {
	var errs ErrorList
	for _, f := range []struct {
		name string
		v    *int32
	}{{"parallelism", spec.Parallelism}, {"completions", spec.Completions}, {"backoffLimit", spec.BackoffLimit}, {"ttlSecondsAfterFinished", spec.TTLSecondsAfterFinished}} {
		if f.v != nil && *f.v < 0 {
			errs = append(errs, invalid(p.child(f.name), *f.v, "must be greater than or equal to 0"))
		}
	}
	// Kubernetes accepts 0, a Job that fails at once.
	if n := spec.ActiveDeadlineSeconds; n != nil && *n < 0 {
		errs = append(errs, invalid(p.child("activeDeadlineSeconds"), *n, "must be greater than or equal to 0"))
	}
	if m := spec.CompletionMode; m != nil {
		if !oneOf(*m, NonIndexedCompletion, IndexedCompletion) {
			errs = append(errs, notSupported(p.child("completionMode"), *m, NonIndexedCompletion, IndexedCompletion))
		}
		if *m == IndexedCompletion {
			if spec.Completions == nil {
				errs = append(errs, required(p.child("completions"), "when completion mode is Indexed"))
			}
			if spec.Parallelism != nil && *spec.Parallelism > maxParallelismForIndexedJob {
				errs = append(errs, invalid(p.child("parallelism"), *spec.Parallelism,
					fmt.Sprintf("must be less than or equal to %d when completion mode is Indexed", maxParallelismForIndexedJob)))
			}
		}
	}
	tp := p.child("template")
	errs = append(errs, validatePodTemplateSpec(&spec.Template, tp)...)
	// A Job's pods must stop; "" would have been defaulted to Always.
	if rp := spec.Template.Spec.RestartPolicy; !oneOf(rp, RestartOnFailure, RestartNever) {
		errs = append(errs, notSupported(tp.child("spec").child("restartPolicy"), rp, RestartOnFailure, RestartNever))
	}
	return errs
}

// maxParallelismForIndexedJob caps an Indexed Job's status.completedIndexes.
const maxParallelismForIndexedJob = 100000

func isIndexed(spec *JobSpec) bool {
	return spec.CompletionMode != nil && *spec.CompletionMode == IndexedCompletion
}

// cronJobNameMax leaves room for the 11 characters ("-" and the
// scheduled time in minutes) a CronJob appends to name its Jobs.
const cronJobNameMax = 63 - 11

// validateCronJob checks a CronJob; old is the stored one on update (nil on
// create), for what Kubernetes lets an existing CronJob keep.
func validateCronJob(cj, old *CronJob) ErrorList {
	errs := validateObjectMeta(&cj.ObjectMeta, true, IsDNS1123Subdomain, "")
	if len(cj.Name) > cronJobNameMax {
		errs = append(errs, invalid("metadata.name", cj.Name, fmt.Sprintf("must be no more than %d characters", cronJobNameMax)))
	}
	var oldSpec *CronJobSpec
	if old != nil {
		oldSpec = &old.Spec
	}
	return append(errs, validateCronJobSpec(&cj.Spec, oldSpec, "spec")...)
}

func validateCronJobSpec(spec, old *CronJobSpec, p fieldPath) ErrorList {
	var errs ErrorList
	if spec.Schedule == "" {
		errs = append(errs, required(p.child("schedule"), ""))
	} else {
		// A CronJob stored before timeZone existed may keep its TZ= prefix.
		allowTZ := old != nil && strings.Contains(old.Schedule, "TZ")
		errs = append(errs, validateSchedule(spec.Schedule, allowTZ, spec.TimeZone, p.child("schedule"))...)
	}
	if n := spec.StartingDeadlineSeconds; n != nil && *n < 0 {
		errs = append(errs, invalid(p.child("startingDeadlineSeconds"), *n, "must be greater than or equal to 0"))
	}
	if old == nil || !sameJSON(old.TimeZone, spec.TimeZone) {
		errs = append(errs, validateTimeZone(spec.TimeZone, p.child("timeZone"))...)
	}
	switch cp := spec.ConcurrencyPolicy; {
	case cp == "":
		errs = append(errs, required(p.child("concurrencyPolicy"), ""))
	case !oneOf(cp, AllowConcurrent, ForbidConcurrent, ReplaceConcurrent):
		errs = append(errs, notSupported(p.child("concurrencyPolicy"), cp, AllowConcurrent, ForbidConcurrent, ReplaceConcurrent))
	}
	errs = append(errs, validateJobTemplateSpec(&spec.JobTemplate, p.child("jobTemplate"))...)
	for _, f := range []struct {
		name string
		v    *int32
	}{{"successfulJobsHistoryLimit", spec.SuccessfulJobsHistoryLimit}, {"failedJobsHistoryLimit", spec.FailedJobsHistoryLimit}} {
		if f.v != nil && *f.v < 0 {
			errs = append(errs, invalid(p.child(f.name), *f.v, "must be greater than or equal to 0"))
		}
	}
	return errs
}

// validateSchedule parses a standard cron line (five fields, or a
// descriptor such as @hourly), the parser the CronJob controller uses.
func validateSchedule(schedule string, allowTZ bool, timeZone *string, p fieldPath) ErrorList {
	var errs ErrorList
	if _, err := cron.ParseStandard(schedule); err != nil {
		errs = append(errs, invalid(p, schedule, err.Error()))
	}
	switch hasTZ := strings.Contains(schedule, "TZ"); {
	case allowTZ && hasTZ && timeZone != nil:
		errs = append(errs, invalid(p, schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
	case !allowTZ && hasTZ:
		errs = append(errs, invalid(p, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
	}
	return errs
}

// validTimeZonePart is one component of an IANA zone name (Europe/Paris),
// with the digits and '+' of legacy names (Etc/GMT+2) tolerated.
var validTimeZonePart = regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`)

func validateTimeZone(tz *string, p fieldPath) ErrorList {
	if tz == nil {
		return nil
	}
	if *tz == "" {
		return ErrorList{invalid(p, *tz, "timeZone must be nil or non-empty string")}
	}
	for _, part := range strings.Split(*tz, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !validTimeZonePart.MatchString(part) {
			return ErrorList{invalid(p, *tz, "unknown time zone "+*tz)}
		}
	}
	var errs ErrorList
	// Local would be wherever the controller happens to run.
	if strings.EqualFold(*tz, "Local") {
		errs = append(errs, invalid(p, *tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"))
	}
	if _, err := time.LoadLocation(*tz); err != nil {
		errs = append(errs, invalid(p, *tz, err.Error()))
	}
	return errs
}

// validateJobTemplateSpec checks a CronJob's Job template: a valid Job
// spec, without a selector, which each Job gets when it is created.
func validateJobTemplateSpec(t *JobTemplateSpec, p fieldPath) ErrorList {
	mp := p.child("metadata")
	errs := validateLabels(t.Labels, mp.child("labels"))
	errs = append(errs, validateAnnotations(t.Annotations, mp.child("annotations"))...)
	sp := p.child("spec")
	errs = append(errs, validateJobSpec(&t.Spec, sp)...)
	if t.Spec.Selector != nil {
		errs = append(errs, invalid(sp.child("selector"), labelSelectorValue{t.Spec.Selector}, "`selector` will be auto-generated"))
	}
	if m := t.Spec.ManualSelector; m != nil && *m {
		errs = append(errs, notSupported(sp.child("manualSelector"), *m, "nil", "false"))
	}
	return errs
}

// validateJobUpdate allows what Kubernetes lets a running Job change:
// parallelism, activeDeadlineSeconds, suspend, ttlSecondsAfterFinished,
// backoffLimit. The pods already made follow the template and selector,
// so those stay; an Indexed Job may grow or shrink, completions and
// parallelism together (elastic Indexed Jobs).
func validateJobUpdate(n, o *Job) ErrorList {
	errs := validateSelectorUpdate(n.Spec.Selector, o.Spec.Selector)
	if !sameJSON(n.Spec.CompletionMode, o.Spec.CompletionMode) {
		errs = append(errs, invalid("spec.completionMode", n.Spec.CompletionMode, "field is immutable"))
	}
	if !sameJSON(n.Spec.Completions, o.Spec.Completions) {
		switch {
		case !isIndexed(&n.Spec) || !isIndexed(&o.Spec) || n.Spec.Completions == nil:
			errs = append(errs, invalid("spec.completions", n.Spec.Completions, "field is immutable"))
		case !sameJSON(n.Spec.Completions, n.Spec.Parallelism):
			errs = append(errs, invalid("spec.completions", n.Spec.Completions, "can only be modified in tandem with spec.parallelism"))
		}
	}
	nt, ot := n.Spec.Template, o.Spec.Template
	// A suspended Job that never started may still be told where to run
	// (Kubernetes' mutable scheduling directives).
	if o.Spec.Suspend != nil && *o.Spec.Suspend && o.Status.StartTime == nil {
		nt.Labels, nt.Annotations, ot.Labels, ot.Annotations = nil, nil, nil, nil
		nt.Spec.NodeSelector, nt.Spec.Tolerations, nt.Spec.Affinity = nil, nil, nil
		ot.Spec.NodeSelector, ot.Spec.Tolerations, ot.Spec.Affinity = nil, nil, nil
	}
	if !sameJSON(nt, ot) {
		errs = append(errs, invalid("spec.template", n.Spec.Template, "field is immutable"))
	}
	return errs
}

// validateControllerRevisionUpdate keeps a revision's snapshot: only its
// number (a rollback reuses an old revision as the newest) may change.
func validateControllerRevisionUpdate(n, o *ControllerRevision) ErrorList {
	if string(n.Data) != string(o.Data) && !sameJSON(n.Data, o.Data) {
		return ErrorList{invalid("data", string(n.Data), "field is immutable")}
	}
	return nil
}
