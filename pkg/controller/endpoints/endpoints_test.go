package endpoints

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/controllertest"
)

// service returns a Service in namespace "default" selecting app=<name>,
// with the given ports.
func service(name string, ports ...api.ServicePort) *api.Service {
	return &api.Service{
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, Labels: map[string]string{"tier": "web"}},
		Spec:       api.ServiceSpec{Selector: map[string]string{"app": name}, Ports: ports},
	}
}

func port(name string, n int32, target api.IntOrString) api.ServicePort {
	return api.ServicePort{Name: name, Port: n, TargetPort: target, Protocol: "TCP"}
}

// pod returns a pod of app, on node1, with the IP and readiness given.
func pod(name, app, ip string, ready bool, containerPorts ...api.ContainerPort) *api.Pod {
	status := api.ConditionFalse
	if ready {
		status = api.ConditionTrue
	}
	return &api.Pod{
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + name, Labels: map[string]string{"app": app}},
		Spec:       api.PodSpec{NodeName: "node1", Containers: []api.Container{{Name: "app", Ports: containerPorts}}},
		Status: api.PodStatus{Phase: api.PodRunning, PodIP: ip,
			Conditions: []api.PodCondition{{Type: api.PodReady, Status: status}}},
	}
}

func terminating(p *api.Pod) *api.Pod {
	now := api.Now()
	p.DeletionTimestamp = &now
	return p
}

// addr is the address a pod of pod() gets.
func addr(name, ip string) api.EndpointAddress {
	return api.EndpointAddress{IP: ip, NodeName: api.String("node1"),
		TargetRef: &api.ObjectReference{Kind: "Pod", Namespace: "default", Name: name, UID: "uid-" + name}}
}

func epPort(name string, n int32) api.EndpointPort {
	return api.EndpointPort{Name: name, Port: n, Protocol: "TCP"}
}

func endpointsOf(name string, subsets ...api.EndpointSubset) *api.Endpoints {
	return &api.Endpoints{
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, ResourceVersion: "7", Labels: map[string]string{"tier": "web"}},
		Subsets:    subsets,
	}
}

func newController(objs ...api.Object) (*Controller, *controllertest.Writer, *controllertest.Recorder) {
	services := controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex)
	pods := controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex)
	eps := controllertest.NewLister()
	for _, o := range objs {
		switch o.(type) {
		case *api.Service:
			services.Add(o)
		case *api.Pod:
			pods.Add(o)
		case *api.Endpoints:
			eps.Add(o)
		}
	}
	w, rec := &controllertest.Writer{}, &controllertest.Recorder{}
	return New(services, pods, eps, w, rec, nil), w, rec
}

func TestSync(t *testing.T) {
	web80 := service("web", port("", 80, api.FromInt(8080)))
	named := service("web", port("http", 80, api.FromString("http")))
	http := func(n int32) api.ContainerPort {
		return api.ContainerPort{Name: "http", ContainerPort: n, Protocol: "TCP"}
	}

	tests := []struct {
		name        string
		objs        []api.Object
		wantActions []string
		wantSubsets []api.EndpointSubset // of the written object
	}{
		{
			name: "ready pods are addresses, not-ready pods notReadyAddresses",
			objs: []api.Object{web80,
				pod("a", "web", "10.244.1.5", true), pod("b", "web", "10.244.1.4", false),
				pod("c", "web", "10.244.1.3", true), pod("other", "db", "10.244.1.9", true)},
			wantActions: []string{"create endpoints default/web"},
			wantSubsets: []api.EndpointSubset{{
				Addresses:         []api.EndpointAddress{addr("c", "10.244.1.3"), addr("a", "10.244.1.5")},
				NotReadyAddresses: []api.EndpointAddress{addr("b", "10.244.1.4")},
				Ports:             []api.EndpointPort{epPort("", 8080)},
			}},
		},
		{
			name: "a named targetPort resolves per pod: different numbers make different subsets",
			objs: []api.Object{named,
				pod("a", "web", "10.244.1.1", true, http(8080)),
				pod("b", "web", "10.244.2.1", true, http(9090)),
				pod("c", "web", "10.244.3.1", true, http(8080)),
				pod("noport", "web", "10.244.4.1", true, api.ContainerPort{Name: "metrics", ContainerPort: 8080})},
			wantActions: []string{"create endpoints default/web"},
			wantSubsets: []api.EndpointSubset{
				{Addresses: []api.EndpointAddress{addr("a", "10.244.1.1"), addr("c", "10.244.3.1")}, Ports: []api.EndpointPort{epPort("http", 8080)}},
				{Addresses: []api.EndpointAddress{addr("b", "10.244.2.1")}, Ports: []api.EndpointPort{epPort("http", 9090)}},
			},
		},
		{
			name: "a pod missing one of two named ports serves only the other",
			objs: []api.Object{
				service("web", port("http", 80, api.FromString("http")), port("admin", 81, api.FromInt(9000))),
				pod("a", "web", "10.244.1.1", true, http(8080)),
				pod("b", "web", "10.244.1.2", true)},
			wantActions: []string{"create endpoints default/web"},
			wantSubsets: []api.EndpointSubset{
				{Addresses: []api.EndpointAddress{addr("b", "10.244.1.2")}, Ports: []api.EndpointPort{epPort("admin", 9000)}},
				{Addresses: []api.EndpointAddress{addr("a", "10.244.1.1")}, Ports: []api.EndpointPort{epPort("admin", 9000), epPort("http", 8080)}},
			},
		},
		{
			name:        "pods without an IP are skipped",
			objs:        []api.Object{web80, pod("a", "web", "", true), pod("b", "web", "10.244.1.2", true)},
			wantActions: []string{"create endpoints default/web"},
			wantSubsets: []api.EndpointSubset{{Addresses: []api.EndpointAddress{addr("b", "10.244.1.2")}, Ports: []api.EndpointPort{epPort("", 8080)}}},
		},
		{
			name:        "terminating and finished pods are excluded",
			objs:        []api.Object{web80, terminating(pod("a", "web", "10.244.1.1", true)), finished(pod("b", "web", "10.244.1.2", false))},
			wantActions: []string{"create endpoints default/web"},
			wantSubsets: nil,
		},
		{
			name: "publishNotReadyAddresses publishes not-ready and terminating pods as ready",
			objs: []api.Object{publishAll(service("web", port("", 80, api.FromInt(8080)))),
				terminating(pod("a", "web", "10.244.1.1", true)), pod("b", "web", "10.244.1.2", false)},
			wantActions: []string{"create endpoints default/web"},
			wantSubsets: []api.EndpointSubset{{
				Addresses: []api.EndpointAddress{addr("a", "10.244.1.1"), addr("b", "10.244.1.2")},
				Ports:     []api.EndpointPort{epPort("", 8080)},
			}},
		},
		{
			name: "a service without a selector keeps its hand-written endpoints",
			objs: []api.Object{noSelector(service("web", port("", 80, api.FromInt(8080)))),
				endpointsOf("web", api.EndpointSubset{Addresses: []api.EndpointAddress{{IP: "192.168.1.10"}}})},
			wantActions: nil,
		},
		{
			name:        "an ExternalName service has no endpoints",
			objs:        []api.Object{externalName(service("web")), pod("a", "web", "10.244.1.1", true)},
			wantActions: nil,
		},
		{
			name: "nothing is written when nothing changed, whatever the stored order",
			objs: []api.Object{web80, pod("a", "web", "10.244.1.1", true), pod("b", "web", "10.244.1.2", true),
				endpointsOf("web", api.EndpointSubset{
					Addresses: []api.EndpointAddress{addr("b", "10.244.1.2"), addr("a", "10.244.1.1")},
					Ports:     []api.EndpointPort{epPort("", 8080)},
				})},
			wantActions: nil,
		},
		{
			name: "a pod that turned ready moves to addresses",
			objs: []api.Object{web80, pod("a", "web", "10.244.1.1", true),
				endpointsOf("web", api.EndpointSubset{
					NotReadyAddresses: []api.EndpointAddress{addr("a", "10.244.1.1")},
					Ports:             []api.EndpointPort{epPort("", 8080)},
				})},
			wantActions: []string{"update endpoints default/web"},
			wantSubsets: []api.EndpointSubset{{Addresses: []api.EndpointAddress{addr("a", "10.244.1.1")}, Ports: []api.EndpointPort{epPort("", 8080)}}},
		},
		{
			name:        "a deleted service loses its endpoints",
			objs:        []api.Object{pod("a", "web", "10.244.1.1", true), endpointsOf("web")},
			wantActions: []string{"delete endpoints default/web"},
		},
		{
			name:        "a deleted service without endpoints costs nothing",
			objs:        []api.Object{pod("a", "web", "10.244.1.1", true)},
			wantActions: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, w, _ := newController(tt.objs...)
			if err := c.Sync(context.Background(), "default/web"); err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if got := w.Strings(); !slices.Equal(got, tt.wantActions) {
				t.Fatalf("actions = %q, want %q", got, tt.wantActions)
			}
			if len(w.Actions) == 0 || w.Actions[0].Object == nil {
				return
			}
			ep := w.Actions[0].Object.(*api.Endpoints)
			if got, want := toJSON(ep.Subsets), toJSON(tt.wantSubsets); got != want {
				t.Errorf("subsets =\n%s\nwant\n%s", got, want)
			}
			if ep.Labels["tier"] != "web" {
				t.Errorf("labels = %v, want the service's labels", ep.Labels)
			}
		})
	}
}

func TestSyncTwiceWritesOnce(t *testing.T) {
	svc := service("web", port("http", 80, api.FromString("http")))
	a := pod("a", "web", "10.244.1.1", true, api.ContainerPort{Name: "http", ContainerPort: 8080})
	b := pod("b", "web", "10.244.2.1", false, api.ContainerPort{Name: "http", ContainerPort: 9090})
	c, w, _ := newController(svc, a, b)
	ctx := context.Background()
	if err := c.Sync(ctx, "default/web"); err != nil {
		t.Fatal(err)
	}
	// The informer would now show what was written.
	c.endpoints.(*controllertest.Lister).Add(w.Actions[0].Object)
	w.Reset()
	if err := c.Sync(ctx, "default/web"); err != nil {
		t.Fatal(err)
	}
	if got := w.Strings(); len(got) != 0 {
		t.Errorf("second sync wrote %q, want nothing", got)
	}
}

func TestPodHandlerEnqueuesMatchingServices(t *testing.T) {
	c, _, _ := newController(service("web"), service("db"), service("cache"), noSelector(service("all")))
	h := c.PodHandler()

	old := pod("p", "web", "10.244.1.1", true)
	relabelled := pod("p", "db", "10.244.1.1", true)
	h.OnUpdate(old, relabelled)

	var got []string
	for c.queue.Len() > 0 {
		key, _ := c.queue.Get()
		c.queue.Done(key)
		got = append(got, key)
	}
	slices.Sort(got)
	if want := []string{"default/db", "default/web"}; !slices.Equal(got, want) {
		t.Errorf("queued %q, want %q", got, want)
	}
}

func TestEndpointsHandlerIgnoresEndpointsWithoutService(t *testing.T) {
	c, _, _ := newController(service("web"))
	h := c.EndpointsHandler()
	h.OnDelete(endpointsOf("web"))
	h.OnDelete(endpointsOf("handwritten"))
	if n := c.queue.Len(); n != 1 {
		t.Fatalf("queue holds %d keys, want 1", n)
	}
	if key, _ := c.queue.Get(); key != "default/web" {
		t.Errorf("queued %q, want default/web", key)
	}
}

func finished(p *api.Pod) *api.Pod {
	p.Status.Phase = api.PodSucceeded
	return p
}

func publishAll(s *api.Service) *api.Service {
	s.Spec.PublishNotReadyAddresses = true
	return s
}

func noSelector(s *api.Service) *api.Service {
	s.Spec.Selector = nil
	return s
}

func externalName(s *api.Service) *api.Service {
	s.Spec.Type = api.ServiceTypeExternalName
	s.Spec.ExternalName = "db.example.com"
	return s
}

func toJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
