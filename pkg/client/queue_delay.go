package client

import (
	"container/heap"
	"time"
)

// Delayed adds. A pod waiting for an image asks to be looked at again in
// a few seconds, every time anything about it changes; a failing key asks
// again after each failure. If every such request started its own timer,
// a key asked for five times would be synced five times. So the queue
// keeps each waiting key once, with the earliest deadline asked for, in a
// heap ordered by deadline, and one timer set for the head of the heap.
// This is client-go's delaying queue (util/workqueue/delaying_queue.go),
// with a timer in place of its goroutine.

// AddAfter adds key once d has passed. A key already waiting for an
// earlier or equal deadline stays as it is; one waiting for a later
// deadline is moved up to this one. As in client-go, an Add meanwhile does
// not cancel the wait: the key is synced then, and again when its time
// comes.
func (q *Queue) AddAfter(key string, d time.Duration) {
	if d <= 0 {
		q.Add(key)
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.shutdown {
		return
	}
	q.delayed.wait(key, time.Now().Add(d))
	q.armLocked()
}

// armLocked sets the timer for the earliest deadline, unless it is set
// for that time or sooner already.
func (q *Queue) armLocked() {
	next, ok := q.delayed.next()
	if !ok || (!q.delayed.armedAt.IsZero() && !next.Before(q.delayed.armedAt)) {
		return
	}
	q.delayed.armedAt = next
	if q.delayed.timer == nil {
		q.delayed.timer = time.AfterFunc(time.Until(next), q.addDue)
		return
	}
	q.delayed.timer.Reset(time.Until(next))
}

// addDue runs when the timer fires: it adds every key whose time has
// come, and sets the timer for the next one.
func (q *Queue) addDue() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.delayed.armedAt = time.Time{}
	for _, key := range q.delayed.due(time.Now()) {
		q.addLocked(key)
	}
	q.armLocked()
}

// delayed holds the keys waiting to be added, each once. The Queue's
// mutex guards it.
type delayed struct {
	byKey   map[string]*waiting
	order   waitHeap    // earliest deadline first
	timer   *time.Timer // calls addDue; nil until the first AddAfter
	armedAt time.Time   // when the timer fires; zero when it is not set
}

type waiting struct {
	key   string
	at    time.Time
	index int // in order, kept by the heap
}

func newDelayed() delayed { return delayed{byKey: map[string]*waiting{}} }

// wait records that key is due at at, unless it is due sooner already.
func (d *delayed) wait(key string, at time.Time) {
	if w, ok := d.byKey[key]; ok {
		if at.Before(w.at) {
			w.at = at
			heap.Fix(&d.order, w.index)
		}
		return
	}
	w := &waiting{key: key, at: at}
	d.byKey[key] = w
	heap.Push(&d.order, w)
}

// next is the earliest deadline, if any key waits.
func (d *delayed) next() (time.Time, bool) {
	if len(d.order) == 0 {
		return time.Time{}, false
	}
	return d.order[0].at, true
}

// due removes and returns the keys due by now, earliest first.
func (d *delayed) due(now time.Time) []string {
	var keys []string
	for len(d.order) > 0 && !d.order[0].at.After(now) {
		w := heap.Pop(&d.order).(*waiting)
		delete(d.byKey, w.key)
		keys = append(keys, w.key)
	}
	return keys
}

// stop drops every waiting key, for ShutDown.
func (d *delayed) stop() {
	if d.timer != nil {
		d.timer.Stop()
	}
	d.byKey, d.order, d.armedAt = map[string]*waiting{}, nil, time.Time{}
}

// waitHeap is a container/heap of waiting keys, earliest first.
type waitHeap []*waiting

func (h waitHeap) Len() int           { return len(h) }
func (h waitHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h waitHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *waitHeap) Push(x any) {
	w := x.(*waiting)
	w.index = len(*h)
	*h = append(*h, w)
}

func (h *waitHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return w
}
