package dashboard

import (
	"sync"

	"kubelab/pkg/api"
)

// The hub carries what the informers see to the open pages. Like a
// controller's queue it carries little: a change names the object, and
// the page reads the object's latest state from the caches when it
// renders. So a page that falls behind loses nothing by merging changes,
// and one that falls too far behind renders itself whole instead.

// Kinds of change.
const (
	opAdded    = "added"
	opModified = "modified"
	opDeleted  = "deleted"
)

// change is one object added, modified or deleted, reduced to what a view
// needs to decide whether it shows it.
type change struct {
	op        string
	kind      string // Pod, Node, Event, ...
	namespace string
	name      string
	// nodes are, for a pod, the nodes it was and is on ("" for none):
	// the columns of the cluster map it leaves and enters.
	nodes []string
	// involved is, for an event, the object it is about, as
	// "Kind/namespace/name".
	involved string
}

// changeOf describes a change from the object before (nil when added)
// and after (nil when deleted).
func changeOf(op string, old, new api.Object) change {
	obj := new
	if obj == nil {
		obj = old
	}
	m := obj.GetObjectMeta()
	c := change{op: op, kind: kindOf(obj), namespace: m.Namespace, name: m.Name}
	switch o := obj.(type) {
	case *api.Pod:
		c.nodes = []string{o.Spec.NodeName}
		if p, ok := old.(*api.Pod); ok && p.Spec.NodeName != o.Spec.NodeName {
			c.nodes = append(c.nodes, p.Spec.NodeName)
		}
	case *api.Event:
		c.involved = involvedKey(o.InvolvedObject)
	}
	return c
}

// kindOf is an object's kind, from its Go type: informers fill TypeMeta
// in, but a test's objects need not.
func kindOf(obj api.Object) string {
	if k := obj.GetTypeMeta().Kind; k != "" {
		return k
	}
	if res, ok := api.ResourceOf(obj); ok {
		return res.Kind
	}
	return ""
}

// involvedKey is how events are matched with the object they are about.
func involvedKey(ref api.ObjectReference) string {
	return ref.Kind + "/" + ref.Namespace + "/" + ref.Name
}

// maxPending bounds the changes a subscription holds. Past it the page is
// rendered whole, whatever the changes were, so a stalled browser costs
// the dashboard no more memory than this.
const maxPending = 1024

// hub fans changes out to subscriptions, one per open page.
type hub struct {
	mu   sync.Mutex
	seq  uint64 // counts every change ever published
	subs map[*subscription]struct{}
}

func newHub() *hub { return &hub{subs: map[*subscription]struct{}{}} }

// subscription is one page's share of the changes. publish never blocks
// on it: the changes wait in pending, and wake says there are some.
type subscription struct {
	wake chan struct{} // capacity 1

	mu       sync.Mutex
	pending  []change
	overflow bool // more than maxPending came: render everything
}

// publish hands c to every subscription.
func (h *hub) publish(c change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	for s := range h.subs {
		s.add(c)
	}
}

// subscribe starts a subscription. seq is the number of changes published
// before it: a page rendered when seq was the same has missed none.
func (h *hub) subscribe() (s *subscription, seq uint64) {
	s = &subscription{wake: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs[s] = struct{}{}
	return s, h.seq
}

// unsubscribe ends s.
func (h *hub) unsubscribe(s *subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, s)
}

// sequence is the number of changes published so far.
func (h *hub) sequence() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seq
}

// subscribers counts the open subscriptions.
func (h *hub) subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func (s *subscription) add(c change) {
	s.mu.Lock()
	if !s.overflow {
		if len(s.pending) == maxPending {
			s.pending, s.overflow = nil, true
		} else {
			s.pending = append(s.pending, c)
		}
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// take returns the changes waiting and whether some were dropped, and
// starts afresh.
func (s *subscription) take() ([]change, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pending, overflow := s.pending, s.overflow
	s.pending, s.overflow = nil, false
	return pending, overflow
}
