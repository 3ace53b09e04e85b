package kctl

// kctl rollout manages the rollout of a Deployment, DaemonSet or
// StatefulSet: watch it
// (status, rollout_status.go), list its revisions and go back to one
// (history and undo, rollout_history.go and rollout_history_ds.go), and
// the three one-field changes here: pause and resume set spec.paused (of
// a Deployment), restart stamps the pod template with the time so that
// every pod is replaced. The controllers do the rolling; these only read
// and write the object.

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// restartedAtAnnotation is what rollout restart stamps the template with.
const restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

func newRolloutCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout SUBCOMMAND",
		Short: "Manage the rollout of a resource",
		Long: "Manage the rollout of a deployment: status, history, undo, pause, resume, restart.\n" +
			"status, history, undo and restart work on daemon sets and stateful sets too.",
		Example: "  kctl rollout status deployment/web\n  kctl rollout undo deployment/web --to-revision=2",
	}
	cmd.AddCommand(newRolloutStatusCommand(g), newRolloutHistoryCommand(g), newRolloutUndoCommand(g),
		newRolloutEditCommand(g, pauseEdit), newRolloutEditCommand(g, resumeEdit), newRolloutEditCommand(g, restartEdit))
	return cmd
}

// rolloutEdit is one of pause, resume and restart: a check of the
// current object and the patch that changes it.
type rolloutEdit struct {
	verb, done, short string
	// patch returns the merge patch for obj, or an error that says why
	// not ("is already paused").
	patch func(obj api.Object, now time.Time) (map[string]any, error)
}

var pauseEdit = rolloutEdit{verb: "pause", done: "paused", short: "Mark the provided resource as paused",
	patch: func(obj api.Object, _ time.Time) (map[string]any, error) {
		d, ok := obj.(*api.Deployment)
		switch {
		case !ok:
			return nil, errors.New("pausing is not supported")
		case d.Spec.Paused:
			return nil, errors.New("is already paused")
		}
		return map[string]any{"spec": map[string]any{"paused": true}}, nil
	}}

var resumeEdit = rolloutEdit{verb: "resume", done: "resumed", short: "Resume a paused resource",
	patch: func(obj api.Object, _ time.Time) (map[string]any, error) {
		d, ok := obj.(*api.Deployment)
		switch {
		case !ok:
			return nil, errors.New("resuming is not supported")
		case !d.Spec.Paused:
			return nil, errors.New("is not paused")
		}
		return map[string]any{"spec": map[string]any{"paused": nil}}, nil
	}}

var restartEdit = rolloutEdit{verb: "restart", done: "restarted", short: "Restart a resource",
	patch: func(obj api.Object, now time.Time) (map[string]any, error) {
		switch o := obj.(type) {
		case *api.Deployment:
			if o.Spec.Paused {
				return nil, errors.New("can't restart paused deployment (run rollout resume first)")
			}
		case *api.DaemonSet, *api.StatefulSet:
		default:
			return nil, errors.New("restarting is not supported")
		}
		annotations := map[string]any{restartedAtAnnotation: now.Format(time.RFC3339)}
		return map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{"annotations": annotations}}}}, nil
	}}

func newRolloutEditCommand(g *globals, e rolloutEdit) *cobra.Command {
	return &cobra.Command{
		Use:     e.verb + " RESOURCE",
		Short:   e.short,
		Example: fmt.Sprintf("  kctl rollout %s deployment/web", e.verb),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, objs, err := g.rolloutObjects("rollout "+e.verb, args)
			if err != nil {
				return err
			}
			failed := false
			for _, o := range objs {
				if err := o.edit(cmd, c, e, g.now()); err != nil {
					if isUnreachable(err) {
						return err
					}
					fmt.Fprintln(g.errOut, errorLine(err))
					failed = true
					continue
				}
				fmt.Fprintf(g.out, "%s %s\n", objectLabel(o.res, o.name), e.done)
			}
			if failed {
				return errReported
			}
			return nil
		},
	}
}

// rolloutObject is one TYPE/NAME a rollout command was given.
type rolloutObject struct {
	res  api.Resource
	name string
	ns   string
}

func (o rolloutObject) client(c *client.Client) *client.ResourceClient {
	return c.Resource(o.res).Namespace(o.ns)
}

// edit reads the object and patches it as e says.
func (o rolloutObject) edit(cmd *cobra.Command, c *client.Client, e rolloutEdit, now time.Time) error {
	obj, err := o.client(c).Get(cmd.Context(), o.name)
	if err != nil {
		return err
	}
	patch, err := e.patch(obj, now)
	if err != nil {
		resource := o.res.Name
		if o.res.Group != "" {
			resource += "." + o.res.Group
		}
		return fmt.Errorf("%s %q %v", resource, o.name, err)
	}
	body, _ := json.Marshal(patch)
	_, err = o.client(c).Patch(cmd.Context(), o.name, client.MergePatch, body, "")
	return err
}

// rolloutObjects reads TYPE NAME… or TYPE/NAME… and makes the client.
func (g *globals) rolloutObjects(verb string, args []string) (*client.Client, []rolloutObject, error) {
	targets, err := parseTargets(verb, args)
	if err != nil {
		return nil, nil, err
	}
	var objs []rolloutObject
	for _, t := range targets {
		if len(t.names) == 0 {
			return nil, nil, fmt.Errorf("resource(s) were provided, but no name was specified")
		}
		for _, n := range t.names {
			objs = append(objs, rolloutObject{res: t.res, name: n, ns: namespaceFor(t.res, g.namespace)})
		}
	}
	c, err := g.client()
	return c, objs, err
}

// oneRolloutObject is rolloutObjects for the commands that take one.
func (g *globals) oneRolloutObject(verb string, args []string) (*client.Client, rolloutObject, error) {
	c, objs, err := g.rolloutObjects(verb, args)
	if err != nil {
		return nil, rolloutObject{}, err
	}
	if len(objs) != 1 {
		return nil, rolloutObject{}, fmt.Errorf("%s takes one object; %d were given", verb, len(objs))
	}
	return c, objs[0], nil
}
