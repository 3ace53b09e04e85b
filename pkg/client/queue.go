package client

import (
	"sync"
	"time"
)

// Back-off of AddRateLimited: 5 ms after the first failure, doubling after
// each further one, up to the queue's cap.
const (
	baseBackoff       = 5 * time.Millisecond
	defaultMaxBackoff = 1000 * time.Second
)

// Queue is a work queue of keys for a controller's workers.
//
// It holds keys, never objects: the worker reads the current state when it
// gets to a key, so ten changes to one object while it waited cost one
// sync. Three rules make that safe:
//
//   - Adding a key that is already waiting does nothing.
//   - A key handed to a worker is not handed to another until Done.
//   - A key added while a worker holds it waits, and comes out again after
//     Done, so the change that caused the Add is not lost.
//   - A key added for later (AddAfter) waits once, for its earliest
//     deadline: see queue_delay.go.
type Queue struct {
	name string

	mu         sync.Mutex
	cond       *sync.Cond           // signalled when ready grows or on shutdown
	ready      []string             // keys waiting for a worker, oldest first
	dirty      map[string]bool      // keys that need a sync: in ready, or held and to be re-queued at Done
	processing map[string]time.Time // keys held by a worker, and since when
	shutdown   bool

	delayed delayed // keys to add later

	failures   map[string]int // per key, for the back-off
	maxBackoff time.Duration

	metrics *queueMetrics // never nil; counts into nothing until Instrument
}

// NewQueue returns an empty queue. The name appears in the workers' logs
// and labels the queue's metrics.
func NewQueue(name string) *Queue {
	q := &Queue{
		name:       name,
		dirty:      map[string]bool{},
		processing: map[string]time.Time{},
		delayed:    newDelayed(),
		failures:   map[string]int{},
		maxBackoff: defaultMaxBackoff,
		metrics:    uncounted(),
	}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// Name is the name the queue was made with.
func (q *Queue) Name() string { return q.name }

// Add asks for key to be synced.
func (q *Queue) Add(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.addLocked(key)
}

func (q *Queue) addLocked(key string) {
	if q.shutdown || q.dirty[key] {
		return // already waiting: one sync will see the latest state
	}
	q.dirty[key] = true
	q.metrics.adds.Inc()
	if _, held := q.processing[key]; held {
		return // Done puts it back
	}
	q.ready = append(q.ready, key)
	q.cond.Signal()
}

// AddRateLimited adds key after its back-off: 5 ms after its first failure,
// then 10 ms, 20 ms … up to the cap. Forget starts it over.
func (q *Queue) AddRateLimited(key string) {
	q.AddAfter(key, q.nextBackoff(key))
}

// nextBackoff counts one more failure of key and returns how long to wait.
func (q *Queue) nextBackoff(key string) time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := q.failures[key]
	q.failures[key] = n + 1
	d := baseBackoff
	for ; n > 0 && d < q.maxBackoff; n-- {
		d *= 2
	}
	return min(d, q.maxBackoff)
}

// Forget clears key's failures, after a sync that worked.
func (q *Queue) Forget(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.failures, key)
}

// NumRequeues says how many times key has failed since it was last
// forgotten.
func (q *Queue) NumRequeues(key string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.failures[key]
}

// SetMaxBackoff changes the cap on AddRateLimited's delay.
func (q *Queue) SetMaxBackoff(d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.maxBackoff = d
}

// Get blocks until a key is ready and hands it to the caller, who must call
// Done(key) when finished with it. After ShutDown it returns shutdown=true
// at once; keys still waiting are dropped (the next start lists everything
// again anyway).
func (q *Queue) Get() (key string, shutdown bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.ready) == 0 && !q.shutdown {
		q.cond.Wait()
	}
	if q.shutdown {
		return "", true
	}
	key, q.ready = q.ready[0], q.ready[1:]
	q.processing[key] = time.Now()
	delete(q.dirty, key)
	return key, false
}

// Done says the worker has finished with key. If key was added meanwhile,
// it is ready again now.
func (q *Queue) Done(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.processing, key)
	if q.dirty[key] && !q.shutdown {
		q.ready = append(q.ready, key)
		q.cond.Signal()
	}
}

// Len is the number of keys waiting for a worker.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.ready)
}

// LongestRunning says which key a worker has held the longest, and for
// how long: a sync that never returns shows here (and in /healthz).
func (q *Queue) LongestRunning() (key string, d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := time.Now()
	for k, since := range q.processing {
		if held := now.Sub(since); held > d {
			key, d = k, held
		}
	}
	return key, d
}

// ShutDown wakes every Get with shutdown=true and ignores later Adds;
// keys waiting for their delay are dropped.
func (q *Queue) ShutDown() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.shutdown = true
	q.delayed.stop()
	q.cond.Broadcast()
}
