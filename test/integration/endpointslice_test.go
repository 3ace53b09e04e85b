package integration

import (
	"context"
	"fmt"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// TestEndpointSlicesFollowPods: a Service with three ready pods has one
// EndpointSlice with three ready endpoints; a pod whose node is lost
// becomes not ready and its endpoint says so; deleting the Service
// deletes the slice (the garbage collector follows its owner reference).
func TestEndpointSlicesFollowPods(t *testing.T) {
	cl := startCluster(t, "n1", "n2")
	svc := cl.create(&api.Service{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: api.ServiceSpec{Selector: map[string]string{"app": "web"},
			Ports: []api.ServicePort{{Name: "http", Port: 80, TargetPort: api.FromString("http")}}}}).(*api.Service)
	// Bound to their nodes, and tolerating a lost node for ever, so that
	// the pod on n2 stays, not ready, when its kubelet is gone.
	for i, node := range []string{"n1", "n1", "n2"} {
		cl.create(&api.Pod{ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("web-%d", i), Namespace: "default", Labels: map[string]string{"app": "web"}},
			Spec: api.PodSpec{NodeName: node, Containers: []api.Container{{Name: "app", Image: "kubelab/kubia:latest",
				Ports: []api.ContainerPort{{Name: "http", ContainerPort: 8080}}}},
				Tolerations: []api.Toleration{{Key: api.TaintNodeUnreachable, Operator: "Exists", Effect: api.TaintNoExecute},
					{Key: api.TaintNodeNotReady, Operator: "Exists", Effect: api.TaintNoExecute}}}})
	}

	// ready maps each endpoint's pod to its ready condition, for the one
	// slice of the Service (nil if there is not exactly one).
	var slice *api.EndpointSlice
	ready := func() map[string]bool {
		objs, _, err := cl.res("endpointslices").Namespace("default").List(context.Background(),
			client.ListOptions{LabelSelector: api.LabelServiceName + "=web"})
		if err != nil || len(objs) != 1 {
			return nil
		}
		slice = objs[0].(*api.EndpointSlice)
		out := map[string]bool{}
		for _, ep := range slice.Endpoints {
			out[ep.TargetRef.Name] = ep.Conditions.Ready != nil && *ep.Conditions.Ready
		}
		return out
	}
	cl.eventually("one slice with 3 ready endpoints", func() bool {
		r := ready()
		return len(r) == 3 && r["web-0"] && r["web-1"] && r["web-2"]
	})
	if ref := api.ControllerRef(&slice.ObjectMeta); ref == nil || ref.Kind != "Service" || ref.UID != svc.UID {
		t.Errorf("the slice's controller is %+v, want Service web", ref)
	}
	if slice.AddressType != api.AddressTypeIPv4 || len(slice.Ports) != 1 || *slice.Ports[0].Port != 8080 ||
		slice.Labels[api.LabelManagedBy] != api.EndpointSliceControllerName {
		t.Errorf("slice = %+v, want IPv4, port 8080, managed by the controller", slice)
	}

	cl.kubelets["n2"].kill()
	cl.eventually("web-2 not ready, the others ready", func() bool {
		r := ready()
		return len(r) == 3 && r["web-0"] && r["web-1"] && !r["web-2"]
	})

	if err := cl.res("services").Namespace("default").Delete(context.Background(), "web", nil); err != nil {
		t.Fatal(err)
	}
	cl.eventually("the slice to be gone", func() bool {
		objs, _, err := cl.res("endpointslices").Namespace("default").List(context.Background(),
			client.ListOptions{LabelSelector: api.LabelServiceName + "=web"})
		return err == nil && len(objs) == 0
	})
}
