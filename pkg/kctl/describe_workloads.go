package kctl

// kctl describe of the workloads that run pods from a template through
// another object: a Deployment (through ReplicaSets), a Job (its pods
// directly) and a CronJob (through Jobs), in the layout of kubectl's
// describe.go. podTemplate, the block they all share, is also what
// ReplicaSets and DaemonSets print (describe_kinds.go).

import (
	"context"
	"fmt"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/printers"
)

func describeDeployment(ctx context.Context, d *describer, obj api.Object) error {
	dep := obj.(*api.Deployment)
	st := dep.Status
	d.field(0, "Name", dep.Name)
	d.field(0, "Namespace", dep.Namespace)
	d.field(0, "CreationTimestamp", timestamp(dep.CreationTimestamp))
	d.labels(0, "Labels", dep.Labels)
	d.labels(0, "Annotations", dep.Annotations)
	d.field(0, "Selector", printers.FormatSelector(dep.Spec.Selector))
	d.field(0, "Replicas", fmt.Sprintf("%d desired | %d updated | %d total | %d available | %d unavailable",
		printers.Replicas(dep.Spec.Replicas), st.UpdatedReplicas, st.Replicas, st.AvailableReplicas, st.UnavailableReplicas))
	d.field(0, "StrategyType", dep.Spec.Strategy.Type)
	d.field(0, "MinReadySeconds", dep.Spec.MinReadySeconds)
	if ru := dep.Spec.Strategy.RollingUpdate; ru != nil {
		d.field(0, "RollingUpdateStrategy", fmt.Sprintf("%s max unavailable, %s max surge", intOrStringText(ru.MaxUnavailable), intOrStringText(ru.MaxSurge)))
	}
	d.podTemplate(&dep.Spec.Template)
	if len(st.Conditions) > 0 {
		// kubectl pads the type with a space before the tab; kept so
		// that the columns fall where kubectl's do.
		d.line(0, "Conditions:")
		d.line(1, "Type\tStatus\tReason")
		d.line(1, "----\t------\t------")
		for _, c := range st.Conditions {
			d.line(1, "%s \t%s\t%s", c.Type, c.Status, c.Reason)
		}
	}
	oldRSs, newRS, err := d.deploymentReplicaSets(ctx, dep)
	if err != nil {
		return err
	}
	if len(oldRSs) > 0 || newRS != nil {
		d.field(0, "OldReplicaSets", replicaSetList(oldRSs))
		var newRSs []*api.ReplicaSet
		if newRS != nil {
			newRSs = append(newRSs, newRS)
		}
		d.field(0, "NewReplicaSet", replicaSetList(newRSs))
	}
	return d.events(ctx, dep)
}

// deploymentReplicaSets splits the ReplicaSets a Deployment controls into
// the new one, whose template is the Deployment's but for the
// pod-template-hash label, and all the old ones, oldest first, as
// kubectl's FindNewReplicaSet and FindOldReplicaSets do.
func (d *describer) deploymentReplicaSets(ctx context.Context, dep *api.Deployment) (old []*api.ReplicaSet, current *api.ReplicaSet, err error) {
	_, revs, err := ownedReplicaSets(ctx, d.c, rolloutObject{res: mustLookup("deployments"), name: dep.Name, ns: dep.Namespace}) // rollout_history.go
	if err != nil {
		return nil, nil, err
	}
	want := withoutHashLabel(dep.Spec.Template)
	for _, r := range revs {
		if current == nil && equalTemplates(withoutHashLabel(r.rs.Spec.Template), want) {
			current = r.rs
			continue
		}
		old = append(old, r.rs)
	}
	return old, current, nil
}

// replicaSetList is "web-5d4f (3/3 replicas created), …", or <none>.
func replicaSetList(rss []*api.ReplicaSet) string {
	if len(rss) == 0 {
		return "<none>"
	}
	parts := make([]string, len(rss))
	for i, rs := range rss {
		parts[i] = fmt.Sprintf("%s (%d/%d replicas created)", rs.Name, rs.Status.Replicas, printers.Replicas(rs.Spec.Replicas))
	}
	return strings.Join(parts, ", ")
}

// intOrStringText is "25%" or "1"; <unset> for a field the server has
// not defaulted.
func intOrStringText(v *api.IntOrString) string {
	if v == nil {
		return "<unset>"
	}
	return v.String()
}

func describeJob(ctx context.Context, d *describer, obj api.Object) error {
	j := obj.(*api.Job)
	spec, st := j.Spec, j.Status
	d.field(0, "Name", j.Name)
	d.field(0, "Namespace", j.Namespace)
	d.field(0, "Selector", printers.FormatSelector(spec.Selector))
	d.labels(0, "Labels", j.Labels)
	d.labels(0, "Annotations", j.Annotations)
	if ref := api.ControllerRef(&j.ObjectMeta); ref != nil {
		d.field(0, "Controlled By", ref.Kind+"/"+ref.Name)
	}
	if spec.Parallelism != nil {
		d.field(0, "Parallelism", *spec.Parallelism)
	}
	d.field(0, "Completions", int32OrUnset(spec.Completions))
	if spec.CompletionMode != nil {
		d.field(0, "Completion Mode", *spec.CompletionMode)
	}
	if spec.Suspend != nil {
		d.field(0, "Suspend", *spec.Suspend)
	}
	if spec.BackoffLimit != nil {
		d.field(0, "Backoff Limit", *spec.BackoffLimit)
	}
	if spec.TTLSecondsAfterFinished != nil {
		d.field(0, "TTL Seconds After Finished", *spec.TTLSecondsAfterFinished)
	}
	if st.StartTime != nil {
		d.field(0, "Start Time", timestamp(*st.StartTime))
	}
	if st.CompletionTime != nil {
		d.field(0, "Completed At", timestamp(*st.CompletionTime))
	}
	if st.StartTime != nil && st.CompletionTime != nil {
		d.field(0, "Duration", printers.HumanDuration(st.CompletionTime.Sub(st.StartTime.Time)))
	}
	if spec.ActiveDeadlineSeconds != nil {
		d.field(0, "Active Deadline Seconds", fmt.Sprintf("%ds", *spec.ActiveDeadlineSeconds))
	}
	if st.Ready != nil {
		d.field(0, "Pods Statuses", fmt.Sprintf("%d Active (%d Ready) / %d Succeeded / %d Failed", st.Active, *st.Ready, st.Succeeded, st.Failed))
	} else {
		d.field(0, "Pods Statuses", fmt.Sprintf("%d Active / %d Succeeded / %d Failed", st.Active, st.Succeeded, st.Failed))
	}
	if spec.CompletionMode != nil && *spec.CompletionMode == api.IndexedCompletion {
		d.field(0, "Completed Indexes", capIndexes(st.CompletedIndexes, 50))
	}
	d.podTemplate(&spec.Template)
	return d.events(ctx, j)
}

// capIndexes shortens a long "0-2,4,7-9,…" list after the first comma
// past limit characters, as kubectl does; <none> when empty.
func capIndexes(indexes string, limit int) string {
	if indexes == "" {
		return "<none>"
	}
	if len(indexes) <= limit {
		return indexes
	}
	comma := strings.IndexByte(indexes[limit:], ',')
	if comma < 0 {
		return indexes
	}
	return indexes[:limit+comma+1] + "..."
}

func describeCronJob(ctx context.Context, d *describer, obj api.Object) error {
	cj := obj.(*api.CronJob)
	spec := cj.Spec
	d.meta(&cj.ObjectMeta)
	d.field(0, "Schedule", spec.Schedule)
	d.field(0, "Concurrency Policy", spec.ConcurrencyPolicy)
	suspend := "<unset>"
	if spec.Suspend != nil {
		suspend = boolWord(*spec.Suspend)
	}
	d.field(0, "Suspend", suspend)
	timeZone := "<unset>"
	if spec.TimeZone != nil {
		timeZone = *spec.TimeZone
	}
	d.field(0, "Time Zone", timeZone)
	d.field(0, "Successful Job History Limit", int32OrUnset(spec.SuccessfulJobsHistoryLimit))
	d.field(0, "Failed Job History Limit", int32OrUnset(spec.FailedJobsHistoryLimit))
	deadline := "<unset>"
	if spec.StartingDeadlineSeconds != nil {
		deadline = fmt.Sprintf("%ds", *spec.StartingDeadlineSeconds)
	}
	d.field(0, "Starting Deadline Seconds", deadline)
	d.jobTemplate(&spec.JobTemplate.Spec)
	last := "<unset>"
	if t := cj.Status.LastScheduleTime; t != nil {
		last = timestamp(*t)
	}
	d.field(0, "Last Schedule Time", last)
	var active []string
	for _, ref := range cj.Status.Active {
		active = append(active, ref.Name)
	}
	d.field(0, "Active Jobs", orDefault(strings.Join(active, ", "), "<none>"))
	return d.events(ctx, cj)
}

// jobTemplate is the part of a CronJob that every Job it starts copies.
// The Jobs' selector is the apiserver's to set, so a template has none.
func (d *describer) jobTemplate(spec *api.JobSpec) {
	selector := "<unset>"
	if spec.Selector != nil {
		selector = printers.FormatSelector(spec.Selector)
	}
	d.field(0, "Selector", selector)
	d.field(0, "Parallelism", int32OrUnset(spec.Parallelism))
	d.field(0, "Completions", int32OrUnset(spec.Completions))
	if spec.ActiveDeadlineSeconds != nil {
		d.field(0, "Active Deadline Seconds", fmt.Sprintf("%ds", *spec.ActiveDeadlineSeconds))
	}
	d.podTemplate(&spec.Template)
}

// podTemplate writes the "Pod Template:" block of every workload: what
// each pod it makes will be, without any pod's state. kubectl's
// DescribePodTemplate.
func (d *describer) podTemplate(t *api.PodTemplateSpec) {
	d.line(0, "Pod Template:")
	d.labels(1, "Labels", t.Labels)
	if len(t.Annotations) > 0 {
		d.labels(1, "Annotations", t.Annotations)
	}
	if t.Spec.ServiceAccountName != "" {
		d.field(1, "Service Account", t.Spec.ServiceAccountName)
	}
	if len(t.Spec.InitContainers) > 0 {
		d.line(1, "Init Containers:")
		d.containers(2, t.Spec.InitContainers, nil, false)
	}
	d.line(1, "Containers:")
	d.containers(2, t.Spec.Containers, nil, false)
	d.volumes(1, t.Spec.Volumes)
	d.labels(1, "Node-Selectors", t.Spec.NodeSelector)
	d.multiline(1, "Tolerations", tolerations(t.Spec.Tolerations))
}

// int32OrUnset is the number, or <unset> for a field left empty.
func int32OrUnset(v *int32) string {
	if v == nil {
		return "<unset>"
	}
	return fmt.Sprint(*v)
}
