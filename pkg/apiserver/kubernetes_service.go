package apiserver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
)

// The kubernetes Service is how a pod finds the API: every cluster has, in
// namespace default, a Service named kubernetes at the first address of
// the service CIDR (10.96.0.1), with no selector, and Endpoints of the
// same name listing the apiservers. The kubelet hands its address to every
// container (KUBERNETES_SERVICE_HOST), and the proxy forwards it like any
// other Service.
//
// Pods reach the API's main port with the token of their ServiceAccount
// (tokens.go), and RBAC decides what each one may do.
//
// Nobody else writes them: the apiserver itself keeps them, as
// kube-apiserver's bootstrap controller ("kubernetesservice") does. It
// reconciles at start and then every period, so that a deleted or edited
// Service or Endpoints comes back, and it writes only what differs.
//
// Several apiservers may share one etcd: each adds its own address to the
// Endpoints and keeps the others'. The Endpoints have one port, so they
// must all send pods to the same one. Kubernetes also removes the address of
// an apiserver that is gone (a lease per apiserver,
// --endpoint-reconciler-type=lease); kubelab leaves that out, so a retired
// apiserver's address stays until someone removes it.

const (
	kubernetesServiceName   = "kubernetes"
	kubernetesServicePeriod = 10 * time.Second
)

// RunKubernetesService keeps the kubernetes Service and its Endpoints
// until ctx ends: at once, then every 10 s. Call it after Bootstrap, which
// creates namespace default. A failed pass is logged and tried again.
func (s *Server) RunKubernetesService(ctx context.Context) {
	t := time.NewTicker(kubernetesServicePeriod)
	defer t.Stop()
	for {
		if err := s.reconcileKubernetesService(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("could not reconcile the kubernetes Service; trying again",
				zap.Error(err), zap.Duration("in", kubernetesServicePeriod))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// reconcileKubernetesService makes one pass over the Service, then the
// Endpoints.
func (s *Server) reconcileKubernetesService(ctx context.Context) error {
	if s.advertise.ip == "" {
		return errors.New("no advertise address: the apiserver was configured without one")
	}
	svc := kubernetesService(s.alloc.FirstServiceIP(), s.advertise.port)
	err := s.ensure(ctx, svc, func(cur api.Object) {
		have := cur.(*api.Service)
		spec := svc.Spec
		// The ClusterIP stays: pods already have it in their environment.
		if have.Spec.ClusterIP != "" && have.Spec.ClusterIP != api.ClusterIPNone {
			spec.ClusterIP, spec.ClusterIPs = have.Spec.ClusterIP, have.Spec.ClusterIPs
		}
		have.Spec = spec
	})
	if err != nil {
		return err
	}
	ep := kubernetesEndpoints(s.advertise.ip, s.advertise.port)
	return s.ensure(ctx, ep, func(cur api.Object) {
		have := cur.(*api.Endpoints)
		have.Subsets = withAPIServer(have.Subsets, ep.Subsets[0])
	})
}

// ensure creates want when it is missing, and otherwise makes fix correct
// the stored object. Both go through the ordinary create and update paths,
// so the Service's ClusterIP claim is written as for any Service, and an
// update that changes nothing writes nothing.
func (s *Server) ensure(ctx context.Context, want api.Object, fix func(current api.Object)) error {
	res, _ := api.ResourceOf(want)
	meta := want.GetObjectMeta()
	info := requestInfo{resource: res, namespace: meta.Namespace, name: meta.Name, verb: "update"}
	var before string
	out, st := s.update(ctx, info, func(cur api.Object) (api.Object, *api.Status) {
		before = cur.GetObjectMeta().ResourceVersion
		fix(cur) // cur keeps its resourceVersion: the write is conditional on it
		return cur, nil
	})
	switch {
	case st != nil && st.Reason == "NotFound":
		info.name, info.verb = "", "create"
		switch _, st = s.create(ctx, info, api.DeepCopy(want)); {
		case st == nil:
			s.log.Info("created "+res.Kind+" "+meta.Namespace+"/"+meta.Name, zap.String("advertiseAddress", s.advertise.ip))
		case st.Reason != "AlreadyExists": // another apiserver made it first: the next pass adds this one
			return fmt.Errorf("create %s %s/%s: %s", res.Kind, meta.Namespace, meta.Name, st.Message)
		}
	case st != nil:
		return fmt.Errorf("update %s %s/%s: %s", res.Kind, meta.Namespace, meta.Name, st.Message)
	case out.GetObjectMeta().ResourceVersion != before:
		s.log.Info("corrected "+res.Kind+" "+meta.Namespace+"/"+meta.Name, zap.String("advertiseAddress", s.advertise.ip))
	}
	return nil
}

// kubernetesService is the Service as the apiserver wants it.
func kubernetesService(clusterIP string, port int32) *api.Service {
	svc := &api.Service{
		ObjectMeta: api.ObjectMeta{Name: kubernetesServiceName, Namespace: "default",
			Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec: api.ServiceSpec{
			Type:      api.ServiceTypeClusterIP,
			ClusterIP: clusterIP,
			// The name and number Kubernetes gives it, so clients written
			// for Kubernetes find it where they look; the target is the
			// API's own port.
			Ports: []api.ServicePort{{Name: "https", Protocol: "TCP", Port: 443, TargetPort: api.FromInt(port)}},
		},
	}
	api.SetDefaults(svc)
	return svc
}

// kubernetesEndpoints is the Endpoints as this apiserver alone wants them.
func kubernetesEndpoints(ip string, port int32) *api.Endpoints {
	return &api.Endpoints{
		ObjectMeta: api.ObjectMeta{Name: kubernetesServiceName, Namespace: "default"},
		Subsets: []api.EndpointSubset{{
			Addresses: []api.EndpointAddress{{IP: ip}},
			Ports:     []api.EndpointPort{{Name: "https", Port: port, Protocol: "TCP"}},
		}},
	}
}

// withAPIServer returns the one subset the Endpoints should have: every
// ready address already there (other apiservers of the same etcd) and
// this apiserver's, sorted, at the port pods get.
func withAPIServer(subsets []api.EndpointSubset, mine api.EndpointSubset) []api.EndpointSubset {
	ips := []string{mine.Addresses[0].IP}
	for _, ss := range subsets {
		for _, a := range ss.Addresses {
			ips = append(ips, a.IP)
		}
	}
	slices.Sort(ips)
	ips = slices.Compact(ips)
	out := api.EndpointSubset{Ports: mine.Ports}
	for _, ip := range ips {
		out.Addresses = append(out.Addresses, api.EndpointAddress{IP: ip})
	}
	return []api.EndpointSubset{out}
}
