package daemonset

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

var podsResource = controller.Resource("pods")

// Controller runs one pod of every DaemonSet on each eligible node.
type Controller struct {
	daemonSets controller.Lister
	revisions  controller.Lister
	pods       controller.Lister
	nodes      controller.Lister

	w   controller.Writer
	rec controller.EventRecorder
	log *zap.Logger

	queue        *client.Queue
	expectations *controller.Expectations
	now          func() time.Time // tests set the clock
}

// New returns a controller that reads DaemonSets, their
// ControllerRevisions, pods and nodes from the given caches and writes
// through w. The daemonSets, revisions and pods listers need the
// controller.IndexNamespace index.
func New(daemonSets, revisions, pods, nodes controller.Lister, w controller.Writer, rec controller.EventRecorder, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	return &Controller{
		daemonSets:   daemonSets,
		revisions:    revisions,
		pods:         pods,
		nodes:        nodes,
		w:            w,
		rec:          rec,
		log:          log.Named("daemonset"),
		queue:        client.NewQueue("daemonset"),
		expectations: controller.NewExpectations(controller.ExpectationsTimeout, nil),
		now:          time.Now,
	}
}

// Run syncs keys from the queue with the given number of workers until
// ctx is done. Start it after the informers have synced.
func (c *Controller) Run(ctx context.Context, workers int) {
	client.RunWorkers(ctx, c.queue, workers, c.Sync, c.log)
}

// Queue is the controller's work queue, for the manager's metrics and
// health check.
func (c *Controller) Queue() *client.Queue { return c.queue }

// Sync reconciles the DaemonSet with key "namespace/name":
//
//  1. claim its pods (adopt matching orphans, release pods that no longer
//     match);
//  2. make sure the current template has the newest ControllerRevision
//     (history.go);
//  3. decide, node by node, what should run there (eligible);
//  4. unless earlier writes are still in flight (expectations), create the
//     missing pods, bound to their nodes, and delete the ones that should
//     not be there, then roll out a changed template (plan), then prune
//     old revisions;
//  5. write status, if it changed.
//
// A DaemonSet being deleted gets step 5 only: its pods and revisions are
// the garbage collector's.
func (c *Controller) Sync(ctx context.Context, key string) error {
	obj, ok := c.daemonSets.Get(key)
	if !ok {
		c.expectations.Forget(key) // deleted: nothing more to wait for
		return nil
	}
	ds := obj.(*api.DaemonSet)
	sel, err := api.SelectorFromLabelSelector(ds.Spec.Selector)
	if err != nil {
		return fmt.Errorf("%s: selector: %w", key, err)
	}
	if !sel.Matches(ds.Spec.Template.Labels) {
		// Validation forbids this: the pods made would never be claimed, and
		// every sync would make more.
		return fmt.Errorf("%s: selector %q does not match the template's labels", key, sel)
	}
	pods, err := c.claimPods(ctx, ds, sel)
	if err != nil {
		return err
	}

	hash := templateHash(&ds.Spec.Template)
	var revs []*api.ControllerRevision
	if ds.DeletionTimestamp == nil {
		revs = c.ownedRevisions(ds)
		if err := c.syncRevision(ctx, ds, hash, revs); err != nil {
			return err
		}
	}
	template := podTemplate(ds, hash)
	nodes, strays := c.nodeStates(&template.Spec, pods)
	now := c.now()

	var errs []error
	if ds.DeletionTimestamp == nil && c.expectations.Satisfied(key) {
		p := makePlan(ds, hash, nodes, strays, now)
		if len(p.create) > 0 || len(p.remove) > 0 {
			c.log.Info("placing daemon pods", zap.String("key", key),
				zap.Strings("createOn", p.create), zap.Int("delete", len(p.remove)))
		}
		errs = append(errs, c.apply(ctx, ds, key, template, p))
		errs = append(errs, c.pruneRevisions(ctx, ds, hash, revs, pods))
	}
	errs = append(errs, c.updateStatus(ctx, ds, key, hash, nodes, now))
	return errors.Join(errs...)
}

// nodeState is one node as a sync sees it.
type nodeState struct {
	node *api.Node
	eligibility
	pods []*api.Pod // the DaemonSet's pods bound here, not being deleted, oldest first
}

// running returns the pod that counts for the node: the oldest that has
// not failed, or nil.
func (s *nodeState) running() *api.Pod {
	for _, p := range s.pods {
		if p.Status.Phase != api.PodFailed {
			return p
		}
	}
	return nil
}

// nodeStates sorts the pods by node and decides eligibility for each node.
// strays are pods bound to no node that exists (it was deleted) or to no
// node at all.
func (c *Controller) nodeStates(spec *api.PodSpec, pods []*api.Pod) (nodes []nodeState, strays []*api.Pod) {
	byNode := map[string][]*api.Pod{}
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			byNode[p.Spec.NodeName] = append(byNode[p.Spec.NodeName], p)
		}
	}
	for _, obj := range c.nodes.List() {
		node := obj.(*api.Node)
		here := byNode[node.Name]
		delete(byNode, node.Name)
		slices.SortFunc(here, oldestFirst)
		nodes = append(nodes, nodeState{node: node, eligibility: eligible(spec, node), pods: here})
	}
	for _, ps := range byNode {
		strays = append(strays, ps...)
	}
	slices.SortFunc(strays, func(a, b *api.Pod) int { return strings.Compare(a.Name, b.Name) })
	return nodes, strays
}

func oldestFirst(a, b *api.Pod) int {
	if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// apply makes the writes of a plan. The expectations are set before the
// first write, so that a sync running before the informer has seen them
// does not repeat them.
func (c *Controller) apply(ctx context.Context, ds *api.DaemonSet, key string, template *api.Pod, p plan) error {
	deleteKeys := make([]string, len(p.remove))
	for i, pod := range p.remove {
		deleteKeys[i] = client.KeyOf(pod)
	}
	c.expectations.Expect(key, len(p.create), deleteKeys)

	var errs []error
	// Kubernetes creates in batches of 1, 2, 4, … (slowStartBatch) so that
	// an error that will hit every pod (a quota, a webhook) costs one call,
	// not one per node; here pods are created one by one and the first
	// error stops the creates.
	for i, node := range p.create {
		created, err := c.w.Create(ctx, podFor(template, node))
		if err != nil {
			for range len(p.create) - i {
				c.expectations.CreationObserved(key) // these will never show up
			}
			c.rec.Eventf(ds, api.EventWarning, "FailedCreate", "Error creating: %v", err)
			errs = append(errs, fmt.Errorf("create pod for %s on %s: %w", key, node, err))
			break
		}
		c.rec.Eventf(ds, api.EventNormal, "SuccessfulCreate", "Created pod: %s", created.GetObjectMeta().Name)
	}
	for _, pod := range p.remove {
		if pod.Status.Phase == api.PodFailed {
			c.rec.Eventf(ds, api.EventWarning, "FailedDaemonPod", "Found failed daemon pod %s on node %s, will try to kill it",
				client.KeyOf(pod), pod.Spec.NodeName)
		}
		err := c.w.Delete(ctx, podsResource, pod.Namespace, pod.Name, nil)
		if err != nil && !client.IsNotFound(err) {
			c.expectations.DeletionObserved(key, client.KeyOf(pod)) // the informer will not see it go
			c.rec.Eventf(ds, api.EventWarning, "FailedDelete", "Error deleting: %v", err)
			errs = append(errs, fmt.Errorf("delete pod %s: %w", client.KeyOf(pod), err))
			continue
		}
		c.rec.Eventf(ds, api.EventNormal, "SuccessfulDelete", "Deleted pod: %s", pod.Name)
	}
	return errors.Join(errs...)
}
