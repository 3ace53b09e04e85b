package proxy

import (
	"slices"
	"sync"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// This file tells the changes that matter from those that do not.
//
// Many changes to Services and Endpoints alter no rule. A new pod first
// appears in its Service's Endpoints under notReadyAddresses, which the
// rules ignore, and a second or so later moves to addresses when it turns
// ready. A Service's status is written, a label added. If each such
// change cost a sync, it would also spend one of the syncs the rate
// limit allows (runner.go), and the change that matters — the pod turning
// ready — would wait for the next.
//
// So the proxy notes which services changed (by their key, "ns/name",
// which a Service and its Endpoints share), and before it asks for a
// sync it computes the ServicePorts of those services alone and compares
// them with the ones the last sync applied. The rules of a service port
// are a function of its ServicePort and the node (rules.go), so equal
// ServicePorts mean equal rules: nothing to do. That costs a pass over
// the caches, not a restore. A change of the nodes may change any rule:
// it asks for a sync without looking.
//
// The keys of the changes that do need a sync also tell the sync which
// services to make rules for again: Run collects them in a changeSet, and
// a mode that can (nftables, nftparts.go) makes only those services'
// rules again instead of everyone's.
//
// kube-proxy does the like with its change trackers
// (pkg/proxy/servicechangetracker.go, endpointschangetracker.go), which
// keep the ServicePorts of every service between syncs.

// changeSet is what changed: the keys of some services, or with all,
// anything (a node changed, or nobody knows what changed).
type changeSet struct {
	keys map[string]bool
	all  bool
}

// everything is the changeSet of anything.
var everything = changeSet{all: true}

// merge adds o to c; c's map may be changed.
func (c changeSet) merge(o changeSet) changeSet {
	if c.all || o.all {
		return everything
	}
	if c.keys == nil {
		return o
	}
	for k := range o.keys {
		c.keys[k] = true
	}
	return c
}

// changes collects what changed since the proxy last looked. Informer
// handlers add to it; Run takes it.
type changes struct {
	mu       sync.Mutex
	keys     map[string]bool // services whose Service or Endpoints changed
	all      bool            // something that may touch any rule changed (a node)
	services bool            // a Service object changed: its load balancer status may need writing
}

func (c *changes) add(key string, service bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil {
		c.keys = map[string]bool{}
	}
	c.keys[key] = true
	c.services = c.services || service
}

func (c *changes) addAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.all = true
}

// take returns what changed and starts afresh.
func (c *changes) take() (keys map[string]bool, all, services bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys, all, services = c.keys, c.all, c.services
	c.keys, c.all, c.services = nil, false, false
	return keys, all, services
}

// objectChanged notes a change of a Service or an Endpoints object, and
// asks Run to look.
func (p *Proxier) objectChanged(obj api.Object) {
	switch obj.(type) {
	case *api.Service:
		p.pending.add(client.KeyOf(obj), true)
	case *api.Endpoints:
		p.pending.add(client.KeyOf(obj), false)
	default:
		p.pending.addAll()
	}
	p.wake()
}

// needsSync takes the changes noted so far and reports whether they may
// alter a rule: whether a sync is needed, and for what. Only Run's
// goroutine calls it, the one that owns p.applied.
func (p *Proxier) needsSync() (changeSet, bool) {
	keys, all, services := p.pending.take()
	if services {
		p.statusDue() // a Service may want a load balancer status without any rule changing
	}
	if all || p.applied == nil {
		return everything, true
	}
	if len(keys) == 0 || p.sameRules(keys) {
		if len(keys) > 0 {
			p.metrics.changesSkipped.Inc()
		}
		return changeSet{}, false
	}
	return changeSet{keys: keys}, true
}

// sameRules reports whether the services keys would get the rules the
// last sync applied: whether their ServicePorts, computed from the caches
// now, equal the applied ones.
func (p *Proxier) sameRules(keys map[string]bool) bool {
	services, endpoints := p.objectsOf(keys)
	now := servicePorts(services, endpoints, p.appliedNode)
	var applied []ServicePort
	for _, sp := range p.applied.servicePorts() {
		if keys[serviceOf(sp.Name)] {
			applied = append(applied, sp)
		}
	}
	return slices.EqualFunc(now, applied, ServicePort.equal)
}

// equal reports whether two ServicePorts are the same in every field.
func (sp ServicePort) equal(o ServicePort) bool {
	return sp.Name == o.Name && sp.Protocol == o.Protocol && sp.ClusterIP == o.ClusterIP &&
		sp.Port == o.Port && sp.NodePort == o.NodePort && sp.Local == o.Local && sp.Affinity == o.Affinity &&
		slices.Equal(sp.External, o.External) && slices.Equal(sp.Endpoints, o.Endpoints) && slices.Equal(sp.Refused, o.Refused)
}
