package kctl

// kctl expose puts a Service in front of what an object runs: the
// Service selects the object's pods with the object's own selector (a
// pod's labels), and its port defaults to the port the pods declare, as
// kubectl's expose.go with its polymorphic helpers (MapBasedSelector-
// ForObject, PortsForObject, ProtocolsForObject).

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
)

// exposeOptions are kctl expose's flags.
type exposeOptions struct {
	port, targetPort, protocol, serviceType, name string
	selector, labels, clusterIP                   string
	externalIPs                                   []string
	out                                           generatorFlags
}

func newExposeCommand(g *globals) *cobra.Command {
	var o exposeOptions
	cmd := &cobra.Command{
		Use:   "expose (TYPE NAME | TYPE/NAME) [--port=port] [--protocol=TCP|UDP|SCTP] [--target-port=number-or-name] [--name=name] [--type=type]",
		Short: "Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service",
		Long: "Expose makes a Service that selects the pods of a deployment, replica set, replication\n" +
			"controller, service or pod by that object's selector (a pod: its labels). Without\n" +
			"--port, the port is the one the pods declare; with several, one service port each.",
		Example: "  kctl expose deployment web --port=80 --target-port=8080\n" +
			"  kctl expose pod valid-pod --port=444 --name=frontend\n" +
			"  kctl expose rs nginx --type=NodePort",
		RunE: func(cmd *cobra.Command, args []string) error {
			targets, err := parseTargets("expose", args)
			if err != nil {
				return err
			}
			if len(targets) != 1 || len(targets[0].names) != 1 {
				return fmt.Errorf("expose needs exactly one object: TYPE NAME or TYPE/NAME")
			}
			t := targets[0]
			if !canExpose(t.res) {
				return fmt.Errorf("cannot expose a %s", groupKind(t.res))
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			obj, err := c.Resource(t.res).Namespace(g.namespace).Get(cmd.Context(), t.names[0])
			if err != nil {
				return err
			}
			svc, err := newExposeService(obj, o)
			if err != nil {
				return err
			}
			if g.namespaceSet {
				svc.Namespace = g.namespace
			}
			return g.emitGenerated(cmd, o.out, "services", svc, "exposed")
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.port, "port", "", "The port that the service should serve on. Copied from the resource being exposed, if unspecified")
	f.StringVar(&o.targetPort, "target-port", "", "Name or number for the port on the container that the service should direct traffic to. Optional.")
	f.StringVar(&o.protocol, "protocol", "", "The network protocol for the service to be created. Default is 'TCP'.")
	f.StringVar(&o.serviceType, "type", "", "Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName. Default is 'ClusterIP'.")
	f.StringVar(&o.name, "name", "", "The name for the newly created object.")
	f.StringVar(&o.selector, "selector", "", "A label selector to use for this service. Only equality-based selector requirements are supported.")
	f.StringVarP(&o.labels, "labels", "l", "", "Labels to apply to the service created by this call.")
	f.StringVar(&o.clusterIP, "cluster-ip", "", "ClusterIP to be assigned to the service. Leave empty to auto-allocate, or set to 'None' to create a headless service.")
	f.StringSliceVar(&o.externalIPs, "external-ip", nil, "Additional external IP address (not managed by Kubernetes) to accept for the service.")
	o.out.addFlags(cmd)
	return cmd
}

// canExpose is kubectl's CanBeExposed: the kinds whose pods a selector
// can be read from.
func canExpose(res api.Resource) bool {
	switch res.Name {
	case "pods", "services", "replicationcontrollers", "replicasets", "deployments":
		return true
	}
	return false
}

func groupKind(res api.Resource) string {
	if res.Group == "" {
		return res.Kind
	}
	return res.Kind + "." + res.Group
}

// newExposeService builds the Service for obj. Pure, for the tests.
func newExposeService(obj api.Object, o exposeOptions) (*api.Service, error) {
	meta := obj.GetObjectMeta()
	selector, err := selectorOf(obj)
	if err != nil {
		return nil, err
	}
	if o.selector != "" {
		if selector, err = parseKeyValues(strings.Split(o.selector, ","), "invalid selector"); err != nil {
			return nil, err
		}
	}
	if len(selector) == 0 {
		return nil, fmt.Errorf("couldn't retrieve selectors via --selector flag or introspection")
	}
	labels := meta.Labels
	if o.labels != "" {
		if labels, err = parseKeyValues(strings.Split(o.labels, ","), "invalid label spec"); err != nil {
			return nil, err
		}
	}
	name := o.name
	if name == "" {
		name = meta.Name
	}
	if len(name) > 63 { // a Service name is a DNS-1035 label
		name = name[:63]
	}
	declared := podPorts(obj)
	ports := []string{o.port}
	if o.port == "" {
		ports = nil
		for _, p := range declared {
			ports = append(ports, strconv.Itoa(int(p.ContainerPort)))
		}
		if len(ports) == 0 && o.clusterIP != api.ClusterIPNone {
			return nil, fmt.Errorf("couldn't find port via --port flag or introspection")
		}
	}
	svc := &api.Service{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: api.ObjectMeta{Name: name, Labels: labels},
		Spec:       api.ServiceSpec{Selector: selector, Type: o.serviceType, ClusterIP: o.clusterIP, ExternalIPs: o.externalIPs},
	}
	for i, s := range ports {
		port, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("invalid port %q: %v", s, err)
		}
		sp := api.ServicePort{Port: int32(port), Protocol: o.protocol, TargetPort: api.FromInt(int32(port))}
		if len(ports) > 1 {
			sp.Name = fmt.Sprintf("port-%d", i+1)
		}
		if sp.Protocol == "" {
			sp.Protocol = "TCP"
			for _, p := range declared {
				if p.ContainerPort == sp.Port && p.Protocol != "" {
					sp.Protocol = p.Protocol
				}
			}
		}
		if o.targetPort != "" {
			sp.TargetPort = api.FromString(o.targetPort)
			if n, err := strconv.Atoi(o.targetPort); err == nil {
				sp.TargetPort = api.FromInt(int32(n))
			}
		}
		svc.Spec.Ports = append(svc.Spec.Ports, sp)
	}
	return svc, nil
}

// selectorOf is the equality selector of obj's pods, as kubectl's
// MapBasedSelectorForObject.
func selectorOf(obj api.Object) (map[string]string, error) {
	switch o := obj.(type) {
	case *api.Pod:
		if len(o.Labels) == 0 {
			return nil, fmt.Errorf("the pod has no labels and cannot be exposed")
		}
		return o.Labels, nil
	case *api.Service:
		if o.Spec.Selector == nil {
			return nil, fmt.Errorf("the service has no pod selector set")
		}
		return o.Spec.Selector, nil
	case *api.ReplicationController:
		return o.Spec.Selector, nil
	case *api.ReplicaSet:
		return matchLabelsOnly(o.Spec.Selector, "replica set")
	case *api.Deployment:
		return matchLabelsOnly(o.Spec.Selector, "deployment")
	}
	return nil, fmt.Errorf("cannot extract pod selector from %s", obj.GetTypeMeta().Kind)
}

func matchLabelsOnly(s *api.LabelSelector, kind string) (map[string]string, error) {
	if s == nil {
		return nil, fmt.Errorf("invalid %s: no selectors, therefore cannot be exposed", kind)
	}
	if len(s.MatchExpressions) > 0 {
		return nil, fmt.Errorf("couldn't convert expressions - \"%+v\" to map-based selector format", s.MatchExpressions)
	}
	return s.MatchLabels, nil
}

// podPorts are the ports obj's pods declare (a service's own ports, for
// a service), as kubectl's PortsForObject and ProtocolsForObject read
// them.
func podPorts(obj api.Object) []api.ContainerPort {
	var spec *api.PodSpec
	switch o := obj.(type) {
	case *api.Pod:
		spec = &o.Spec
	case *api.ReplicaSet:
		spec = &o.Spec.Template.Spec
	case *api.Deployment:
		spec = &o.Spec.Template.Spec
	case *api.ReplicationController:
		if o.Spec.Template != nil {
			spec = &o.Spec.Template.Spec
		}
	case *api.Service:
		var out []api.ContainerPort
		for _, p := range o.Spec.Ports {
			out = append(out, api.ContainerPort{ContainerPort: p.Port, Protocol: p.Protocol})
		}
		return out
	}
	if spec == nil {
		return nil
	}
	var out []api.ContainerPort
	for _, c := range spec.Containers {
		out = append(out, c.Ports...)
	}
	return out
}
