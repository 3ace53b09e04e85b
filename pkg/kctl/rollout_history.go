package kctl

// A Deployment keeps its history in its ReplicaSets: one per pod
// template it has run, each numbered by the deployment.kubernetes.io/
// revision annotation. rollout history lists them; rollout undo copies
// the template of an older one back into the Deployment, and the
// deployment controller then rolls it out as a new revision, exactly as
// if the user had edited the template back (kubectl's
// DeploymentHistoryViewer and DeploymentRollbacker). Daemon sets keep
// theirs in ControllerRevisions: rollout_history_ds.go.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// changeCauseAnnotation says why a revision was made, as the user wrote it.
const changeCauseAnnotation = "kubernetes.io/change-cause"

func newRolloutHistoryCommand(g *globals) *cobra.Command {
	var revision int64
	cmd := &cobra.Command{
		Use:   "history (TYPE NAME | TYPE/NAME) [flags]",
		Short: "View rollout history",
		Long: "View the revisions of a deployment, from its ReplicaSets, or of a daemon set, from\n" +
			"its ControllerRevisions, with the change-cause annotation of each; --revision shows\n" +
			"that revision's pod template.",
		Example: "  kctl rollout history deployment/web\n  kctl rollout history deployment/web --revision=3\n  kctl rollout history ds/agent",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, objs, err := g.rolloutObjects("rollout history", args)
			if err != nil {
				return err
			}
			for _, o := range objs {
				history, err := historyOf(cmd.Context(), c, o)
				if err != nil {
					return err
				}
				if err := printHistory(g.out, objectLabel(o.res, o.name), history, revision); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().Int64Var(&revision, "revision", 0, "See the details, including podTemplate of the revision specified")
	return cmd
}

func newRolloutUndoCommand(g *globals) *cobra.Command {
	var toRevision int64
	cmd := &cobra.Command{
		Use:   "undo (TYPE NAME | TYPE/NAME) [flags]",
		Short: "Undo a previous rollout",
		Long: "Roll back to a previous rollout: copy the pod template of that revision (by default\n" +
			"the one before the current) back into the deployment, from its ReplicaSet, or into\n" +
			"the daemon set, from its ControllerRevision.",
		Example: "  kctl rollout undo deployment/web\n  kctl rollout undo deployment/web --to-revision=3\n  kctl rollout undo ds/agent",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, objs, err := g.rolloutObjects("rollout undo", args)
			if err != nil {
				return err
			}
			for _, o := range objs {
				result, err := rollback(cmd.Context(), c, o, toRevision)
				if err != nil {
					return err
				}
				fmt.Fprintf(g.out, "%s %s\n", objectLabel(o.res, o.name), result)
			}
			return nil
		},
	}
	cmd.Flags().Int64Var(&toRevision, "to-revision", 0, "The revision to rollback to. Default to 0 (last revision).")
	return cmd
}

// revision is one ReplicaSet of a Deployment and its number.
type revision struct {
	number int64
	rs     *api.ReplicaSet
}

// ownedReplicaSets reads the deployment and the ReplicaSets it controls,
// those with a revision, oldest first.
func ownedReplicaSets(ctx context.Context, c *client.Client, o rolloutObject) (*api.Deployment, []revision, error) {
	if o.res.Name != "deployments" {
		return nil, nil, fmt.Errorf("no history viewer has been implemented for %q", groupKind(o.res))
	}
	obj, err := o.client(c).Get(ctx, o.name)
	if err != nil {
		return nil, nil, err
	}
	d := obj.(*api.Deployment)
	sel, err := api.SelectorFromLabelSelector(d.Spec.Selector)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid selector of deployment %q: %v", d.Name, err)
	}
	list, _, err := c.Resource(mustLookup("replicasets")).Namespace(o.ns).List(ctx, client.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, nil, fmt.Errorf("failed to retrieve replica sets from deployment %s: %v", d.Name, err)
	}
	var revs []revision
	for _, item := range list {
		rs := item.(*api.ReplicaSet)
		if ref := api.ControllerRef(&rs.ObjectMeta); ref == nil || ref.UID != d.UID {
			continue
		}
		n, err := strconv.ParseInt(rs.Annotations[api.RevisionAnnotation], 10, 64)
		if err != nil {
			continue
		}
		revs = append(revs, revision{n, rs})
	}
	slices.SortFunc(revs, func(a, b revision) int { return int(a.number - b.number) })
	return d, revs, nil
}

// historyOf is the templates of a deployment or daemon set by revision.
func historyOf(ctx context.Context, c *client.Client, o rolloutObject) (map[int64]*api.PodTemplateSpec, error) {
	if o.res.Name == "daemonsets" || o.res.Name == "statefulsets" {
		return daemonSetHistory(ctx, c, o) // rollout_history_ds.go
	}
	return deploymentHistory(ctx, c, o)
}

// deploymentHistory is the templates by revision, each carrying its
// ReplicaSet's change-cause.
func deploymentHistory(ctx context.Context, c *client.Client, o rolloutObject) (map[int64]*api.PodTemplateSpec, error) {
	_, revs, err := ownedReplicaSets(ctx, c, o)
	if err != nil {
		return nil, err
	}
	history := map[int64]*api.PodTemplateSpec{}
	for _, r := range revs {
		t := r.rs.Spec.Template
		if cause := r.rs.Annotations[changeCauseAnnotation]; cause != "" {
			t.Annotations = maps.Clone(t.Annotations)
			if t.Annotations == nil {
				t.Annotations = map[string]string{}
			}
			t.Annotations[changeCauseAnnotation] = cause
		}
		history[r.number] = &t
	}
	return history, nil
}

// printHistory prints kubectl's layout: the object, then the table of
// revisions (or, for one revision, its template), then a blank line.
func printHistory(w io.Writer, label string, history map[int64]*api.PodTemplateSpec, rev int64) error {
	if rev > 0 {
		t, ok := history[rev]
		if !ok {
			return fmt.Errorf("unable to find the specified revision")
		}
		fmt.Fprintf(w, "%s with revision #%d\n", label, rev)
		d := &describer{tw: tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)}
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
		d.line(0, "")
		return d.tw.Flush()
	}
	fmt.Fprintf(w, "%s \n", label)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tCHANGE-CAUSE")
	for _, n := range slices.Sorted(maps.Keys(history)) {
		cause := history[n].Annotations[changeCauseAnnotation]
		if cause == "" {
			cause = "<none>"
		}
		fmt.Fprintf(tw, "%d\t%s\n", n, cause)
	}
	fmt.Fprintln(tw)
	return tw.Flush()
}

// annotationsToSkip stay the Deployment's own on a rollback; every other
// annotation comes from the ReplicaSet rolled back to.
var annotationsToSkip = map[string]bool{
	lastAppliedAnnotation:                       true,
	api.RevisionAnnotation:                      true,
	"deployment.kubernetes.io/revision-history": true,
	"deployment.kubernetes.io/desired-replicas": true,
	"deployment.kubernetes.io/max-replicas":     true,
	"deprecated.deployment.rollback.to":         true,
}

// rollback copies the template of revision toRevision (0: the one before
// the newest) back into the deployment, with one JSON patch that
// replaces spec.template and metadata.annotations, and returns what
// kubectl prints after the object's name.
func rollback(ctx context.Context, c *client.Client, o rolloutObject, toRevision int64) (string, error) {
	if toRevision < 0 {
		return "", fmt.Errorf("unable to find specified revision %d in history", toRevision)
	}
	if o.res.Name == "daemonsets" || o.res.Name == "statefulsets" {
		return rollbackDaemonSet(ctx, c, o, toRevision) // rollout_history_ds.go
	}
	if o.res.Name != "deployments" {
		return "", fmt.Errorf("no rollbacker has been implemented for %q", groupKind(o.res))
	}
	d, revs, err := ownedReplicaSets(ctx, c, o)
	if err != nil {
		return "", err
	}
	if d.Spec.Paused {
		return "", fmt.Errorf("you cannot rollback a paused deployment; resume it first with 'kctl rollout resume' and try again")
	}
	target, err := pickRevision(d.Name, revs, toRevision)
	if err != nil {
		return "", err
	}
	template := withoutHashLabel(target.rs.Spec.Template)
	if equalTemplates(template, withoutHashLabel(d.Spec.Template)) {
		return fmt.Sprintf("skipped rollback (current template already matches revision %d)", target.number), nil
	}
	annotations := map[string]string{}
	for k, v := range d.Annotations {
		if annotationsToSkip[k] {
			annotations[k] = v
		}
	}
	for k, v := range target.rs.Annotations {
		if !annotationsToSkip[k] {
			annotations[k] = v
		}
	}
	patch, _ := json.Marshal([]any{
		map[string]any{"op": "replace", "path": "/spec/template", "value": template},
		map[string]any{"op": "replace", "path": "/metadata/annotations", "value": annotations},
	})
	if _, err := o.client(c).Raw(ctx, "PATCH", o.name, "", nil, patch, client.JSONPatch); err != nil {
		return "", fmt.Errorf("failed restoring revision %d: %v", target.number, err)
	}
	return "rolled back", nil
}

// pickRevision finds revision n, or for 0 the second newest.
func pickRevision(name string, revs []revision, n int64) (revision, error) {
	if n == 0 {
		if len(revs) < 2 {
			return revision{}, fmt.Errorf("no rollout history found for deployment %q", name)
		}
		return revs[len(revs)-2], nil
	}
	for _, r := range revs {
		if r.number == n {
			return r, nil
		}
	}
	return revision{}, fmt.Errorf("unable to find specified revision %d in history", n)
}

// withoutHashLabel is t without the pod-template-hash label, which the
// deployment controller adds to each ReplicaSet's copy of the template.
func withoutHashLabel(t api.PodTemplateSpec) api.PodTemplateSpec {
	if _, ok := t.Labels[api.PodTemplateHashLabel]; ok {
		t.Labels = maps.Clone(t.Labels)
		delete(t.Labels, api.PodTemplateHashLabel)
	}
	return t
}

// equalTemplates compares two templates as the server would store them.
func equalTemplates(a, b api.PodTemplateSpec) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
