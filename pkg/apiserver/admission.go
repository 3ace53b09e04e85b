package apiserver

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"kubelab/pkg/api"
)

// Admission: what the apiserver fills in or resets before an object is
// validated and stored.

// newUID returns a random RFC 4122 version 4 UID.
func newUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// generatedName appends five random characters to a generateName prefix,
// from the alphabet Kubernetes uses (no vowels, no look-alikes).
func generatedName(prefix string) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	var b [5]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	if max := 63 - 5; len(prefix) > max {
		prefix = prefix[:max]
	}
	return prefix + string(b[:])
}

// prepareCreate resets what a client may not set on create and fills in
// what the server owns.
func prepareCreate(obj api.Object) {
	meta := obj.GetObjectMeta()
	meta.UID = newUID()
	meta.CreationTimestamp = api.Now()
	meta.ResourceVersion = ""
	meta.Generation = 1
	meta.DeletionTimestamp = nil
	meta.DeletionGracePeriodSeconds = nil
	switch o := obj.(type) {
	case *api.Pod:
		o.Status = api.PodStatus{Phase: api.PodPending}
		if o.Spec.NodeName != "" {
			// Created already bound (DaemonSets, static placement): scheduled.
			o.Status.Conditions = []api.PodCondition{{Type: api.PodScheduled, Status: api.ConditionTrue, LastTransitionTime: api.Now()}}
		}
	case *api.Service:
		o.Status = api.ServiceStatus{}
	case *api.ReplicaSet:
		o.Status = api.ReplicaSetStatus{}
	case *api.ReplicationController:
		o.Status = api.ReplicaSetStatus{}
	case *api.DaemonSet:
		o.Status = api.DaemonSetStatus{}
	case *api.Deployment:
		o.Status = api.DeploymentStatus{}
	case *api.Job:
		o.Status = api.JobStatus{}
	case *api.CronJob:
		o.Status = api.CronJobStatus{}
	case *api.PersistentVolume: // a new volume is Pending, a new claim too (defaults)
		o.Status = api.PersistentVolumeStatus{}
	case *api.PersistentVolumeClaim:
		o.Status = api.PersistentVolumeClaimStatus{}
	case *api.Namespace:
		o.Status = api.NamespaceStatus{Phase: api.NamespaceActive}
		o.Spec.Finalizers = []string{"kubernetes"}
	}
}

// normalize folds write-only conveniences into the stored form: a
// Secret's stringData goes into data, as Kubernetes does on every write.
func normalize(obj api.Object) {
	if sec, ok := obj.(*api.Secret); ok && len(sec.StringData) > 0 {
		if sec.Data == nil {
			sec.Data = map[string][]byte{}
		}
		for k, v := range sec.StringData {
			sec.Data[k] = []byte(v)
		}
		sec.StringData = nil
	}
}

// keepServerFields carries over from old what a client's update may not
// change: identity, timestamps, generation, and deletion state.
func keepServerFields(obj, old api.Object) {
	m, o := obj.GetObjectMeta(), old.GetObjectMeta()
	m.UID = o.UID
	m.CreationTimestamp = o.CreationTimestamp
	m.Generation = o.Generation
	m.DeletionTimestamp = o.DeletionTimestamp
	m.DeletionGracePeriodSeconds = o.DeletionGracePeriodSeconds
	m.Namespace = o.Namespace
	m.GenerateName = o.GenerateName
	if ns, ok := obj.(*api.Namespace); ok {
		ns.Spec = old.(*api.Namespace).Spec
	}
}

// allocate fills in the addresses an object needs: a ClusterIP and node
// ports for Services, a pod CIDR for Nodes. old is nil on create; on update
// addresses the object already held are kept when the client left them
// empty, as kubectl apply expects.
func (s *Server) allocate(ctx context.Context, r api.Resource, obj, old api.Object) *api.Status {
	switch o := obj.(type) {
	case *api.Service:
		var prev *api.Service
		if old != nil {
			prev = old.(*api.Service)
		}
		return s.allocateService(ctx, r, o, prev)
	case *api.Node:
		if old != nil && o.Spec.PodCIDR == "" {
			o.Spec.PodCIDR = old.(*api.Node).Spec.PodCIDR
		}
		if o.Spec.PodCIDR == "" {
			cidr, err := s.alloc.PodCIDR(ctx)
			if err != nil {
				return internalError(err)
			}
			o.Spec.PodCIDR = cidr
		}
		o.Spec.PodCIDRs = []string{o.Spec.PodCIDR}
	}
	return nil
}

// allocates says whether allocate may give obj an address: then a
// create that loses the address to a concurrent one tries again.
func allocates(obj api.Object) bool {
	switch obj.(type) {
	case *api.Service, *api.Node:
		return true
	}
	return false
}

func (s *Server) allocateService(ctx context.Context, r api.Resource, svc, old *api.Service) *api.Status {
	name := svc.Name
	if svc.Spec.Type == api.ServiceTypeExternalName {
		svc.Spec.ClusterIP, svc.Spec.ClusterIPs = "", nil
		for i := range svc.Spec.Ports {
			svc.Spec.Ports[i].NodePort = 0
		}
		return nil
	}
	if old != nil && svc.Spec.ClusterIP == "" && old.Spec.Type != api.ServiceTypeExternalName {
		svc.Spec.ClusterIP = old.Spec.ClusterIP
	}
	switch ip := svc.Spec.ClusterIP; {
	case ip == api.ClusterIPNone:
	case ip == "":
		got, err := s.alloc.ServiceIP(ctx)
		if err != nil {
			return internalError(err)
		}
		svc.Spec.ClusterIP = got
	case old != nil && ip == old.Spec.ClusterIP:
	case !s.alloc.InServiceRange(ip):
		return fieldInvalid(r, name, "spec.clusterIP", ip,
			fmt.Sprintf("provided IP is not in the valid range. The range of valid IPs is %s", s.alloc.serviceCIDR))
	}
	svc.Spec.ClusterIPs = []string{svc.Spec.ClusterIP}

	wantNodePorts := svc.Spec.Type == api.ServiceTypeNodePort || svc.Spec.Type == api.ServiceTypeLoadBalancer
	used := map[int32]bool{}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if !wantNodePorts {
			if p.NodePort != 0 {
				return fieldInvalid(r, name, fmt.Sprintf("spec.ports[%d].nodePort", i), p.NodePort,
					"may not be used when `type` is '"+svc.Spec.Type+"'")
			}
			continue
		}
		if p.NodePort == 0 && old != nil {
			p.NodePort = previousNodePort(old, *p)
		}
		if p.NodePort != 0 {
			if !s.alloc.InPortRange(p.NodePort) && (old == nil || previousNodePort(old, *p) != p.NodePort) {
				return fieldInvalid(r, name, fmt.Sprintf("spec.ports[%d].nodePort", i), p.NodePort,
					"provided port is not in the valid range. The range of valid ports is "+s.alloc.PortRange())
			}
			used[p.NodePort] = true
		}
	}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if wantNodePorts && p.NodePort == 0 {
			port, err := s.alloc.NodePort(ctx, used)
			if err != nil {
				return internalError(err)
			}
			p.NodePort, used[port] = port, true
		}
	}
	return nil
}

// previousNodePort finds the node port old gave the same service port.
func previousNodePort(old *api.Service, p api.ServicePort) int32 {
	for _, q := range old.Spec.Ports {
		if q.Port == p.Port && strings.EqualFold(q.Protocol, p.Protocol) {
			return q.NodePort
		}
	}
	return 0
}
