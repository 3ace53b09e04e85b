package api

// discovery.k8s.io/v1 EndpointSlice: the addresses behind a Service, cut
// into slices of at most a hundred. An Endpoints object holds every
// address of a Service in one object, so a change to one pod of a
// thousand rewrites (and sends to every watcher) all thousand; a slice
// change rewrites a hundred. Newer proxies and DNS servers read slices;
// kubelab's own proxy and DNS still read Endpoints, which the endpoints
// controller keeps beside them.
//
// A Service's slices carry the label kubernetes.io/service-name, which is
// how a reader finds them (there may be several, and their names are
// generated), and endpointslice.kubernetes.io/managed-by, which tells the
// controller's slices from hand-written ones.

// DiscoveryGroup is the API group of EndpointSlice.
const DiscoveryGroup = "discovery.k8s.io"

// Labels of an EndpointSlice.
const (
	// LabelServiceName names the Service a slice belongs to.
	LabelServiceName = "kubernetes.io/service-name"
	// LabelManagedBy names the controller that writes a slice; others
	// leave a slice alone when it is not theirs.
	LabelManagedBy = "endpointslice.kubernetes.io/managed-by"
	// EndpointSliceControllerName is the managed-by value of the slices
	// the endpointslice controller writes.
	EndpointSliceControllerName = "endpointslice-controller.k8s.io"
)

// Address types: what the addresses of a slice are. Every address of one
// slice is of the same type, fixed at creation.
const (
	AddressTypeIPv4 = "IPv4"
	AddressTypeIPv6 = "IPv6"
	AddressTypeFQDN = "FQDN"
)

// AddressTypes are the values of addressType Kubernetes accepts.
var AddressTypes = []string{AddressTypeIPv4, AddressTypeIPv6, AddressTypeFQDN}

// Limits of one slice, as Kubernetes' validation has them.
const (
	MaxEndpointsPerSlice    = 1000 // what validation accepts
	MaxPortsPerSlice        = 100
	MaxAddressesPerEndpoint = 100
)

// EndpointSlice is a part of the endpoints of a Service: one address type
// and one set of ports, and the endpoints that serve those ports.
type EndpointSlice struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// AddressType is IPv4, IPv6 or FQDN; it cannot change.
	AddressType string `json:"addressType"`
	// Endpoints are the pods (or other backends) of this slice, at most
	// 1000 (the controller writes at most 100).
	Endpoints []Endpoint `json:"endpoints"`
	// Ports are the ports every endpoint of the slice serves, at most 100.
	// An empty list means no ports are defined (a headless Service used
	// only for DNS).
	Ports []EndpointSlicePort `json:"ports"`
}

// Endpoint is one backend of a Service.
type Endpoint struct {
	// Addresses of the backend, of the slice's address type; a pod has one.
	Addresses []string `json:"addresses"`
	// Conditions say whether the backend takes traffic.
	Conditions EndpointConditions `json:"conditions"`
	// Hostname is the backend's own DNS name under a headless Service
	// (hostname.service.namespace.svc).
	Hostname *string `json:"hostname,omitempty"`
	// TargetRef points at the pod behind the endpoint.
	TargetRef *ObjectReference `json:"targetRef,omitempty"`
	// NodeName is the node the backend runs on.
	NodeName *string `json:"nodeName,omitempty"`
	// Zone is the node's topology.kubernetes.io/zone label.
	Zone *string `json:"zone,omitempty"`
}

// EndpointConditions are three views of a backend's health. A proxy sends
// new connections to ready endpoints; while a pod shuts down it is not
// ready but may still be serving, and a proxy with no ready endpoint left
// falls back to the serving ones rather than drop traffic.
type EndpointConditions struct {
	// Ready: serving and not terminating (or the Service publishes
	// not-ready addresses).
	Ready *bool `json:"ready,omitempty"`
	// Serving: the pod's Ready condition, whether or not it is terminating.
	Serving *bool `json:"serving,omitempty"`
	// Terminating: the pod is being deleted.
	Terminating *bool `json:"terminating,omitempty"`
}

// EndpointSlicePort is a port every endpoint of a slice serves. It is
// discovery's EndpointPort; the name is taken by the core group's.
type EndpointSlicePort struct {
	// Name is the Service port's name; "" when the Service has one port.
	Name *string `json:"name,omitempty"`
	// Protocol is TCP, UDP or SCTP; TCP by default.
	Protocol *string `json:"protocol,omitempty"`
	// Port is the number the backends listen on, the Service port's
	// targetPort resolved in the pod.
	Port *int32 `json:"port,omitempty"`
	// AppProtocol is the application protocol, such as http or
	// kubernetes.io/h2c. Kubernetes copies it from the Service port;
	// kubelab's Services have no appProtocol yet, so its controller
	// leaves it out.
	AppProtocol *string `json:"appProtocol,omitempty"`
}

// setEndpointSliceDefaults gives every port a name ("") and a protocol
// (TCP), as Kubernetes' discovery/v1 defaults do.
func setEndpointSliceDefaults(s *EndpointSlice) {
	for i := range s.Ports {
		p := &s.Ports[i]
		if p.Name == nil {
			p.Name = String("")
		}
		if p.Protocol == nil {
			p.Protocol = String("TCP")
		}
	}
}
