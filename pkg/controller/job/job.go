package job

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

var (
	podsResource = controller.Resource("pods")
	jobsResource = controller.Resource("jobs")
)

// Controller runs the pods of every Job until enough of them succeed, or
// too many fail, or time runs out.
type Controller struct {
	jobs controller.Lister
	pods controller.Lister

	w   controller.Writer
	rec controller.EventRecorder
	log *zap.Logger

	queue        *client.Queue
	expectations *controller.Expectations
	now          func() time.Time                      // tests set the clock
	after        func(key string, delay time.Duration) // tests record the requeues
}

// New returns a controller that reads Jobs and pods from the given caches
// and writes through w. Both listers need the controller.IndexNamespace
// index.
func New(jobs, pods controller.Lister, w controller.Writer, rec controller.EventRecorder, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	c := &Controller{
		jobs:         jobs,
		pods:         pods,
		w:            w,
		rec:          rec,
		log:          log.Named("job"),
		queue:        client.NewQueue("job"),
		expectations: controller.NewExpectations(controller.ExpectationsTimeout, nil),
		now:          time.Now,
	}
	c.after = c.queue.AddAfter
	return c
}

// Run syncs keys from the queue with the given number of workers until
// ctx is done. Start it after the informers have synced.
func (c *Controller) Run(ctx context.Context, workers int) {
	client.RunWorkers(ctx, c.queue, workers, c.Sync, c.log)
}

// Queue is the controller's work queue, for the manager's metrics and
// health check.
func (c *Controller) Queue() *client.Queue { return c.queue }

// Sync reconciles the Job named by key ("namespace/name"):
//
//  1. claim its pods (those it controls and its selector matches);
//  2. a finished Job: delete what still runs of a failed one, and delete
//     the Job itself once its ttlSecondsAfterFinished has passed;
//  3. otherwise count the pods, and decide: failed (too many failures, or
//     past the deadline: delete the active pods), suspended (delete them),
//     or run: create or delete pods until the right number is active;
//  4. complete once enough pods have succeeded;
//  5. write status if it changed, and come back when a deadline, a
//     back-off or a TTL runs out: no event would announce those moments.
func (c *Controller) Sync(ctx context.Context, key string) error {
	obj, ok := c.jobs.Get(key)
	if !ok {
		c.expectations.Forget(key) // deleted: nothing more to wait for
		return nil
	}
	cached := obj.(*api.Job)
	if cached.DeletionTimestamp != nil {
		return nil // its pods are the garbage collector's
	}
	sel, err := selectorOf(cached)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	pods, err := controller.ClaimPods(ctx, c.w, c.pods, &cached.ObjectMeta, controllerRef(cached), sel)
	if err != nil {
		return err
	}
	log := c.log.With(zap.String("key", key))
	now := c.now()
	if _, done := finished(cached); done {
		return errors.Join(c.deleteLeftovers(ctx, key, cached, pods), c.expire(ctx, key, cached, now))
	}

	j := api.DeepCopy(cached) // its status is the one written back
	s := observe(j, pods)
	var errs []error
	c.suspendOrResume(j, now)
	switch reason, msg := failure(j, s, now); {
	case reason != "":
		log.Info("job failed", zap.String("reason", reason))
		n, err := c.deleteAll(ctx, key, j, s)
		errs = append(errs, err)
		s.failed += int32(n) // a pod killed for the Job's failure failed too
		setFinished(j, api.JobFailed, reason, msg, now)
		c.rec.Event(j, api.EventWarning, reason, msg)
	case isSuspended(j):
		_, err := c.deleteAll(ctx, key, j, s)
		errs = append(errs, err)
	case c.expectations.Satisfied(key):
		errs = append(errs, c.manage(ctx, key, j, s, now))
	}
	if _, done := finished(j); !done && complete(j, s) {
		log.Info("job complete")
		setFinished(j, api.JobComplete, "", "", now)
		t := api.NewTime(now)
		j.Status.CompletionTime = &t
		c.rec.Event(j, api.EventNormal, "Completed", "Job completed")
	}
	s.writeCounts(&j.Status)
	if err := c.updateStatus(ctx, cached, j); err != nil {
		return errors.Join(append(errs, err)...)
	}
	if _, done := finished(j); done {
		errs = append(errs, c.expire(ctx, key, j, now))
	} else if wait, ok := untilDeadline(j, now); ok {
		c.after(key, wait)
	}
	return errors.Join(errs...)
}

// updateStatus writes j's status when it differs from the cached Job's.
func (c *Controller) updateStatus(ctx context.Context, cached, j *api.Job) error {
	if statusEqual(cached.Status, j.Status) {
		return nil
	}
	if _, err := c.w.UpdateStatus(ctx, j); err != nil {
		return fmt.Errorf("update status of %s: %w", client.KeyOf(j), err)
	}
	return nil
}

// controllerRef is the owner reference a Job's pods carry.
func controllerRef(j *api.Job) api.OwnerReference {
	return controller.NewControllerRef(&j.ObjectMeta, jobsResource.APIVersion(), jobsResource.Kind)
}

// selectorOf is the Job's pod selector. The apiserver sets it to
// batch.kubernetes.io/controller-uid=<uid>, and the same label on the
// template, unless manualSelector; a Job that has none (made before the
// apiserver did this) is given that generated selector here, and its
// pods the labels (podFromTemplate).
func selectorOf(j *api.Job) (api.Selector, error) {
	if j.Spec.Selector == nil {
		return api.SelectorFromSet(generatedLabels(j)), nil
	}
	sel, err := api.SelectorFromLabelSelector(j.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("selector: %w", err)
	}
	if !sel.Matches(j.Spec.Template.Labels) {
		// Validation forbids this: the pods made would never count, and the
		// Job would create pods forever.
		return nil, fmt.Errorf("selector %q does not match the template's labels", sel)
	}
	return sel, nil
}

// generatedLabels are the labels the apiserver gives a Job's template.
func generatedLabels(j *api.Job) map[string]string {
	return map[string]string{api.ControllerUIDLabel: j.UID, api.JobNameLabel: j.Name}
}
