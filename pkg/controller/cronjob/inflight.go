package cronjob

import (
	"sync"
	"time"
)

// inFlight remembers the Jobs this controller created or deleted that the
// Job cache may not show yet. Without it, a sync right after a create
// would find the new Job missing and drop it from status.active
// ("MissingJob"), and a sync right after a delete would find the old Job
// still there and count it as running. Kubernetes asks the apiserver
// instead (GetJob in cronjob_controllerv2.go). A record older than the
// timeout is dropped: a watch event lost for good costs that long.
type inFlight struct {
	mu      sync.Mutex
	timeout time.Duration
	created map[string]time.Time // by Job uid
	deleted map[string]time.Time
}

func newInFlight(timeout time.Duration) *inFlight {
	return &inFlight{timeout: timeout, created: map[string]time.Time{}, deleted: map[string]time.Time{}}
}

func (f *inFlight) create(uid string) { f.set(f.created, uid) }
func (f *inFlight) delete(uid string) { f.set(f.deleted, uid) }

func (f *inFlight) set(m map[string]time.Time, uid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m[uid] = time.Now()
}

// seen says the cache shows the Job uid (present is false once it is gone).
func (f *inFlight) seen(uid string, present bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if present {
		delete(f.created, uid)
	} else {
		delete(f.created, uid)
		delete(f.deleted, uid)
	}
}

func (f *inFlight) isCreated(uid string) bool { return f.has(f.created, uid) }
func (f *inFlight) isDeleted(uid string) bool { return f.has(f.deleted, uid) }

func (f *inFlight) has(m map[string]time.Time, uid string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	at, ok := m[uid]
	if ok && time.Since(at) > f.timeout {
		delete(m, uid)
		return false
	}
	return ok
}
