package kctl

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

func newCordonCommand(g *globals, cordon bool) *cobra.Command {
	use, short := "cordon NODE", "Mark a node unschedulable: the scheduler places no new pods on it"
	if !cordon {
		use, short = "uncordon NODE", "Mark a node schedulable again"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			for _, name := range args {
				if err := setUnschedulable(cmd.Context(), g, c, name, cordon); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// setUnschedulable patches spec.unschedulable and prints what kubectl
// prints: "node/n1 cordoned", or "already cordoned" when nothing changed.
func setUnschedulable(ctx context.Context, g *globals, c *client.Client, name string, on bool) error {
	nodes := c.Resource(mustLookup("nodes"))
	obj, err := nodes.Get(ctx, name)
	if err != nil {
		return err
	}
	verb := "cordoned"
	if !on {
		verb = "uncordoned"
	}
	if obj.(*api.Node).Spec.Unschedulable == on {
		fmt.Fprintf(g.out, "node/%s already %s\n", name, verb)
		return nil
	}
	patch := fmt.Sprintf(`{"spec":{"unschedulable":%t}}`, on)
	if !on {
		patch = `{"spec":{"unschedulable":null}}`
	}
	if _, err := nodes.Patch(ctx, name, client.MergePatch, []byte(patch), ""); err != nil {
		return err
	}
	fmt.Fprintf(g.out, "node/%s %s\n", name, verb)
	return nil
}

func mustLookup(name string) api.Resource {
	r, ok := api.Lookup(name)
	if !ok {
		panic("kctl: unknown resource " + name)
	}
	return r
}

// drainFlags are the flags of drain.
type drainFlags struct {
	ignoreDaemonSets bool
	force            bool
	gracePeriod      int64
	timeout          time.Duration
}

func newDrainCommand(g *globals) *cobra.Command {
	var o drainFlags
	cmd := &cobra.Command{
		Use:   "drain NODE",
		Short: "Cordon a node and delete its pods so their controllers recreate them elsewhere",
		Long: "Drain cordons the node, then deletes every pod on it and waits until they are gone.\n" +
			"DaemonSet pods are refused unless --ignore-daemonsets (they would come back at once);\n" +
			"pods no controller recreates are refused unless --force (they would be lost).\n" +
			"Kubernetes evicts through the eviction API, honouring disruption budgets; kubelab deletes.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runDrain(cmd.Context(), g, args[0], o) },
	}
	f := cmd.Flags()
	f.BoolVar(&o.ignoreDaemonSets, "ignore-daemonsets", false, "leave DaemonSet-managed pods alone instead of refusing to drain")
	f.BoolVar(&o.force, "force", false, "also delete pods that no controller manages")
	f.Int64Var(&o.gracePeriod, "grace-period", -1, "seconds each pod gets to shut down; -1 uses the pod's own")
	f.DurationVar(&o.timeout, "timeout", 0, "give up waiting after this long (0: wait forever)")
	return cmd
}

func runDrain(ctx context.Context, g *globals, node string, o drainFlags) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	if err := setUnschedulable(ctx, g, c, node, true); err != nil {
		return err
	}
	pods := c.Resource(mustLookup("pods"))
	objs, _, err := pods.List(ctx, client.ListOptions{FieldSelector: "spec.nodeName=" + node})
	if err != nil {
		return err
	}
	victims, daemons, orphans := drainPlan(objs)
	if len(daemons) > 0 && !o.ignoreDaemonSets {
		return fmt.Errorf("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): %s", strings.Join(daemons, ", "))
	}
	if len(orphans) > 0 && !o.force {
		return fmt.Errorf("cannot delete Pods that declare no controller (use --force to override): %s", strings.Join(orphans, ", "))
	}
	if len(daemons) > 0 {
		fmt.Fprintf(g.errOut, "Warning: ignoring DaemonSet-managed Pods: %s\n", strings.Join(daemons, ", "))
	}
	if len(orphans) > 0 {
		fmt.Fprintf(g.errOut, "Warning: deleting Pods that declare no controller: %s\n", strings.Join(orphans, ", "))
	}
	var opts *api.DeleteOptions
	if o.gracePeriod >= 0 {
		opts = &api.DeleteOptions{GracePeriodSeconds: api.Int64(o.gracePeriod)}
	}
	for _, p := range victims {
		fmt.Fprintf(g.out, "evicting pod %s/%s\n", p.Namespace, p.Name)
		if err := pods.Namespace(p.Namespace).Delete(ctx, p.Name, opts); err != nil && !client.IsNotFound(err) {
			return err
		}
	}
	podsRes := mustLookup("pods")
	for _, p := range victims { // one shared timeout would be kubectl's; per pod is simpler
		v := victim{res: podsRes, namespace: p.Namespace, name: p.Name, uid: p.UID}
		if err := waitGone(ctx, pods.Namespace(p.Namespace), v, o.timeout); err != nil {
			return err
		}
	}
	for _, p := range victims {
		fmt.Fprintf(g.out, "pod/%s evicted\n", p.Name)
	}
	fmt.Fprintf(g.out, "node/%s drained\n", node)
	return nil
}

// drainPlan sorts a node's pods into those to delete, DaemonSet pods and
// pods with no controller (which are also in victims, deleted only with
// --force). Finished pods are deleted without complaint.
func drainPlan(objs []api.Object) (victims []*api.Pod, daemons, orphans []string) {
	for _, o := range objs {
		p := o.(*api.Pod)
		ref := api.ControllerRef(&p.ObjectMeta)
		done := p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed
		switch {
		case ref != nil && ref.Kind == "DaemonSet" && !done:
			daemons = append(daemons, p.Namespace+"/"+p.Name)
			continue
		case ref == nil && !done:
			orphans = append(orphans, p.Namespace+"/"+p.Name)
		}
		victims = append(victims, p)
	}
	return victims, daemons, orphans
}
