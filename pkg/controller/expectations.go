package controller

import (
	"sync"
	"time"
)

// ExpectationsTimeout is how long a controller waits for its informer to
// report the creations and deletions it made before it stops trusting
// the record and syncs anyway, as Kubernetes does (ExpectationsTimeout in
// pkg/controller/controller_utils.go). A watch event lost for good costs
// this long, not a stuck controller.
const ExpectationsTimeout = 5 * time.Minute

// Expectations remember, per controller key, the pod writes a reconciler
// has made that its informer has not shown it yet.
//
// Why: a ReplicaSet that creates 3 pods is synced again at once (its own
// status update triggers an event, say). The pod cache may not hold the
// new pods yet, so a naive sync would count 0 pods and create 3 more.
// With expectations, the first sync records "3 creations in flight"
// before it writes; the pod handler lowers the count as each new pod
// appears in the cache; and a sync does not create or delete while the
// count is above zero.
//
// Creations are counted (the names of generated pods are not known in
// advance). Deletions are tracked by pod key, so that seeing a pod twice
// (first marked for deletion, then gone) lowers the record only once
// (Kubernetes' UIDTrackingControllerExpectations).
type Expectations struct {
	mu      sync.Mutex
	records map[string]*expectation
	timeout time.Duration
	now     func() time.Time
}

type expectation struct {
	creations int
	deletions map[string]bool // pod keys
	at        time.Time       // when the writes were expected
}

// NewExpectations returns an empty record. Records older than timeout
// count as fulfilled. now is the clock (time.Now if nil).
func NewExpectations(timeout time.Duration, now func() time.Time) *Expectations {
	if now == nil {
		now = time.Now
	}
	return &Expectations{records: map[string]*expectation{}, timeout: timeout, now: now}
}

// Expect records, before the writes are made, that key's controller is
// about to create creations pods and delete the pods with the given keys.
// It replaces what was recorded for key before.
func (e *Expectations) Expect(key string, creations int, deletions []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rec := &expectation{creations: creations, deletions: map[string]bool{}, at: e.now()}
	for _, d := range deletions {
		rec.deletions[d] = true
	}
	e.records[key] = rec
}

// CreationObserved lowers key's creations in flight by one: the informer
// showed a new pod, or a create failed and will never show.
func (e *Expectations) CreationObserved(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if rec, ok := e.records[key]; ok && rec.creations > 0 {
		rec.creations--
	}
}

// DeletionObserved says the pod podKey is gone or going (or its delete
// failed): key's controller no longer waits for it.
func (e *Expectations) DeletionObserved(key, podKey string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if rec, ok := e.records[key]; ok {
		delete(rec.deletions, podKey)
	}
}

// Satisfied reports whether key's controller may act: nothing is in
// flight, or the record is older than the timeout.
func (e *Expectations) Satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	rec, ok := e.records[key]
	if !ok {
		return true
	}
	return (rec.creations <= 0 && len(rec.deletions) == 0) || e.now().Sub(rec.at) > e.timeout
}

// Forget drops key's record, when its controller object is deleted.
func (e *Expectations) Forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.records, key)
}
