// Package controllertest has the fakes reconciler tests use: a Lister over
// a map, a Writer that records every write, and an EventRecorder that
// records every event. Tests call a reconciler's sync directly and compare
// the recorded actions with the expected ones.
package controllertest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/controller"
)

// Lister is an in-memory controller.Lister.
type Lister struct {
	mu      sync.Mutex
	objs    map[string]api.Object
	indexes map[string]func(api.Object) []string
}

var _ controller.Lister = (*Lister)(nil)

// NewLister returns a Lister holding objs.
func NewLister(objs ...api.Object) *Lister {
	l := &Lister{objs: map[string]api.Object{}, indexes: map[string]func(api.Object) []string{}}
	for _, o := range objs {
		l.Add(o)
	}
	return l
}

// AddIndex registers an index, as Informer.AddIndex does.
func (l *Lister) AddIndex(name string, fn func(api.Object) []string) *Lister {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.indexes[name] = fn
	return l
}

// Add puts obj in the cache (replacing one with the same key).
func (l *Lister) Add(obj api.Object) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.objs[client.KeyOf(obj)] = obj
}

// Delete removes the object with key.
func (l *Lister) Delete(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.objs, key)
}

// Get returns the object with key.
func (l *Lister) Get(key string) (api.Object, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o, ok := l.objs[key]
	return o, ok
}

// List returns every object, sorted by key.
func (l *Lister) List() []api.Object {
	l.mu.Lock()
	defer l.mu.Unlock()
	keys := make([]string, 0, len(l.objs))
	for k := range l.objs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]api.Object, 0, len(keys))
	for _, k := range keys {
		out = append(out, l.objs[k])
	}
	return out
}

// ByIndex returns the objects whose index values include value.
func (l *Lister) ByIndex(index, value string) []api.Object {
	fn, ok := l.indexes[index]
	if !ok {
		panic("controllertest: no index " + index)
	}
	var out []api.Object
	for _, o := range l.List() {
		for _, v := range fn(o) {
			if v == value {
				out = append(out, o)
				break
			}
		}
	}
	return out
}

// Action is one recorded write.
type Action struct {
	Verb      string // create, update, updateStatus, patch, delete
	Resource  string // pods, replicasets, …
	Namespace string
	Name      string
	Object    api.Object // the object sent (create, update, updateStatus)
	Patch     string     // the patch body (patch)
	Options   *api.DeleteOptions
}

// String is "verb resource namespace/name", the form tests compare.
func (a Action) String() string {
	if a.Namespace == "" {
		return fmt.Sprintf("%s %s %s", a.Verb, a.Resource, a.Name)
	}
	return fmt.Sprintf("%s %s %s/%s", a.Verb, a.Resource, a.Namespace, a.Name)
}

// Writer records writes. It answers them as a server would (generated
// names are name prefixes plus a counter), or with the error set in Fail
// for "verb resource".
type Writer struct {
	mu      sync.Mutex
	Actions []Action
	Fail    map[string]error
	seq     int
}

var _ controller.Writer = (*Writer)(nil)

func (w *Writer) record(a Action) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.Actions = append(w.Actions, a)
	return w.Fail[a.Verb+" "+a.Resource]
}

func resourceName(obj api.Object) string {
	r, ok := api.ResourceOf(obj)
	if !ok {
		panic(fmt.Sprintf("controllertest: %T is not a registered kind", obj))
	}
	return r.Name
}

// Create records a create and returns a copy with the name filled in.
func (w *Writer) Create(_ context.Context, obj api.Object) (api.Object, error) {
	out := api.DeepCopy(obj)
	m := out.GetObjectMeta()
	if m.Name == "" && m.GenerateName != "" {
		w.mu.Lock()
		w.seq++
		m.Name = fmt.Sprintf("%s%05d", m.GenerateName, w.seq)
		w.mu.Unlock()
	}
	if m.UID == "" {
		m.UID = "uid-" + m.Name
	}
	if err := w.record(Action{Verb: "create", Resource: resourceName(obj), Namespace: m.Namespace, Name: m.Name, Object: out}); err != nil {
		return nil, err
	}
	return out, nil
}

// Update records an update.
func (w *Writer) Update(_ context.Context, obj api.Object) (api.Object, error) {
	m := obj.GetObjectMeta()
	if err := w.record(Action{Verb: "update", Resource: resourceName(obj), Namespace: m.Namespace, Name: m.Name, Object: api.DeepCopy(obj)}); err != nil {
		return nil, err
	}
	return api.DeepCopy(obj), nil
}

// UpdateStatus records a status update.
func (w *Writer) UpdateStatus(_ context.Context, obj api.Object) (api.Object, error) {
	m := obj.GetObjectMeta()
	if err := w.record(Action{Verb: "updateStatus", Resource: resourceName(obj), Namespace: m.Namespace, Name: m.Name, Object: api.DeepCopy(obj)}); err != nil {
		return nil, err
	}
	return api.DeepCopy(obj), nil
}

// Patch records a patch; it returns no object.
func (w *Writer) Patch(_ context.Context, res api.Resource, namespace, name, patchType string, data []byte) (api.Object, error) {
	if err := w.record(Action{Verb: "patch", Resource: res.Name, Namespace: namespace, Name: name, Patch: string(data)}); err != nil {
		return nil, err
	}
	obj := res.New()
	obj.GetObjectMeta().Name, obj.GetObjectMeta().Namespace = name, namespace
	return obj, nil
}

// Delete records a delete.
func (w *Writer) Delete(_ context.Context, res api.Resource, namespace, name string, opts *api.DeleteOptions) error {
	return w.record(Action{Verb: "delete", Resource: res.Name, Namespace: namespace, Name: name, Options: opts})
}

// Strings returns the recorded actions as strings, in order.
func (w *Writer) Strings() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, len(w.Actions))
	for i, a := range w.Actions {
		out[i] = a.String()
	}
	return out
}

// Reset forgets the recorded actions.
func (w *Writer) Reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.Actions = nil
}

// Recorder records events as "Type Reason Message".
type Recorder struct {
	mu     sync.Mutex
	Events []string
}

var _ controller.EventRecorder = (*Recorder)(nil)

// Event records an event.
func (r *Recorder) Event(_ api.Object, eventType, reason, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Events = append(r.Events, strings.Join([]string{eventType, reason, message}, " "))
}

// Eventf records a formatted event.
func (r *Recorder) Eventf(obj api.Object, eventType, reason, format string, args ...any) {
	r.Event(obj, eventType, reason, fmt.Sprintf(format, args...))
}
