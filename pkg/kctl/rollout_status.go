package kctl

// kctl rollout status watches a Deployment (or DaemonSet) until its
// rollout is done, printing kubectl's progress line for every change it
// sees. The status is only trusted once the controller has seen the
// latest spec (status.observedGeneration caught up with
// metadata.generation); before that it describes the previous rollout.
// A Progressing condition with reason ProgressDeadlineExceeded ends the
// wait with an error, as does --timeout.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

func newRolloutStatusCommand(g *globals) *cobra.Command {
	var watch bool
	var timeout time.Duration
	var revision int64
	cmd := &cobra.Command{
		Use:   "status (TYPE NAME | TYPE/NAME) [flags]",
		Short: "Show the status of the rollout",
		Long: "Show the status of the rollout of a deployment or daemon set, and by default watch\n" +
			"it until it is done. Exits non-zero if the deployment exceeds its progress deadline\n" +
			"or --timeout passes first.",
		Example: "  kctl rollout status deployment/web\n  kctl rollout status deploy web --timeout=2m",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, o, err := g.oneRolloutObject("rollout status", args)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			err = watchRollout(ctx, o.client(c), o, func(obj api.Object) (bool, error) {
				msg, done, err := rolloutStatus(obj, revision)
				if err != nil {
					return true, err
				}
				fmt.Fprint(g.out, msg)
				return done || !watch, nil
			})
			if errors.Is(err, context.DeadlineExceeded) {
				return errors.New("timed out waiting for the condition")
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&watch, "watch", "w", true, "Watch the status of the rollout until it's done.")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "The length of time to wait before ending watch, zero means never.")
	cmd.Flags().Int64Var(&revision, "revision", 0, "Pin to a specific revision for showing its status. Defaults to 0 (last revision).")
	return cmd
}

// rolloutStatus is kubectl's status viewer: the line to print, and
// whether the rollout is done. Pure, for the tests.
func rolloutStatus(obj api.Object, revision int64) (string, bool, error) {
	switch o := obj.(type) {
	case *api.Deployment:
		return deploymentStatus(o, revision)
	case *api.DaemonSet:
		return daemonSetStatus(o)
	case *api.StatefulSet:
		return statefulSetStatus(o) // rollout_status_sts.go
	}
	return "", true, fmt.Errorf("no status viewer has been implemented for %s", obj.GetTypeMeta().Kind)
}

func deploymentStatus(d *api.Deployment, revision int64) (string, bool, error) {
	if revision > 0 {
		current, err := strconv.ParseInt(d.Annotations[api.RevisionAnnotation], 10, 64)
		if err != nil {
			return "", false, fmt.Errorf("cannot get the revision of deployment %q: %v", d.Name, err)
		}
		if current != revision {
			return "", false, fmt.Errorf("desired revision (%d) is different from the running revision (%d)", revision, current)
		}
	}
	if d.Generation > d.Status.ObservedGeneration {
		return "Waiting for deployment spec update to be observed...\n", false, nil
	}
	for _, c := range d.Status.Conditions {
		if c.Type == api.DeploymentProgressing && c.Reason == api.ReasonProgressDeadlineExceeded {
			return "", false, fmt.Errorf("deployment %q exceeded its progress deadline", d.Name)
		}
	}
	st := d.Status
	switch {
	case d.Spec.Replicas != nil && st.UpdatedReplicas < *d.Spec.Replicas:
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d out of %d new replicas have been updated...\n",
			d.Name, st.UpdatedReplicas, *d.Spec.Replicas), false, nil
	case st.Replicas > st.UpdatedReplicas:
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d old replicas are pending termination...\n",
			d.Name, st.Replicas-st.UpdatedReplicas), false, nil
	case st.AvailableReplicas < st.UpdatedReplicas:
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d of %d updated replicas are available...\n",
			d.Name, st.AvailableReplicas, st.UpdatedReplicas), false, nil
	}
	return fmt.Sprintf("deployment %q successfully rolled out\n", d.Name), true, nil
}

func daemonSetStatus(ds *api.DaemonSet) (string, bool, error) {
	if t := ds.Spec.UpdateStrategy.Type; t != "" && t != "RollingUpdate" {
		return "", true, fmt.Errorf("rollout status is only available for RollingUpdate strategy type")
	}
	if ds.Generation > ds.Status.ObservedGeneration {
		return "Waiting for daemon set spec update to be observed...\n", false, nil
	}
	st := ds.Status
	switch {
	case st.UpdatedNumberScheduled < st.DesiredNumberScheduled:
		return fmt.Sprintf("Waiting for daemon set %q rollout to finish: %d out of %d new pods have been updated...\n",
			ds.Name, st.UpdatedNumberScheduled, st.DesiredNumberScheduled), false, nil
	case st.NumberAvailable < st.DesiredNumberScheduled:
		return fmt.Sprintf("Waiting for daemon set %q rollout to finish: %d of %d updated pods are available...\n",
			ds.Name, st.NumberAvailable, st.DesiredNumberScheduled), false, nil
	}
	return fmt.Sprintf("daemon set %q successfully rolled out\n", ds.Name), true, nil
}

// watchRollout calls check with the object, then with every version of
// it a watch delivers, until check says stop. A watch that ends (the
// server's timeout, a 410) is reopened from a fresh read, as kubectl's
// UntilWithSync relists; a read that shows nothing new is not checked
// again.
func watchRollout(ctx context.Context, rc *client.ResourceClient, o rolloutObject, check func(api.Object) (bool, error)) error {
	seen := ""
	for {
		obj, err := rc.Get(ctx, o.name)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		rv := obj.GetObjectMeta().ResourceVersion
		if rv != seen || rv == "" {
			if stop, err := check(obj); stop || err != nil {
				return err
			}
		}
		seen = rv
		w, err := rc.Watch(ctx, client.ListOptions{FieldSelector: "metadata.name=" + o.name, ResourceVersion: rv})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		for ev := range w.ResultChan() {
			switch ev.Type {
			case api.Added, api.Modified:
				seen = ev.Object.GetObjectMeta().ResourceVersion
				if stop, err := check(ev.Object); stop || err != nil {
					w.Stop()
					return err
				}
			case api.Deleted:
				w.Stop()
				return errors.New("object has been deleted")
			}
		}
		select { // then read again, not at once: a server that drops every watch is not to be hammered
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
