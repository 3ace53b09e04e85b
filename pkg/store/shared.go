package store

import "sync"

// A hundred kubelets watching pods each turn every pod event into an
// object to match against their node, and the informers of the
// scheduler and the controllers each turn it into the same JSON line:
// the same work, a hundred times. So every event the Broadcaster hands
// out carries one Shared, the same for all its watchers, where the first
// watcher to need something derived from the event (a decoded object,
// an encoded line) keeps it for the others, as Kubernetes' watch cache
// decodes each event once and encodes it once per format.
//
// What is kept stays as long as the event is in the hub's window of
// recent events; a watcher far enough behind to hold an event that has
// left it derives the values again.

// Shared holds the values derived from one event, by key. The zero value
// is empty and ready; a nil *Shared keeps nothing, and Do then computes
// every time. Values must not be changed once made: every watcher gets
// the same one.
type Shared struct {
	mu     sync.Mutex
	values map[any]*sharedValue
}

type sharedValue struct {
	once sync.Once
	v    any
}

// Do returns the value kept under key, calling derive, once, to make it
// when there is none; callers that ask for the same key meanwhile wait
// for that call.
func (s *Shared) Do(key any, derive func() any) any {
	if s == nil {
		return derive()
	}
	s.mu.Lock()
	v := s.values[key]
	if v == nil {
		if s.values == nil {
			s.values = map[any]*sharedValue{}
		}
		v = &sharedValue{}
		s.values[key] = v
	}
	s.mu.Unlock()
	v.once.Do(func() { v.v = derive() })
	return v.v
}

// forget lets the values go, when the event leaves the window.
func (s *Shared) forget() {
	s.mu.Lock()
	s.values = nil
	s.mu.Unlock()
}
