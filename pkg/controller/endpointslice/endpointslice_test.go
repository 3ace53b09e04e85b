package endpointslice

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
	"kubelab/pkg/controller/controllertest"
)

func service(name string, ports ...api.ServicePort) *api.Service {
	return &api.Service{
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name, UID: "uid-svc-" + name, Labels: map[string]string{"tier": "web"}},
		Spec:       api.ServiceSpec{Selector: map[string]string{"app": name}, Ports: ports},
	}
}

func port(name string, n int32, target api.IntOrString) api.ServicePort {
	return api.ServicePort{Name: name, Port: n, TargetPort: target, Protocol: "TCP"}
}

// pod returns a running pod of app on node1 with the IP and readiness given.
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

// endpoint is what pod() becomes in a slice.
func endpoint(name, ip string, ready, serving, terminating bool) api.Endpoint {
	return api.Endpoint{
		Addresses:  []string{ip},
		Conditions: api.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
		TargetRef:  &api.ObjectReference{Kind: "Pod", Namespace: "default", Name: name, UID: "uid-" + name},
		NodeName:   api.String("node1"),
		Zone:       api.String("zone-a"),
	}
}

func slicePort(name string, n int32) api.EndpointSlicePort {
	return api.EndpointSlicePort{Name: api.String(name), Protocol: api.String("TCP"), Port: api.Int32(n)}
}

// stored is a slice as the controller would have written it for service
// name, and the apiserver stored.
func stored(sliceName, svcName string, ports []api.EndpointSlicePort, eps ...api.Endpoint) *api.EndpointSlice {
	svc := service(svcName)
	return &api.EndpointSlice{
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: sliceName, ResourceVersion: "7",
			Labels:          map[string]string{"tier": "web", api.LabelServiceName: svcName, api.LabelManagedBy: api.EndpointSliceControllerName},
			OwnerReferences: []api.OwnerReference{controller.NewControllerRef(&svc.ObjectMeta, "v1", "Service")}},
		AddressType: api.AddressTypeIPv4, Endpoints: eps, Ports: ports,
	}
}

func newController(objs ...api.Object) (*Controller, *controllertest.Writer) {
	services := controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex)
	pods := controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex)
	eps := controllertest.NewLister().AddIndex(controller.IndexNamespace, controller.NamespaceIndex)
	nodes := controllertest.NewLister(&api.Node{ObjectMeta: api.ObjectMeta{Name: "node1", Labels: map[string]string{LabelZone: "zone-a"}}})
	for _, o := range objs {
		switch o.(type) {
		case *api.Service:
			services.Add(o)
		case *api.Pod:
			pods.Add(o)
		case *api.EndpointSlice:
			eps.Add(o)
		}
	}
	w := &controllertest.Writer{}
	return New(services, pods, eps, nodes, w, &controllertest.Recorder{}, nil), w
}

func TestSync(t *testing.T) {
	web := service("web", port("", 80, api.FromInt(8080)))
	named := service("web", port("http", 80, api.FromString("http")))
	http := func(n int32) api.ContainerPort {
		return api.ContainerPort{Name: "http", ContainerPort: n, Protocol: "TCP"}
	}
	p8080 := []api.EndpointSlicePort{slicePort("", 8080)}

	tests := []struct {
		name        string
		objs        []api.Object
		wantActions []string
		wantSlices  []*api.EndpointSlice // endpoints and ports of the written slices, in order
	}{
		{
			name: "three ready pods make one slice with three ready endpoints",
			objs: []api.Object{web, pod("a", "web", "10.244.1.3", true), pod("b", "web", "10.244.1.1", true),
				pod("c", "web", "10.244.1.2", true), pod("other", "db", "10.244.1.9", true)},
			wantActions: []string{"create endpointslices default/web-00001"},
			wantSlices: []*api.EndpointSlice{{Ports: p8080, Endpoints: []api.Endpoint{
				endpoint("b", "10.244.1.1", true, true, false), endpoint("c", "10.244.1.2", true, true, false),
				endpoint("a", "10.244.1.3", true, true, false)}}},
		},
		{
			name: "two slices for one group (two syncs raced on generateName): the extra one goes",
			objs: []api.Object{web, pod("a", "web", "10.244.1.1", true),
				stored("web-aaaaa", "web", p8080, endpoint("a", "10.244.1.1", true, true, false)),
				stored("web-bbbbb", "web", p8080, endpoint("a", "10.244.1.1", true, true, false))},
			wantActions: []string{"delete endpointslices default/web-bbbbb"},
		},
		{
			name: "not-ready pods are neither ready nor serving; terminating pods stay, serving but not ready",
			objs: []api.Object{web, pod("a", "web", "10.244.1.1", false), terminating(pod("b", "web", "10.244.1.2", true)),
				pod("noip", "web", "", true), finished(pod("done", "web", "10.244.1.4", true))},
			wantActions: []string{"create endpointslices default/web-00001"},
			wantSlices: []*api.EndpointSlice{{Ports: p8080, Endpoints: []api.Endpoint{
				endpoint("a", "10.244.1.1", false, false, false), endpoint("b", "10.244.1.2", false, true, true)}}},
		},
		{
			name:        "publishNotReadyAddresses makes every endpoint ready",
			objs:        []api.Object{publishAll(service("web", port("", 80, api.FromInt(8080)))), pod("a", "web", "10.244.1.1", false)},
			wantActions: []string{"create endpointslices default/web-00001"},
			wantSlices: []*api.EndpointSlice{{Ports: p8080, Endpoints: []api.Endpoint{
				endpoint("a", "10.244.1.1", true, false, false)}}},
		},
		{
			name: "a named targetPort resolving to different numbers makes one slice per port set",
			objs: []api.Object{named, pod("a", "web", "10.244.1.1", true, http(8080)), pod("b", "web", "10.244.1.2", true, http(9090)),
				pod("noport", "web", "10.244.1.3", true)},
			wantActions: []string{"create endpointslices default/web-00001", "create endpointslices default/web-00002"},
			wantSlices: []*api.EndpointSlice{
				{Ports: []api.EndpointSlicePort{slicePort("http", 8080)}, Endpoints: []api.Endpoint{endpoint("a", "10.244.1.1", true, true, false)}},
				{Ports: []api.EndpointSlicePort{slicePort("http", 9090)}, Endpoints: []api.Endpoint{endpoint("b", "10.244.1.2", true, true, false)}},
			},
		},
		{
			name:        "a service with no pods gets one empty slice",
			objs:        []api.Object{web},
			wantActions: []string{"create endpointslices default/web-00001"},
			wantSlices:  []*api.EndpointSlice{{}},
		},
		{
			name: "an up-to-date slice is left alone",
			objs: []api.Object{web, pod("a", "web", "10.244.1.1", true),
				stored("web-abcde", "web", p8080, endpoint("a", "10.244.1.1", true, true, false))},
			wantActions: nil,
		},
		{
			name: "a pod that became not ready updates its slice",
			objs: []api.Object{web, pod("a", "web", "10.244.1.1", false),
				stored("web-abcde", "web", p8080, endpoint("a", "10.244.1.1", true, true, false))},
			wantActions: []string{"update endpointslices default/web-abcde"},
			wantSlices: []*api.EndpointSlice{{Ports: p8080, Endpoints: []api.Endpoint{
				endpoint("a", "10.244.1.1", false, false, false)}}},
		},
		{
			name: "a slice for ports the service no longer has is deleted, the new ports get a new one",
			objs: []api.Object{web, pod("a", "web", "10.244.1.1", true),
				stored("web-old", "web", []api.EndpointSlicePort{slicePort("", 9000)}, endpoint("a", "10.244.1.1", true, true, false))},
			wantActions: []string{"create endpointslices default/web-00001", "delete endpointslices default/web-old"},
			wantSlices: []*api.EndpointSlice{{Ports: p8080, Endpoints: []api.Endpoint{
				endpoint("a", "10.244.1.1", true, true, false)}}},
		},
		{
			name:        "slices written by someone else are not this controller's",
			objs:        []api.Object{web, handWritten(stored("web-manual", "web", p8080))},
			wantActions: []string{"create endpointslices default/web-00001"},
			wantSlices:  []*api.EndpointSlice{{}}, // the empty placeholder, as with no slice at all
		},
		{
			name:        "a service without a selector gets no slices",
			objs:        []api.Object{noSelector(service("web")), pod("a", "web", "10.244.1.1", true)},
			wantActions: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, w := newController(tt.objs...)
			if err := c.Sync(context.Background(), "default/web"); err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if got := w.Strings(); !slices.Equal(got, tt.wantActions) {
				t.Fatalf("actions = %q, want %q", got, tt.wantActions)
			}
			var written []*api.EndpointSlice
			for _, a := range w.Actions {
				if a.Verb != "delete" {
					written = append(written, a.Object.(*api.EndpointSlice))
				}
			}
			for i, want := range tt.wantSlices {
				got := written[i]
				if g, w := toJSON(got.Endpoints), toJSON(want.Endpoints); g != w {
					t.Errorf("slice %d endpoints =\n%s\nwant\n%s", i, g, w)
				}
				if g, w := toJSON(got.Ports), toJSON(want.Ports); g != w {
					t.Errorf("slice %d ports = %s, want %s", i, g, w)
				}
				checkMeta(t, got)
			}
		})
	}
}

// checkMeta checks what every slice of Service web carries.
func checkMeta(t *testing.T, s *api.EndpointSlice) {
	t.Helper()
	if s.AddressType != api.AddressTypeIPv4 {
		t.Errorf("addressType = %q, want IPv4", s.AddressType)
	}
	want := map[string]string{"tier": "web", api.LabelServiceName: "web", api.LabelManagedBy: api.EndpointSliceControllerName}
	if toJSON(s.Labels) != toJSON(want) {
		t.Errorf("labels = %v, want %v", s.Labels, want)
	}
	ref := api.ControllerRef(&s.ObjectMeta)
	if ref == nil || ref.Kind != "Service" || ref.Name != "web" || ref.UID != "uid-svc-web" {
		t.Errorf("controller reference = %+v, want Service web", ref)
	}
	if errs := api.Validate(s); len(errs) > 0 {
		t.Errorf("the slice does not validate: %v", errs)
	}
}

func TestSyncCutsSlicesOfAHundred(t *testing.T) {
	objs := []api.Object{service("web", port("", 80, api.FromInt(8080)))}
	for i := range 250 {
		objs = append(objs, pod(fmt.Sprintf("p%03d", i), "web", fmt.Sprintf("10.244.%d.%d", i/200, i%200+1), true))
	}
	c, w := newController(objs...)
	if err := c.Sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, a := range w.Actions {
		sizes = append(sizes, len(a.Object.(*api.EndpointSlice).Endpoints))
	}
	if want := []int{100, 100, 50}; !slices.Equal(sizes, want) {
		t.Errorf("slice sizes = %v, want %v", sizes, want)
	}
}

func TestSyncTwiceWritesOnce(t *testing.T) {
	named := service("web", port("http", 80, api.FromString("http")))
	a := pod("a", "web", "10.244.1.1", true, api.ContainerPort{Name: "http", ContainerPort: 8080})
	b := pod("b", "web", "10.244.2.1", false, api.ContainerPort{Name: "http", ContainerPort: 9090})
	c, w := newController(named, a, b)
	ctx := context.Background()
	if err := c.Sync(ctx, "default/web"); err != nil {
		t.Fatal(err)
	}
	for _, act := range w.Actions { // the informer would now show what was written
		c.slices.(*controllertest.Lister).Add(act.Object)
	}
	w.Reset()
	if err := c.Sync(ctx, "default/web"); err != nil {
		t.Fatal(err)
	}
	if got := w.Strings(); len(got) != 0 {
		t.Errorf("second sync wrote %q, want nothing", got)
	}
}

func TestHandlers(t *testing.T) {
	tests := []struct {
		name string
		fire func(c *Controller)
		want []string
	}{
		{
			name: "a relabelled pod syncs the services it leaves and joins",
			fire: func(c *Controller) {
				c.PodHandler().OnUpdate(pod("p", "web", "10.244.1.1", true), pod("p", "db", "10.244.1.1", true))
			},
			want: []string{"default/db", "default/web"},
		},
		{
			name: "a deleted slice of ours syncs its service; someone else's does not",
			fire: func(c *Controller) {
				c.SliceHandler().OnDelete(stored("web-abcde", "web", nil))
				c.SliceHandler().OnDelete(handWritten(stored("db-manual", "db", nil)))
			},
			want: []string{"default/web"},
		},
		{
			name: "a new slice of ours syncs its service, which deletes it if it is one too many",
			fire: func(c *Controller) { c.SliceHandler().OnAdd(stored("web-bbbbb", "web", nil)) },
			want: []string{"default/web"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newController(service("web"), service("db"), noSelector(service("all")))
			tt.fire(c)
			if got := controllertest.Drain(c.queue); !slices.Equal(got, tt.want) {
				t.Errorf("queued %q, want %q", got, tt.want)
			}
		})
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

func handWritten(s *api.EndpointSlice) *api.EndpointSlice {
	s.Labels[api.LabelManagedBy] = "someone-else"
	return s
}

func toJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
