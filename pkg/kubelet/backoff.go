package kubelet

import (
	"strings"
	"sync"
	"time"
)

// Restart and pull back-off, as Kubernetes: 10 s, doubling up to 5 min.
const (
	backoffInitial = 10 * time.Second
	backoffMax     = 5 * time.Minute
)

// Retries of a container whose environment cannot be made yet (its
// ConfigMap or Secret is missing): 1 s, doubling up to the 10 s of
// Kubernetes' pod workers.
const (
	configRetryInitial = time.Second
	configRetryMax     = retryPeriod
)

// backoff keeps, for each key (a container of a pod, an image of a pod), how
// long to wait before trying again. The kubelet keeps it in memory only: a
// restarted kubelet gives every crashing container one immediate retry, as
// Kubernetes' does.
//
// A crashing container goes like this (times are of its exits):
//
//	exit at 0s    no entry: restart now            next → delay 10s
//	exit at 1s    1s-0 < 10s: CrashLoopBackOff      until 11s
//	sync at 11s   back-off over: restart            next → delay 20s
//	exit at 12s   CrashLoopBackOff "back-off 20s"   until 32s …
//
// A container that ran well for a long time starts from 10 s again: an
// entry not updated for twice the cap is forgotten.
type backoff struct {
	initial, max time.Duration

	mu      sync.Mutex
	entries map[string]*backoffEntry
}

type backoffEntry struct {
	delay      time.Duration
	lastUpdate time.Time
}

func newBackoff(initial, max time.Duration) *backoff {
	return &backoff{initial: initial, max: max, entries: map[string]*backoffEntry{}}
}

// expired reports whether an entry last updated at lastUpdate no longer
// counts for something that happened at t.
func (b *backoff) expired(e *backoffEntry, t time.Time) bool {
	return t.Sub(e.lastUpdate) > 2*b.max
}

// waitSince reports how much longer to wait after something that happened
// at since (a container's exit); 0 means go ahead.
func (b *backoff) waitSince(key string, since, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.entries[key]
	if !ok || b.expired(e, since) {
		return 0
	}
	return max(0, e.delay-now.Sub(since))
}

// waitSinceUpdate reports how much longer to wait after the last failure
// recorded with next (a failed pull); 0 means go ahead.
func (b *backoff) waitSinceUpdate(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.entries[key]
	if !ok || b.expired(e, now) {
		return 0
	}
	return max(0, e.delay-now.Sub(e.lastUpdate))
}

// next records one more try at now: the first delay, or the last one
// doubled up to the cap.
func (b *backoff) next(key string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.entries[key]
	if !ok || b.expired(e, now) {
		b.entries[key] = &backoffEntry{delay: b.initial, lastUpdate: now}
		return
	}
	e.delay = min(2*e.delay, b.max)
	e.lastUpdate = now
}

// delay is key's current delay, for messages.
func (b *backoff) delay(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.entries[key]; ok {
		return e.delay
	}
	return 0
}

// forget drops the entries of keys that start with prefix (a pod's UID).
func (b *backoff) forget(prefix string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k := range b.entries {
		if strings.HasPrefix(k, prefix) {
			delete(b.entries, k)
		}
	}
}
