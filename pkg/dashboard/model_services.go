package dashboard

import (
	"fmt"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/printers"
)

// The services view: each Service with its addresses and, from its
// Endpoints, the pods behind it, ready or not. A pod failing its
// readiness probe moves from one list to the other.

// serviceList is the model of the services view.
type serviceList struct {
	Namespace string
	Services  []serviceView
}

type serviceView struct {
	Namespace, Name, ID string
	Type, ClusterIP     string
	External            string // external IPs, load balancer ingress
	Ports               []string
	Selector            string
	Ready, NotReady     []endpointView
	NoSelector          bool // its Endpoints are written by hand
	ExternalName        string
}

// endpointView is one address of a Service's Endpoints.
type endpointView struct {
	IP, Pod, PodURL, Node string
}

// buildServices reads the Services of namespace ns ("" all) and their
// Endpoints.
func buildServices(c *caches, ns string) serviceList {
	l := serviceList{Namespace: ns}
	for _, s := range listOf[*api.Service](c.services) {
		if ns != "" && s.Namespace != ns {
			continue
		}
		v := serviceView{Namespace: s.Namespace, Name: s.Name, ID: "svc-" + s.Namespace + "-" + s.Name,
			Type: printers.ServiceType(s), ClusterIP: printers.OrNone(s.Spec.ClusterIP),
			Selector: printers.FormatLabels(s.Spec.Selector), NoSelector: len(s.Spec.Selector) == 0,
			ExternalName: s.Spec.ExternalName}
		if ext := printers.ServiceExternalIP(s); ext != "<none>" {
			v.External = ext
		}
		for _, p := range s.Spec.Ports {
			v.Ports = append(v.Ports, portText(p))
		}
		if eps, ok := getAs[*api.Endpoints](c.endpoints, s.Namespace+"/"+s.Name); ok {
			for _, sub := range eps.Subsets {
				v.Ready = appendEndpoints(v.Ready, sub.Addresses, sub.Ports)
				v.NotReady = appendEndpoints(v.NotReady, sub.NotReadyAddresses, sub.Ports)
			}
		}
		l.Services = append(l.Services, v)
	}
	return l
}

// portText is one port of a Service: "http 80→8080/TCP, node port 30123".
func portText(p api.ServicePort) string {
	s := fmt.Sprintf("%d/%s", p.Port, printers.Protocol(p.Protocol))
	if !p.TargetPort.IsZero() {
		s = fmt.Sprintf("%d→%s/%s", p.Port, p.TargetPort.String(), printers.Protocol(p.Protocol))
	}
	if p.Name != "" {
		s = p.Name + " " + s
	}
	if p.NodePort != 0 {
		s += fmt.Sprintf(", node port %d", p.NodePort)
	}
	return s
}

func appendEndpoints(out []endpointView, addrs []api.EndpointAddress, ports []api.EndpointPort) []endpointView {
	var ps []string
	for _, p := range ports {
		ps = append(ps, fmt.Sprint(p.Port))
	}
	for _, a := range addrs {
		v := endpointView{IP: a.IP}
		if len(ps) > 0 {
			v.IP += ":" + strings.Join(ps, ",")
		}
		if a.NodeName != nil {
			v.Node = *a.NodeName
		}
		if ref := a.TargetRef; ref != nil && ref.Kind == "Pod" {
			v.Pod, v.PodURL = ref.Name, podURL(ref.Namespace, ref.Name)
		}
		out = append(out, v)
	}
	return out
}
