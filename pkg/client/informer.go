package client

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
)

// Back-off between attempts to list and watch again.
const (
	relistMinDelay = 100 * time.Millisecond
	relistMaxDelay = 5 * time.Second
)

// KeyOf returns the key of an object in caches and queues:
// "namespace/name", or "name" for cluster-scoped objects.
func KeyOf(obj api.Object) string {
	m := obj.GetObjectMeta()
	if m.Namespace == "" {
		return m.Name
	}
	return m.Namespace + "/" + m.Name
}

// SplitKey undoes KeyOf.
func SplitKey(key string) (namespace, name string) {
	if ns, name, ok := strings.Cut(key, "/"); ok {
		return ns, name
	}
	return "", key
}

// Handler is told about changes to the cache. Nil funcs are skipped. On an
// update, old and new are the cached object before and after.
type Handler struct {
	OnAdd    func(obj api.Object)
	OnUpdate func(old, new api.Object)
	OnDelete func(obj api.Object)
}

// Informer keeps a local cache of one resource in step with the apiserver:
// it lists, then watches from the list's resourceVersion, and lists again
// whenever the watch ends. See the package documentation.
//
// Objects from Get, List, ByIndex and the handlers are shared with the
// cache and every other reader: copy them with api.DeepCopy before making
// changes. Handlers run on one goroutine, in the order of events, after
// the cache has changed; a handler must return quickly (add a key to a
// queue), or it holds up every event behind it.
type Informer struct {
	rc   *ResourceClient
	opts ListOptions
	log  *zap.Logger

	mu       sync.RWMutex
	items    map[string]api.Object                 // key → object
	indexers map[string]func(api.Object) []string  // index name → function giving an object's values
	indexes  map[string]map[string]map[string]bool // index name → value → keys
	handlers []Handler
	rv       string // the last resourceVersion seen

	synced     chan struct{} // closed after the first list
	syncedOnce sync.Once
}

// NewInformer returns an informer for rc's resource and namespace. opts may
// narrow it with label and field selectors (a kubelet watches
// spec.nodeName=its-node); other fields are managed by the informer.
func NewInformer(rc *ResourceClient, opts ListOptions, log *zap.Logger) *Informer {
	if log == nil {
		log = zap.NewNop()
	}
	return &Informer{
		rc:       rc,
		opts:     opts,
		log:      log.With(zap.String("resource", rc.res.Name)),
		items:    map[string]api.Object{},
		indexers: map[string]func(api.Object) []string{},
		indexes:  map[string]map[string]map[string]bool{},
		synced:   make(chan struct{}),
	}
}

// AddHandler registers h. Call it before Run.
func (i *Informer) AddHandler(h Handler) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.handlers = append(i.handlers, h)
}

// AddIndex keeps an index of the cache: fn gives the values an object is
// filed under (pods by node name, say), and ByIndex looks them up. Call it
// before Run.
func (i *Informer) AddIndex(name string, fn func(api.Object) []string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.indexers[name] = fn
	i.indexes[name] = map[string]map[string]bool{}
	for key, obj := range i.items {
		i.index(name, key, obj)
	}
}

// Run lists and watches until ctx is done. Whatever goes wrong (the server
// is down, the watch breaks, the resourceVersion has expired) it waits a
// little, longer each time, and starts again with a fresh list.
//
// Kubernetes' reflector resumes a broken watch from the last version and
// lists again only on 410 Gone; listing every time is simpler and costs
// one list.
func (i *Informer) Run(ctx context.Context) {
	delay := relistMinDelay
	for ctx.Err() == nil {
		start := time.Now()
		err := i.listAndWatch(ctx)
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > relistMaxDelay {
			delay = relistMinDelay // it ran well for a while: this is a fresh failure
		}
		i.log.Info("list and watch stopped; starting again", zap.Error(err), zap.Duration("after", delay))
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, relistMaxDelay)
	}
}

// listAndWatch does one round: list, fill the cache, watch until the watch
// ends. It returns why it ended.
func (i *Informer) listAndWatch(ctx context.Context) error {
	objs, rv, err := i.rc.List(ctx, ListOptions{
		LabelSelector: i.opts.LabelSelector,
		FieldSelector: i.opts.FieldSelector,
		Limit:         i.opts.Limit,
	})
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	i.replace(objs, rv)

	w, err := i.rc.Watch(ctx, ListOptions{
		LabelSelector:       i.opts.LabelSelector,
		FieldSelector:       i.opts.FieldSelector,
		ResourceVersion:     rv,
		TimeoutSeconds:      i.opts.TimeoutSeconds,
		AllowWatchBookmarks: true,
	})
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		i.apply(ev)
	}
	return w.Err()
}

// change is one thing handlers hear about: old nil for an add, new nil for
// a delete.
type change struct{ old, new api.Object }

// replace makes the cache equal to a fresh list and tells the handlers the
// difference. After a gap, that includes deletions the watch never saw.
func (i *Informer) replace(objs []api.Object, rv string) {
	fresh := make(map[string]api.Object, len(objs))
	for _, obj := range objs {
		fresh[KeyOf(obj)] = obj
	}
	var changes []change
	i.mu.Lock()
	for _, key := range slices.Sorted(maps.Keys(fresh)) {
		if c, ok := i.store(key, fresh[key]); ok {
			changes = append(changes, c)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(i.items)) {
		if _, ok := fresh[key]; !ok {
			c, _ := i.remove(key)
			changes = append(changes, c)
		}
	}
	i.rv = rv
	i.mu.Unlock()

	i.notify(changes)
	i.syncedOnce.Do(func() { close(i.synced) })
}

// apply puts one watch event into the cache and tells the handlers.
func (i *Informer) apply(ev Event) {
	key := KeyOf(ev.Object)
	var c change
	var ok bool
	i.mu.Lock()
	switch ev.Type {
	case api.Added, api.Modified:
		c, ok = i.store(key, ev.Object)
	case api.Deleted:
		if c, ok = i.remove(key); ok {
			c.old = ev.Object // the object's last state, as the server saw it
		}
	}
	if rv := ev.Object.GetObjectMeta().ResourceVersion; rv != "" {
		i.rv = rv // bookmarks only move this along
	}
	i.mu.Unlock()
	if ok {
		i.notify([]change{c})
	}
}

// store puts obj in the cache under key. It reports a change unless the
// cache already held this very version.
func (i *Informer) store(key string, obj api.Object) (change, bool) {
	old := i.items[key]
	i.items[key] = obj
	i.reindex(key, old, obj)
	if old != nil && old.GetObjectMeta().ResourceVersion == obj.GetObjectMeta().ResourceVersion {
		return change{}, false
	}
	return change{old: old, new: obj}, true
}

// remove takes key out of the cache, reporting whether it was there.
func (i *Informer) remove(key string) (change, bool) {
	old, ok := i.items[key]
	if !ok {
		return change{}, false
	}
	delete(i.items, key)
	i.reindex(key, old, nil)
	return change{old: old}, true
}

// notify calls the handlers, outside the lock so that they may read the
// cache.
func (i *Informer) notify(changes []change) {
	i.mu.RLock()
	handlers := i.handlers
	i.mu.RUnlock()
	for _, c := range changes {
		for _, h := range handlers {
			switch {
			case c.old == nil && h.OnAdd != nil:
				h.OnAdd(c.new)
			case c.new == nil && h.OnDelete != nil:
				h.OnDelete(c.old)
			case c.old != nil && c.new != nil && h.OnUpdate != nil:
				h.OnUpdate(c.old, c.new)
			}
		}
	}
}

// reindex moves key from old's index entries to new's.
func (i *Informer) reindex(key string, old, new api.Object) {
	for name, fn := range i.indexers {
		if old != nil {
			idx := i.indexes[name]
			for _, v := range fn(old) {
				delete(idx[v], key)
				if len(idx[v]) == 0 {
					delete(idx, v)
				}
			}
		}
		if new != nil {
			i.index(name, key, new)
		}
	}
}

func (i *Informer) index(name, key string, obj api.Object) {
	idx := i.indexes[name]
	for _, v := range i.indexers[name](obj) {
		if idx[v] == nil {
			idx[v] = map[string]bool{}
		}
		idx[v][key] = true
	}
}

// HasSynced reports whether the first list has filled the cache and been
// handed to the handlers. Until then, an empty cache means nothing.
func (i *Informer) HasSynced() bool {
	select {
	case <-i.synced:
		return true
	default:
		return false
	}
}

// WaitForSync waits until HasSynced or ctx is done, and reports which.
func (i *Informer) WaitForSync(ctx context.Context) bool {
	select {
	case <-i.synced:
		return true
	case <-ctx.Done():
		return false
	}
}

// WaitForSync waits for every informer; a controller calls it before
// starting its workers, so that they never act on a half-filled cache.
func WaitForSync(ctx context.Context, infs ...*Informer) bool {
	for _, inf := range infs {
		if !inf.WaitForSync(ctx) {
			return false
		}
	}
	return true
}

// Get returns the cached object with key ("namespace/name" or "name").
func (i *Informer) Get(key string) (api.Object, bool) {
	i.mu.RLock()
	defer i.mu.RUnlock()
	obj, ok := i.items[key]
	return obj, ok
}

// List returns every cached object, sorted by key.
func (i *Informer) List() []api.Object {
	i.mu.RLock()
	defer i.mu.RUnlock()
	return i.lookup(slices.Sorted(maps.Keys(i.items)))
}

// ByIndex returns the objects filed under value in the named index,
// sorted by key.
func (i *Informer) ByIndex(name, value string) []api.Object {
	i.mu.RLock()
	defer i.mu.RUnlock()
	return i.lookup(slices.Sorted(maps.Keys(i.indexes[name][value])))
}

func (i *Informer) lookup(keys []string) []api.Object {
	out := make([]api.Object, 0, len(keys))
	for _, k := range keys {
		out = append(out, i.items[k])
	}
	return out
}

// LastResourceVersion is the newest resourceVersion the informer has seen,
// from a list, an event or a bookmark.
func (i *Informer) LastResourceVersion() string {
	i.mu.RLock()
	defer i.mu.RUnlock()
	return i.rv
}

// Lister reads objects from a cache; *Informer is one, and tests pass a
// slice behind the same method.
type Lister interface {
	List() []api.Object
}

// ListOf lists l's objects of type T (a nil l lists none), so a caller
// reads typed objects without a type switch of its own.
func ListOf[T api.Object](l Lister) []T {
	if l == nil {
		return nil
	}
	objs := l.List()
	out := make([]T, 0, len(objs))
	for _, o := range objs {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	}
	return out
}
