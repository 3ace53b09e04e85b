package cronjob

import "time"

// SetClockRate makes the controller's clock run rate times as fast as the
// wall clock, from the moment of the call: at 60, a CronJob scheduled
// every minute starts a Job every second. Schedules are read on that
// clock, and the controller comes back to a CronJob after the wall-clock
// share of the wait (a minute's wait at 60 is a second). Job names,
// lastScheduleTime and the history are all on that clock, so they stay
// consistent with one another; only the Jobs' own timestamps are the
// apiserver's. It is for demonstrations and end-to-end tests, which
// would otherwise wait minutes for a schedule; call it before Run.
// A rate of 1 or less leaves the clock alone.
func (c *Controller) SetClockRate(rate float64) {
	if rate <= 1 {
		return
	}
	wall := c.now
	start := wall()
	c.now = func() time.Time {
		return start.Add(time.Duration(float64(wall().Sub(start)) * rate))
	}
	addAfter := c.after
	c.after = func(key string, delay time.Duration) {
		addAfter(key, time.Duration(float64(delay)/rate))
	}
}
