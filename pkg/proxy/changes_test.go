package proxy

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// Which changes ask for a sync: only those that alter a rule.
func TestNeedsSync(t *testing.T) {
	kubia := service("default", "kubia", "10.96.0.10")
	headless := service("default", "db", "None")
	ready := endpoints("default", "kubia", "10.244.1.2")
	withNotReady := func(ep *api.Endpoints, ips ...string) *api.Endpoints {
		ep = api.DeepCopy(ep)
		if len(ep.Subsets) == 0 {
			ep.Subsets = []api.EndpointSubset{{Ports: []api.EndpointPort{{Name: "http", Port: 8080, Protocol: "TCP"}}}}
		}
		for _, ip := range ips {
			ep.Subsets[0].NotReadyAddresses = append(ep.Subsets[0].NotReadyAddresses, api.EndpointAddress{IP: ip})
		}
		return ep
	}
	tests := []struct {
		name       string
		services   []api.Object
		endpoints  []api.Object
		event      func(p *Proxier) // what the informers report
		wantSync   bool
		wantStatus bool // the load balancer statuses are looked at
		noRules    bool // a sync is needed, but writes no rule
	}{{
		name:     "a new pod, not ready yet, in notReadyAddresses",
		services: []api.Object{kubia, headless}, endpoints: []api.Object{withNotReady(ready, "10.244.1.3")},
		event:    func(p *Proxier) { p.Handler().OnUpdate(ready, withNotReady(ready, "10.244.1.3")) },
		wantSync: false,
	}, {
		name:     "that pod turns ready",
		services: []api.Object{kubia, headless}, endpoints: []api.Object{endpoints("default", "kubia", "10.244.1.2", "10.244.1.3")},
		event: func(p *Proxier) {
			p.Handler().OnUpdate(ready, endpoints("default", "kubia", "10.244.1.2", "10.244.1.3"))
		},
		wantSync: true,
	}, {
		name:     "a ready pod turns not ready",
		services: []api.Object{kubia, headless}, endpoints: []api.Object{withNotReady(endpoints("default", "kubia"), "10.244.1.2")},
		event:    func(p *Proxier) { p.Handler().OnUpdate(ready, endpoints("default", "kubia")) },
		wantSync: true,
	}, {
		name: "a label on the Service",
		services: []api.Object{func() *api.Service {
			s := api.DeepCopy(kubia)
			s.Labels = map[string]string{"team": "a"}
			return s
		}(), headless},
		endpoints:  []api.Object{ready},
		event:      func(p *Proxier) { p.Handler().OnUpdate(kubia, kubia) },
		wantSync:   false,
		wantStatus: true,
	}, {
		name: "the Service's port changes",
		services: []api.Object{service("default", "kubia", "10.96.0.10",
			ports(api.ServicePort{Name: "http", Protocol: "TCP", Port: 81})), headless},
		endpoints:  []api.Object{ready},
		event:      func(p *Proxier) { p.Handler().OnUpdate(kubia, kubia) },
		wantSync:   true,
		wantStatus: true,
	}, {
		name:     "the Service is deleted",
		services: []api.Object{headless}, endpoints: []api.Object{ready},
		event:    func(p *Proxier) { p.Handler().OnDelete(kubia) },
		wantSync: true, wantStatus: true,
	}, {
		name:     "the Endpoints of a headless service change",
		services: []api.Object{kubia, headless}, endpoints: []api.Object{ready, endpoints("default", "db", "10.244.1.7")},
		event:    func(p *Proxier) { p.Handler().OnAdd(endpoints("default", "db", "10.244.1.7")) },
		wantSync: false,
	}, {
		name:     "Endpoints without a Service",
		services: []api.Object{kubia, headless}, endpoints: []api.Object{ready, endpoints("default", "gone", "10.244.1.8")},
		event:    func(p *Proxier) { p.Handler().OnAdd(endpoints("default", "gone", "10.244.1.8")) },
		wantSync: false,
	}, {
		// No rule for it, but the Event about it is written after a sync.
		name:     "an endpoint outside the cluster, refused",
		services: []api.Object{kubia, headless}, endpoints: []api.Object{endpoints("default", "kubia", "10.244.1.2", "192.0.2.9")},
		event: func(p *Proxier) {
			p.Handler().OnUpdate(ready, endpoints("default", "kubia", "10.244.1.2", "192.0.2.9"))
		},
		wantSync: true, noRules: true,
	}, {
		name:     "a node changes: anything may",
		services: []api.Object{kubia, headless}, endpoints: []api.Object{ready},
		event:    func(p *Proxier) { p.NodeHandler().OnAdd(readyNode("node2", "192.168.56.12", true)) },
		wantSync: true, noRules: true, // here; a node's readiness or addresses may change any rule
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, node1)
			h.services.set(kubia, headless)
			h.endpoints.set(ready)
			h.sync(t, false)
			h.services.set(tt.services...)
			h.endpoints.set(tt.endpoints...)
			tt.event(h.p)
			select {
			case <-h.p.changed:
			default:
				t.Fatal("the handler did not wake Run")
			}
			if _, got := h.p.needsSync(); got != tt.wantSync {
				t.Errorf("needsSync() = %v, want %v", got, tt.wantSync)
			}
			status := false
			select {
			case <-h.p.status:
				status = true
			default:
			}
			if status != tt.wantStatus {
				t.Errorf("statuses looked at: %v, want %v", status, tt.wantStatus)
			}
			// A sync agrees: it writes rules exactly when they changed.
			before := len(h.applier.Restores())
			h.sync(t, false)
			if wrote, want := len(h.applier.Restores()) > before, tt.wantSync && !tt.noRules; wrote != want {
				t.Errorf("the sync wrote rules: %v, want %v", wrote, want)
			}
		})
	}
}

// ServicePort.equal compares every field: a field added to ServicePort
// and forgotten there would let a change that alters rules skip its sync.
func TestServicePortEqualSeesEveryField(t *testing.T) {
	base := ServicePort{Name: "default/kubia:http", Protocol: "tcp", ClusterIP: "10.96.0.10", Port: 80, NodePort: 30080,
		External: []string{"192.168.56.11"}, Local: true, Affinity: 10800,
		Endpoints: []Endpoint{{IP: "10.244.1.2", Port: 8080, NodeName: "node1"}},
		Refused:   []Endpoint{{IP: "192.0.2.9", Port: 8080}}}
	if !base.equal(base) {
		t.Fatal("a ServicePort differs from itself")
	}
	v := reflect.ValueOf(base)
	for i := range v.NumField() {
		changed := base
		f := reflect.ValueOf(&changed).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(f.String() + "x")
		case reflect.Int32:
			f.SetInt(f.Int() + 1)
		case reflect.Bool:
			f.SetBool(!f.Bool())
		case reflect.Slice:
			f.Set(reflect.Append(f, reflect.Zero(f.Type().Elem())))
		default:
			t.Fatalf("field %s of kind %s: teach this test to change it", v.Type().Field(i).Name, f.Kind())
		}
		if base.equal(changed) {
			t.Errorf("ServicePort.equal ignores the field %s", v.Type().Field(i).Name)
		}
	}
}

// Run applies a lone change at once, even when changes that alter no
// rule came just before it: they spend none of the syncs the rate limit
// allows. With a MinSyncPeriod of an hour, a change that found no token
// would wait that long.
func TestRunAppliesALoneChangeAtOnce(t *testing.T) {
	h := newHarness(t, node1)
	h.p.cfg.MinSyncPeriod = time.Hour
	kubia := service("default", "kubia", "10.96.0.10")
	ready := endpoints("default", "kubia", "10.244.1.2")
	h.services.set(kubia)
	h.endpoints.set(ready)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.p.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, func() bool { return len(h.applier.Restores()) == 1 })

	handler := h.p.Handler()
	for i := range 5 { // new pods, not ready yet: no rule changes
		ep := api.DeepCopy(ready)
		for j := range i + 1 {
			ep.Subsets[0].NotReadyAddresses = append(ep.Subsets[0].NotReadyAddresses, api.EndpointAddress{IP: "10.244.2." + itoa(int32(j+1))})
		}
		h.endpoints.set(ep)
		handler.OnUpdate(ready, ep)
		time.Sleep(time.Millisecond)
	}
	h.endpoints.set(endpoints("default", "kubia", "10.244.1.2", "10.244.2.1")) // one turns ready
	handler.OnUpdate(ready, ready)
	waitFor(t, func() bool {
		rules, _ := h.applier.Rules("nat", expand("SVC(default/kubia:http/tcp)"))
		return slices.ContainsFunc(rules, func(r string) bool { return strings.Contains(r, "10.244.2.1:8080") })
	})
	if n := len(h.applier.Restores()); n != 2 {
		t.Errorf("%d restores, want 2: the first sync and the pod turning ready", n)
	}
}
