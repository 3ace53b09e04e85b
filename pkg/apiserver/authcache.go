package apiserver

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
	"kubelab/pkg/store"
)

// The authorizers run on every request, so they read from memory: the
// apiserver keeps every Role, ClusterRole, binding and Pod in caches fed
// by a list and then a watch of its own store, as Kubernetes' apiserver
// feeds its RBAC and Node authorizers from informers. A change reaches
// the caches within milliseconds of its write; a request in between is
// judged on what the cache held, in Kubernetes as here.

// objectCache holds every object of one resource, by store key, with an
// optional index (pods by node).
type objectCache struct {
	s     *Server
	res   api.Resource
	index func(api.Object) string // nil: no index

	mu      sync.RWMutex
	objs    map[string]api.Object
	byIndex map[string]map[string]api.Object
	synced  chan struct{} // closed after the first list
	once    sync.Once
}

func newObjectCache(s *Server, resource string, index func(api.Object) string) *objectCache {
	return &objectCache{s: s, res: mustResource(resource), index: index, objs: map[string]api.Object{},
		byIndex: map[string]map[string]api.Object{}, synced: make(chan struct{})}
}

// run lists, then watches from the list's revision, until ctx ends. A
// watch that ends (too slow, compacted, etcd restarting) is followed by a
// fresh list, as an informer does.
func (c *objectCache) run(ctx context.Context) {
	log := c.s.log.Named("authcache").With(zap.String("resource", c.res.Name))
	for ctx.Err() == nil {
		err := c.listAndWatch(ctx)
		if ctx.Err() != nil {
			return
		}
		log.Info("watch ended; listing again", zap.Error(err))
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *objectCache) listAndWatch(ctx context.Context) error {
	prefix := store.Prefix(c.res.Name, "")
	kvs, rev, err := c.s.store.List(ctx, prefix)
	if err != nil {
		return err
	}
	fresh := make(map[string]api.Object, len(kvs))
	for _, kv := range kvs {
		if obj, err := c.s.decodeStored(c.res, kv); err == nil {
			fresh[kv.Key] = obj
		}
	}
	c.replace(fresh)
	c.once.Do(func() { close(c.synced) })
	events, errc, err := c.s.watches.Watch(ctx, prefix, rev, 4096)
	if err != nil {
		return err
	}
	for e := range events {
		if e.Type == store.Delete {
			c.set(e.KV.Key, nil)
			continue
		}
		obj, err := c.s.eventObject(c.res, e, false) // shared with the watchers of the event
		if err != nil {
			continue
		}
		c.set(e.KV.Key, obj)
	}
	err = <-errc
	if err == nil {
		err = errors.New("the watch closed")
	}
	return err
}

func (c *objectCache) replace(objs map[string]api.Object) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.objs = objs
	c.byIndex = map[string]map[string]api.Object{}
	if c.index != nil {
		for key, obj := range objs {
			c.addIndex(key, obj)
		}
	}
}

// set stores obj under key; nil removes it.
func (c *objectCache) set(key string, obj api.Object) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.objs[key]; ok && c.index != nil {
		if m := c.byIndex[c.index(old)]; m != nil {
			delete(m, key)
			if len(m) == 0 {
				delete(c.byIndex, c.index(old))
			}
		}
	}
	if obj == nil {
		delete(c.objs, key)
		return
	}
	c.objs[key] = obj
	if c.index != nil {
		c.addIndex(key, obj)
	}
}

func (c *objectCache) addIndex(key string, obj api.Object) {
	v := c.index(obj)
	if v == "" {
		return
	}
	m := c.byIndex[v]
	if m == nil {
		m = map[string]api.Object{}
		c.byIndex[v] = m
	}
	m[key] = obj
}

// get returns one object; the caller must not modify it.
func (c *objectCache) get(namespace, name string) (api.Object, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	obj, ok := c.objs[store.Key(c.res.Name, namespace, name)]
	return obj, ok
}

// list returns the objects in namespace ("" for all, or cluster-scoped).
func (c *objectCache) list(namespace string) []api.Object {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]api.Object, 0, len(c.objs))
	for _, obj := range c.objs {
		if namespace == "" || obj.GetObjectMeta().Namespace == namespace {
			out = append(out, obj)
		}
	}
	return out
}

// indexed returns the objects whose index value is v.
func (c *objectCache) indexed(v string) []api.Object {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]api.Object, 0, len(c.byIndex[v]))
	for _, obj := range c.byIndex[v] {
		out = append(out, obj)
	}
	return out
}

// authCaches are the caches the authorizers read.
type authCaches struct {
	roles, clusterRoles, roleBindings, clusterRoleBindings, pods *objectCache
	serviceAccounts                                              *objectCache // for ServiceAccount tokens (tokens.go)
}

func newAuthCaches(s *Server) *authCaches {
	return &authCaches{
		roles:        newObjectCache(s, "roles", nil),
		clusterRoles: newObjectCache(s, "clusterroles", nil),
		roleBindings: newObjectCache(s, "rolebindings", func(o api.Object) string {
			return o.GetObjectMeta().Namespace // every request reads its namespace's bindings
		}),
		clusterRoleBindings: newObjectCache(s, "clusterrolebindings", nil),
		pods: newObjectCache(s, "pods", func(o api.Object) string {
			return o.(*api.Pod).Spec.NodeName
		}),
		serviceAccounts: newObjectCache(s, "serviceaccounts", nil),
	}
}

func (a *authCaches) all() []*objectCache {
	return []*objectCache{a.roles, a.clusterRoles, a.roleBindings, a.clusterRoleBindings, a.pods, a.serviceAccounts}
}

// RunAuthorizerCaches fills the authorizers' caches and keeps them up to
// date until ctx ends. Until they have listed once, requests that need
// authorization wait for them (cachesReady).
func (s *Server) RunAuthorizerCaches(ctx context.Context) {
	var wg sync.WaitGroup
	for _, c := range s.caches.all() {
		wg.Go(func() { c.run(ctx) })
	}
	wg.Wait()
}

// cachesReady waits, for as long as ctx allows, until every cache has
// listed once.
func (s *Server) cachesReady(ctx context.Context) bool {
	for _, c := range s.caches.all() {
		select {
		case <-c.synced:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// rbacSource is auth.RuleSource over the caches.
type rbacSource struct{ c *authCaches }

func (r rbacSource) Role(namespace, name string) (*api.Role, bool) {
	o, ok := r.c.roles.get(namespace, name)
	if !ok {
		return nil, false
	}
	return o.(*api.Role), true
}

func (r rbacSource) ClusterRole(name string) (*api.ClusterRole, bool) {
	o, ok := r.c.clusterRoles.get("", name)
	if !ok {
		return nil, false
	}
	return o.(*api.ClusterRole), true
}

func (r rbacSource) RoleBindings(namespace string) []*api.RoleBinding {
	objs := r.c.roleBindings.indexed(namespace)
	out := make([]*api.RoleBinding, len(objs))
	for i, o := range objs {
		out[i] = o.(*api.RoleBinding)
	}
	return out
}

func (r rbacSource) ClusterRoleBindings() []*api.ClusterRoleBinding {
	objs := r.c.clusterRoleBindings.list("")
	out := make([]*api.ClusterRoleBinding, len(objs))
	for i, o := range objs {
		out[i] = o.(*api.ClusterRoleBinding)
	}
	return out
}

// nodeGraph is auth.NodeGraph over the pod cache.
type nodeGraph struct {
	c *authCaches
	s *Server
}

func (g nodeGraph) PodsOnNode(node string) []*api.Pod {
	objs := g.c.pods.indexed(node)
	out := make([]*api.Pod, len(objs))
	for i, o := range objs {
		out[i] = o.(*api.Pod)
	}
	return out
}

// Pod reads the cache, and the store when the cache has not seen the pod:
// a pod created a moment ago must not pass for a missing one.
func (g nodeGraph) Pod(namespace, name string) (*api.Pod, bool) {
	return saLookup{g.s}.Pod(namespace, name)
}

var (
	_ auth.RuleSource = rbacSource{}
	_ auth.NodeGraph  = nodeGraph{}
)

// authorizeNodeAfresh asks the node authorizer again, over the pods the
// store holds now, when it refused a kubelet something in one namespace:
// a kubelet sees a pod bound to it through its own watch, and may ask for
// the pod's Secret or token a moment before the authorizer's cache has
// the pod. Only a refusal costs this read, of one namespace's pods.
func (s *Server) authorizeNodeAfresh(ctx context.Context, a auth.Attributes, d auth.Decision, reason string, err error) (auth.Decision, string, error) {
	if _, isNode := auth.NodeName(a.User); !isNode || !a.ResourceRequest || a.Namespace == "" || d == auth.Deny {
		return d, reason, err
	}
	kvs, _, lerr := s.store.List(ctx, store.Prefix("pods", a.Namespace))
	if lerr != nil {
		return d, reason, err
	}
	g := freshGraph{s: s, pods: map[string][]*api.Pod{}}
	for _, kv := range kvs {
		if obj, derr := s.decodeStored(mustResource("pods"), kv); derr == nil {
			pod := obj.(*api.Pod)
			g.pods[pod.Spec.NodeName] = append(g.pods[pod.Spec.NodeName], pod)
		}
	}
	return auth.NewNodeAuthorizer(g).Authorize(ctx, a)
}

// freshGraph is auth.NodeGraph over one namespace's pods, read from the
// store.
type freshGraph struct {
	s    *Server
	pods map[string][]*api.Pod // by node
}

func (g freshGraph) PodsOnNode(node string) []*api.Pod { return g.pods[node] }

func (g freshGraph) Pod(namespace, name string) (*api.Pod, bool) {
	return saLookup{g.s}.Pod(namespace, name)
}
