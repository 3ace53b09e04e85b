package proxy

import "time"

// This file decides when the proxy syncs.
//
// A sync costs one iptables-restore: milliseconds with a handful of
// services, a good part of a second with ten thousand (hack/bench/proxy.sh).
// Two wishes pull apart. A lone change should be applied at once: a pod
// that has just become ready should get traffic now, not a second later.
// And a storm of changes (a Deployment of 50 pods rolling) should not
// cost a restore each: a sync reads the caches as they are when it runs,
// so one sync after the storm covers every change in it.
//
// syncRunner grants both with a token bucket. The bucket holds burst
// tokens and gains one every minInterval; a sync for a change spends one.
// A change that finds a token is applied at once; in a storm the first
// burst changes are applied at once, and the rest wait for the next
// token and are applied together. Besides, a periodic sync runs every
// maxInterval, whatever changes come: the full sync that repairs rules
// changed behind the proxy's back. It keeps its own schedule and spends
// no token, so a change never pays for it, nor waits for its token.
//
// kube-proxy's counterpart is BoundedFrequencyRunner
// (pkg/util/async/bounded_frequency_runner.go), with minSyncPeriod,
// syncPeriod and a burst of 2, as here. It owns a goroutine and timers;
// syncRunner only decides, from the times it is given, so its tests run
// on a made-up clock (runner_test.go) and Proxier.Run keeps the timer.

// DefaultSyncBurst is the syncs that may run back to back before
// MinSyncPeriod starts to space them out (Config.SyncBurst), as
// kube-proxy's.
const DefaultSyncBurst = 2

// A runKind says why a sync runs.
type runKind int

const (
	runNone     runKind = iota // none now
	runChange                  // asked for: a change, the first sync, a retry
	runPeriodic                // maxInterval since the last periodic sync
)

// syncRunner says when to sync: at once, or after how long. It is not
// safe for concurrent use: Proxier.Run alone calls it.
type syncRunner struct {
	minInterval time.Duration // a new token every minInterval; 0: no limit
	maxInterval time.Duration // a periodic run this often; 0: none
	burst       int           // the tokens the bucket holds

	// credit is the bucket's content as time saved up: burst×minInterval
	// when full, and a run spends minInterval. Counting in durations
	// rather than fractions of tokens keeps the arithmetic exact.
	credit     time.Duration
	stamp      time.Time // when credit was last brought up to date
	wanted     bool      // a run was asked for and has not happened yet
	retryAt    time.Time // a run is due then, after a failure; zero: none
	periodicAt time.Time // the next periodic run; zero: none
}

// newSyncRunner returns a runner with a full bucket and a run wanted at
// once: the first sync.
func newSyncRunner(minInterval, maxInterval time.Duration, burst int, now time.Time) *syncRunner {
	burst = max(burst, 1)
	r := &syncRunner{minInterval: minInterval, maxInterval: maxInterval, burst: burst,
		credit: time.Duration(burst) * minInterval, stamp: now, wanted: true}
	if maxInterval > 0 {
		r.periodicAt = now.Add(maxInterval)
	}
	return r
}

// request asks for a run. Any number of requests before the run are one.
func (r *syncRunner) request() { r.wanted = true }

// retryAfter asks for a run d after now: after a failed sync, spaced out
// so a broken iptables is not hammered.
func (r *syncRunner) retryAfter(now time.Time, d time.Duration) { r.retryAt = now.Add(d) }

// next says what to do at now: run, and why (the run is counted, its
// token spent), or wait and ask again. A new request may come before
// wait is over; the caller then asks again at once. wait < 0 means
// nothing is due, ever, until a request. Any run covers what was asked
// for: a sync reads the caches as they are when it runs.
func (r *syncRunner) next(now time.Time) (kind runKind, wait time.Duration) {
	r.refill(now)
	asked := r.wanted || (!r.retryAt.IsZero() && !now.Before(r.retryAt))
	switch {
	case asked && (r.minInterval == 0 || r.credit >= r.minInterval):
		r.credit -= r.minInterval
		kind = runChange
	case !r.periodicAt.IsZero() && !now.Before(r.periodicAt):
		r.periodicAt = now.Add(r.maxInterval)
		kind = runPeriodic
	case asked:
		return runNone, r.soonest(now, r.minInterval-r.credit) // until the next token
	default:
		return runNone, r.soonest(now, -1)
	}
	r.wanted, r.retryAt = false, time.Time{}
	return kind, 0
}

// refill adds the credit earned since the last look, up to a full bucket.
func (r *syncRunner) refill(now time.Time) {
	if now.Before(r.stamp) {
		return
	}
	r.credit = min(r.credit+now.Sub(r.stamp), time.Duration(r.burst)*r.minInterval)
	r.stamp = now
}

// soonest is the shortest of wait (-1: none), the time until the next
// periodic run and the time until a retry.
func (r *syncRunner) soonest(now time.Time, wait time.Duration) time.Duration {
	for _, at := range []time.Time{r.periodicAt, r.retryAt} {
		if d := at.Sub(now); !at.IsZero() && (wait < 0 || d < wait) {
			wait = d
		}
	}
	return wait
}
