// Package cronjob makes a Job from every CronJob's template on its
// schedule (Kubernetes' CronJob controller, version 2): a nightly backup,
// a report every Monday at nine.
//
// # What one sync does
//
// Sync(ctx, key), with key "namespace/name", reads the CronJob and the
// Jobs it controls from the caches and:
//
//  1. brings status.active up to date: finished Jobs leave it, so do Jobs
//     that are gone; lastSuccessfulTime is the latest completion of a Job
//     that succeeded;
//  2. unless the CronJob is suspended, finds the most recent schedule time
//     since status.lastScheduleTime (or its creation) that is not after
//     now (schedule.go). The schedule is cron's five fields (robfig/cron),
//     read in spec.timeZone or the controller's local time. Only that one
//     time runs, however many were missed; more than 100 missed times make
//     a TooManyMissedTimes warning. A start later than
//     startingDeadlineSeconds after its time is skipped (MissSchedule);
//  3. applies spec.concurrencyPolicy: Allow runs Jobs side by side, Forbid
//     skips the time while a Job runs, Replace deletes the running Jobs
//     first;
//  4. creates the Job <cronjob>-<schedule time in minutes since the
//     epoch>, with the annotation batch.kubernetes.io/cronjob-scheduled-timestamp
//     and the CronJob as its controller, and records it in status.active
//     and lastScheduleTime. The name is a lock: a second attempt for the
//     same time finds the Job there;
//  5. deletes the oldest finished Jobs beyond successfulJobsHistoryLimit
//     (3) and failedJobsHistoryLimit (1), in the background: the garbage
//     collector deletes their pods;
//  6. writes status if it changed, and asks for the key again at the next
//     schedule time (Queue.AddAfter): nothing polls.
//
// What runs inside a Job is the job controller's business (package job).
//
// # Wiring
//
// The caller builds shared informers for cronjobs and jobs (the jobs one
// with the controller.IndexOwner index), then:
//
//	cc := cronjob.New(cronJobInformer, jobInformer, controller.NewWriter(c), recorder, nil, log)
//	cronJobInformer.AddHandler(cc.CronJobHandler())
//	jobInformer.AddHandler(cc.JobHandler())
//	// start the informers, client.WaitForSync(ctx, …), then:
//	cc.Run(ctx, workers) // blocks until ctx is done
//
// It writes: jobs (create, delete), cronjobs/status (update), and Events.
package cronjob
