package cronjob

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

var (
	jobsResource     = controller.Resource("jobs")
	cronJobsResource = controller.Resource("cronjobs")
)

// Controller makes the Jobs of every CronJob on its schedule.
type Controller struct {
	cronJobs controller.Lister
	jobs     controller.Lister

	w   controller.Writer
	rec controller.EventRecorder
	log *zap.Logger

	queue    *client.Queue
	inFlight *inFlight
	loc      *time.Location                        // a schedule's time zone when the CronJob names none
	now      func() time.Time                      // tests set the clock
	after    func(key string, delay time.Duration) // tests record the requeues
}

// New returns a controller that reads CronJobs and Jobs from the given
// caches and writes through w. The jobs lister needs the
// controller.IndexOwner index. Schedules without a timeZone are read in
// loc (time.Local if nil), the controller's local time.
func New(cronJobs, jobs controller.Lister, w controller.Writer, rec controller.EventRecorder, loc *time.Location, log *zap.Logger) *Controller {
	if log == nil {
		log = zap.NewNop()
	}
	if loc == nil {
		loc = time.Local
	}
	c := &Controller{
		cronJobs: cronJobs,
		jobs:     jobs,
		w:        w,
		rec:      rec,
		log:      log.Named("cronjob"),
		queue:    client.NewQueue("cronjob"),
		inFlight: newInFlight(controller.ExpectationsTimeout),
		loc:      loc,
		now:      time.Now,
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

// Sync reconciles the CronJob named by key ("namespace/name"):
//
//  1. bring status.active and lastSuccessfulTime up to date with its Jobs;
//  2. unless it is suspended or being deleted, start the Job of the most
//     recent schedule time that has not run, if the concurrency policy
//     and the starting deadline allow (schedule.go);
//  3. delete the oldest finished Jobs beyond the history limits;
//  4. write status if it changed, and come back at the next schedule time.
func (c *Controller) Sync(ctx context.Context, key string) error {
	obj, ok := c.cronJobs.Get(key)
	if !ok {
		return nil
	}
	cached := obj.(*api.CronJob)
	cj := api.DeepCopy(cached) // its status is the one written back
	jobs := c.jobsOf(cj)
	now := c.now()

	c.reconcileActive(cj, jobs)
	var errs []error
	if cj.DeletionTimestamp == nil {
		errs = append(errs, c.schedule(ctx, key, cj, jobs, now))
		errs = append(errs, c.pruneHistory(ctx, cj, jobs))
	}
	if !statusEqual(cached.Status, cj.Status) {
		if _, err := c.w.UpdateStatus(ctx, cj); err != nil {
			errs = append(errs, fmt.Errorf("update status of %s: %w", key, err))
		}
	}
	return errors.Join(errs...)
}

// jobsOf returns the Jobs the CronJob controls, leaving out those this
// controller has deleted but the cache still shows.
func (c *Controller) jobsOf(cj *api.CronJob) []*api.Job {
	var out []*api.Job
	for _, obj := range c.jobs.ByIndex(controller.IndexOwner, cj.UID) {
		j := obj.(*api.Job)
		if ref := api.ControllerRef(&j.ObjectMeta); ref != nil && ref.UID == cj.UID && !c.inFlight.isDeleted(j.UID) {
			out = append(out, j)
		}
	}
	return out
}

// statusEqual compares two statuses as the apiserver would store them.
func statusEqual(a, b api.CronJobStatus) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}
