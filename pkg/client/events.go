package client

import (
	"container/list"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
)

const (
	eventBuffer      = 1000             // events waiting to be written before Event drops them
	aggregateWindow  = 10 * time.Minute // repeats within this window bump a count instead of making a new Event
	rememberedEvents = 4096             // how many recent events the recorder remembers for aggregation
)

// Recorder writes Events about objects ("Scheduled", "SuccessfulCreate" …)
// for `kctl describe` to show. Event never blocks: it puts the event in a
// buffer that a goroutine started by Run writes out. If the same event
// (same object, type, reason and message) repeats within 10 minutes, the
// existing Event gets its count and lastTimestamp bumped instead, so a pod
// failing in a loop makes one Event, not thousands.
type Recorder struct {
	events *ResourceClient
	source api.EventSource
	log    *zap.Logger
	buffer chan *api.Event
	now    func() time.Time // a test sets the clock
	once   sync.Once

	recent *eventCache // only touched by Run's goroutine
}

// NewRecorder returns a recorder that signs its events with component and
// host (the node name, for a kubelet).
func NewRecorder(c *Client, component, host string, log *zap.Logger) *Recorder {
	if log == nil {
		log = zap.NewNop()
	}
	events, _ := api.Lookup("events")
	return &Recorder{
		events: c.Resource(events),
		source: api.EventSource{Component: component, Host: host},
		log:    log,
		buffer: make(chan *api.Event, eventBuffer),
		now:    time.Now,
		recent: newEventCache(rememberedEvents),
	}
}

// Event records that something happened to obj. eventType is
// api.EventNormal or api.EventWarning; reason is one CamelCase word.
func (r *Recorder) Event(obj api.Object, eventType, reason, message string) {
	ev := r.newEvent(obj, eventType, reason, message)
	select {
	case r.buffer <- ev:
	default:
		r.log.Warn("event buffer full; dropping event", zap.String("object", KeyOf(obj)),
			zap.String("reason", reason), zap.String("message", message))
	}
}

// Eventf is Event with a format string.
func (r *Recorder) Eventf(obj api.Object, eventType, reason, format string, args ...any) {
	r.Event(obj, eventType, reason, fmt.Sprintf(format, args...))
}

// Run starts the goroutine that writes events, and returns. The goroutine
// stops when ctx is done; events still buffered then are dropped.
func (r *Recorder) Run(ctx context.Context) {
	r.once.Do(func() {
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case ev := <-r.buffer:
					r.write(ctx, ev)
				}
			}
		}()
	})
}

// newEvent builds the Event now, in the caller's goroutine, because the
// caller may change obj as soon as Event returns.
func (r *Recorder) newEvent(obj api.Object, eventType, reason, message string) *api.Event {
	m := obj.GetObjectMeta()
	ref := api.ObjectReference{Namespace: m.Namespace, Name: m.Name, UID: m.UID}
	if res, ok := api.ResourceOf(obj); ok {
		ref.APIVersion, ref.Kind = res.APIVersion(), res.Kind
	} else {
		ref.APIVersion, ref.Kind = obj.GetTypeMeta().APIVersion, obj.GetTypeMeta().Kind
	}
	ns := m.Namespace
	if ns == "" {
		ns = "default" // where Kubernetes keeps events about nodes and namespaces
	}
	now := api.NewTime(r.now())
	return &api.Event{
		ObjectMeta:          api.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("%s.%016x", m.Name, rand.Uint64())},
		InvolvedObject:      ref,
		Type:                eventType,
		Reason:              reason,
		Message:             message,
		Source:              r.source,
		FirstTimestamp:      now,
		LastTimestamp:       now,
		Count:               1,
		ReportingController: r.source.Component,
		ReportingInstance:   r.source.Host,
	}
}

// write creates ev, or bumps the count of the same event written recently.
func (r *Recorder) write(ctx context.Context, ev *api.Event) {
	key := aggregationKey(ev)
	log := r.log.With(zap.String("object", ev.InvolvedObject.Namespace+"/"+ev.InvolvedObject.Name), zap.String("reason", ev.Reason))
	if prev, ok := r.recent.get(key); ok && ev.LastTimestamp.Sub(prev.LastTimestamp.Time) < aggregateWindow {
		err := r.bump(ctx, prev, ev.LastTimestamp)
		if err == nil {
			return
		}
		if !IsNotFound(err) {
			log.Warn("could not update event", zap.Error(err))
			return
		}
		// The old Event is gone (expired or deleted): write a new one.
	}
	created, err := r.events.Create(ctx, ev)
	if err != nil {
		log.Warn("could not write event", zap.Error(err))
		return
	}
	r.recent.put(key, created.(*api.Event))
}

// bump adds one to prev's count with a merge patch.
func (r *Recorder) bump(ctx context.Context, prev *api.Event, at api.Time) error {
	patch, err := json.Marshal(map[string]any{"count": prev.Count + 1, "lastTimestamp": at})
	if err != nil {
		return err
	}
	if _, err := r.events.Namespace(prev.Namespace).Patch(ctx, prev.Name, MergePatch, patch, ""); err != nil {
		return err
	}
	prev.Count++
	prev.LastTimestamp = at
	return nil
}

// aggregationKey says which events are the same: same object, type, reason
// and message.
func aggregationKey(ev *api.Event) string {
	o := ev.InvolvedObject
	return strings.Join([]string{o.Kind, o.Namespace, o.Name, o.UID, ev.Type, ev.Reason, ev.Message}, "\x00")
}

// eventCache remembers the last few events written, forgetting the least
// recently used first.
type eventCache struct {
	max   int
	order *list.List // of *cacheEntry, most recently used first
	byKey map[string]*list.Element
}

type cacheEntry struct {
	key string
	ev  *api.Event
}

func newEventCache(max int) *eventCache {
	return &eventCache{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *eventCache) get(key string) (*api.Event, bool) {
	e, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cacheEntry).ev, true
}

func (c *eventCache) put(key string, ev *api.Event) {
	if e, ok := c.byKey[key]; ok {
		e.Value.(*cacheEntry).ev = ev
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(&cacheEntry{key: key, ev: ev})
	if c.order.Len() > c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.byKey, oldest.Value.(*cacheEntry).key)
	}
}
