package kctl

import (
	"context"
	"fmt"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/printers"
)

func describeService(ctx context.Context, d *describer, obj api.Object) error {
	s := obj.(*api.Service)
	d.meta(&s.ObjectMeta)
	d.field(0, "Selector", printers.FormatLabels(s.Spec.Selector))
	d.field(0, "Type", printers.ServiceType(s))
	if s.Spec.IPFamilyPolicy != nil {
		d.field(0, "IP Family Policy", *s.Spec.IPFamilyPolicy)
	}
	if len(s.Spec.IPFamilies) > 0 {
		d.field(0, "IP Families", strings.Join(s.Spec.IPFamilies, ","))
	}
	d.field(0, "IP", printers.OrNone(s.Spec.ClusterIP))
	if len(s.Spec.ExternalIPs) > 0 {
		d.field(0, "External IPs", strings.Join(s.Spec.ExternalIPs, ","))
	}
	if s.Spec.ExternalName != "" {
		d.field(0, "External Name", s.Spec.ExternalName)
	}
	if printers.ServiceType(s) == api.ServiceTypeLoadBalancer {
		d.field(0, "LoadBalancer Ingress", printers.ServiceExternalIP(s))
	}
	// As kubectl, read the Service's EndpointSlices, found by their
	// kubernetes.io/service-name label; none at all shows <none>.
	sliceRes, _ := api.Lookup("endpointslices.discovery.k8s.io")
	objs, _, err := d.c.Resource(sliceRes).Namespace(s.Namespace).List(ctx,
		client.ListOptions{LabelSelector: api.LabelServiceName + "=" + s.Name})
	if err != nil {
		return err
	}
	slices := make([]*api.EndpointSlice, len(objs))
	for i, o := range objs {
		slices[i] = o.(*api.EndpointSlice)
	}
	for _, p := range s.Spec.Ports {
		name := orDefault(p.Name, "<unset>")
		d.field(0, "Port", fmt.Sprintf("%s  %d/%s", name, p.Port, printers.Protocol(p.Protocol)))
		target := p.TargetPort.String()
		if p.TargetPort.IsZero() {
			target = fmt.Sprint(p.Port)
		}
		d.field(0, "TargetPort", fmt.Sprintf("%s/%s", target, printers.Protocol(p.Protocol)))
		if p.NodePort != 0 {
			d.field(0, "NodePort", fmt.Sprintf("%s  %d/%s", name, p.NodePort, printers.Protocol(p.Protocol)))
		}
		d.field(0, "Endpoints", printers.FormatEndpointSlices(slices, p.Name))
	}
	d.field(0, "Session Affinity", orDefault(s.Spec.SessionAffinity, "None"))
	if t := printers.ServiceType(s); t == api.ServiceTypeNodePort || t == api.ServiceTypeLoadBalancer {
		d.field(0, "External Traffic Policy", orDefault(s.Spec.ExternalTrafficPolicy, "Cluster"))
	}
	return d.events(ctx, s)
}

func describeNode(ctx context.Context, d *describer, obj api.Object) error {
	n := obj.(*api.Node)
	d.field(0, "Name", n.Name)
	d.field(0, "Roles", printers.NodeRoles(n))
	d.labels(0, "Labels", n.Labels)
	d.labels(0, "Annotations", n.Annotations)
	d.field(0, "CreationTimestamp", timestamp(n.CreationTimestamp))
	var taints []string
	for _, t := range n.Spec.Taints {
		taints = append(taints, tolerations([]api.Toleration{{Key: t.Key, Value: t.Value, Effect: t.Effect}})...)
	}
	d.multiline(0, "Taints", taints)
	d.field(0, "Unschedulable", n.Spec.Unschedulable)
	d.line(0, "Conditions:")
	var rows [][]string
	for _, c := range n.Status.Conditions {
		rows = append(rows, []string{c.Type, c.Status, timestamp(c.LastHeartbeatTime), timestamp(c.LastTransitionTime), c.Reason, c.Message})
	}
	d.table(1, []string{"Type", "Status", "LastHeartbeatTime", "LastTransitionTime", "Reason", "Message"}, rows)
	d.line(0, "Addresses:")
	for _, a := range n.Status.Addresses {
		d.field(1, a.Type, a.Address)
	}
	d.quantities("Capacity", n.Status.Capacity)
	d.quantities("Allocatable", n.Status.Allocatable)
	info := n.Status.NodeInfo
	d.line(0, "System Info:")
	d.field(1, "Machine ID", info.MachineID)
	d.field(1, "Kernel Version", info.KernelVersion)
	d.field(1, "OS Image", info.OSImage)
	d.field(1, "Operating System", info.OperatingSystem)
	d.field(1, "Architecture", info.Architecture)
	d.field(1, "Container Runtime Version", info.ContainerRuntimeVersion)
	d.field(1, "Kubelet Version", info.KubeletVersion)
	d.field(0, "PodCIDR", n.Spec.PodCIDR)
	d.field(0, "PodCIDRs", strings.Join(n.Spec.PodCIDRs, ","))
	if err := d.nodePods(ctx, n); err != nil {
		return err
	}
	return d.events(ctx, n)
}

func (d *describer) quantities(key string, rl api.ResourceList) {
	d.line(0, "%s:", key)
	for _, name := range sortedKeys(rl) {
		q := rl[name]
		d.field(1, name, q.String())
	}
}

// nodePods writes the pods on the node that are not finished, with what
// they request and may use, as shares of what the node can give.
func (d *describer) nodePods(ctx context.Context, n *api.Node) error {
	podRes, _ := api.Lookup("pods")
	pods, _, err := d.c.Resource(podRes).List(ctx, client.ListOptions{FieldSelector: "spec.nodeName=" + n.Name})
	if err != nil {
		return err
	}
	var rows [][]string
	total := map[string]api.ResourceList{"requests": {}, "limits": {}}
	share := func(res string, q api.Quantity) string {
		alloc := n.Status.Allocatable[res]
		pct := int64(0)
		if alloc.MilliValue() > 0 {
			pct = q.MilliValue() * 100 / alloc.MilliValue()
		}
		return fmt.Sprintf("%s (%d%%)", q.String(), pct)
	}
	for _, o := range pods {
		p := o.(*api.Pod)
		if p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed {
			continue
		}
		req, lim := podResources(p)
		for _, name := range []string{"cpu", "memory"} {
			total["requests"][name] = total["requests"][name].Add(req[name])
			total["limits"][name] = total["limits"][name].Add(lim[name])
		}
		rows = append(rows, []string{p.Namespace, p.Name, share("cpu", req["cpu"]), share("cpu", lim["cpu"]),
			share("memory", req["memory"]), share("memory", lim["memory"]), printers.Age(p.CreationTimestamp, d.now)})
	}
	d.field(0, "Non-terminated Pods", fmt.Sprintf("(%d in total)", len(rows)))
	d.table(1, []string{"Namespace", "Name", "CPU Requests", "CPU Limits", "Memory Requests", "Memory Limits", "Age"}, rows)
	d.line(0, "Allocated resources:")
	d.line(1, "(Total limits may be over 100 percent, i.e., overcommitted.)")
	d.table(1, []string{"Resource", "Requests", "Limits"}, [][]string{
		{"cpu", share("cpu", total["requests"]["cpu"]), share("cpu", total["limits"]["cpu"])},
		{"memory", share("memory", total["requests"]["memory"]), share("memory", total["limits"]["memory"])},
	})
	return nil
}

// podResources sums the requests and limits of a pod's containers.
func podResources(p *api.Pod) (requests, limits api.ResourceList) {
	requests, limits = api.ResourceList{}, api.ResourceList{}
	for _, c := range p.Spec.Containers {
		for name, q := range c.Resources.Requests {
			requests[name] = requests[name].Add(q)
		}
		for name, q := range c.Resources.Limits {
			limits[name] = limits[name].Add(q)
		}
	}
	return requests, limits
}

func describeReplicaSet(ctx context.Context, d *describer, obj api.Object) error {
	rs := obj.(*api.ReplicaSet)
	return d.controller(ctx, rs, printers.FormatSelector(rs.Spec.Selector), &rs.Spec.Template, func() {
		d.field(0, "Replicas", fmt.Sprintf("%d current / %d desired", rs.Status.Replicas, printers.Replicas(rs.Spec.Replicas)))
	})
}

func describeReplicationController(ctx context.Context, d *describer, obj api.Object) error {
	rc := obj.(*api.ReplicationController)
	template := rc.Spec.Template
	if template == nil {
		template = &api.PodTemplateSpec{}
	}
	return d.controller(ctx, rc, printers.FormatLabels(rc.Spec.Selector), template, func() {
		d.field(0, "Replicas", fmt.Sprintf("%d current / %d desired", rc.Status.Replicas, printers.Replicas(rc.Spec.Replicas)))
	})
}

func describeDaemonSet(ctx context.Context, d *describer, obj api.Object) error {
	ds := obj.(*api.DaemonSet)
	st := ds.Status
	return d.controller(ctx, ds, printers.FormatSelector(ds.Spec.Selector), &ds.Spec.Template, func() {
		d.field(0, "Node-Selector", printers.FormatLabels(ds.Spec.Template.Spec.NodeSelector))
		d.field(0, "Desired Number of Nodes Scheduled", st.DesiredNumberScheduled)
		d.field(0, "Current Number of Nodes Scheduled", st.CurrentNumberScheduled)
		d.field(0, "Number of Nodes Scheduled with Up-to-date Pods", st.UpdatedNumberScheduled)
		d.field(0, "Number of Nodes Scheduled with Available Pods", st.NumberAvailable)
		d.field(0, "Number of Nodes Misscheduled", st.NumberMisscheduled)
	})
}

// controller is the description shared by ReplicaSets,
// ReplicationControllers and DaemonSets: selector, counts (written by
// counts), the phases of the pods it owns, the pod template, events.
func (d *describer) controller(ctx context.Context, obj api.Object, selector string, t *api.PodTemplateSpec, counts func()) error {
	m := obj.GetObjectMeta()
	d.field(0, "Name", m.Name)
	d.field(0, "Namespace", m.Namespace)
	d.field(0, "Selector", selector)
	d.labels(0, "Labels", m.Labels)
	d.labels(0, "Annotations", m.Annotations)
	counts()
	status, err := d.ownedPodsStatus(ctx, m, selector)
	if err != nil {
		return err
	}
	d.field(0, "Pods Status", status)
	d.podTemplate(t) // describe_workloads.go
	return d.events(ctx, obj)
}

// ownedPodsStatus counts, by phase, the pods matching the selector whose
// controller is the owner: "3 Running / 0 Waiting / 0 Succeeded / 0 Failed".
func (d *describer) ownedPodsStatus(ctx context.Context, owner *api.ObjectMeta, selector string) (string, error) {
	count := map[string]int{}
	if selector != "<none>" {
		podRes, _ := api.Lookup("pods")
		pods, _, err := d.c.Resource(podRes).Namespace(owner.Namespace).List(ctx, client.ListOptions{LabelSelector: selector})
		if err != nil {
			return "", err
		}
		for _, o := range pods {
			p := o.(*api.Pod)
			if ref := api.ControllerRef(&p.ObjectMeta); ref != nil && ref.UID == owner.UID {
				count[orDefault(p.Status.Phase, api.PodPending)]++
			}
		}
	}
	return fmt.Sprintf("%d Running / %d Waiting / %d Succeeded / %d Failed",
		count[api.PodRunning], count[api.PodPending], count[api.PodSucceeded], count[api.PodFailed]), nil
}

func describeNamespace(_ context.Context, d *describer, obj api.Object) error {
	ns := obj.(*api.Namespace)
	d.meta(&ns.ObjectMeta)
	d.field(0, "Status", ns.Status.Phase)
	d.line(0, "")
	d.line(0, "No resource quota.")
	d.line(0, "")
	d.line(0, "No LimitRange resource.")
	return nil
}

func describeEndpoints(ctx context.Context, d *describer, obj api.Object) error {
	e := obj.(*api.Endpoints)
	d.meta(&e.ObjectMeta)
	d.line(0, "Subsets:")
	for _, ss := range e.Subsets {
		d.field(1, "Addresses", addressList(ss.Addresses))
		d.field(1, "NotReadyAddresses", addressList(ss.NotReadyAddresses))
		d.line(1, "Ports:")
		var rows [][]string
		for _, p := range ss.Ports {
			rows = append(rows, []string{orDefault(p.Name, "<unset>"), fmt.Sprint(p.Port), printers.Protocol(p.Protocol)})
		}
		d.table(2, []string{"Name", "Port", "Protocol"}, rows)
	}
	d.line(0, "")
	return d.events(ctx, e)
}

func addressList(addrs []api.EndpointAddress) string {
	if len(addrs) == 0 {
		return "<none>"
	}
	ips := make([]string, len(addrs))
	for i, a := range addrs {
		ips[i] = a.IP
	}
	return strings.Join(ips, ",")
}

func describeConfigMap(ctx context.Context, d *describer, obj api.Object) error {
	cm := obj.(*api.ConfigMap)
	d.meta(&cm.ObjectMeta)
	d.line(0, "")
	d.line(0, "Data")
	d.line(0, "====")
	for _, k := range sortedKeys(cm.Data) {
		d.line(0, "%s:", k)
		d.line(0, "----")
		d.line(0, "%s", cm.Data[k])
		d.line(0, "")
	}
	d.line(0, "")
	d.line(0, "BinaryData")
	d.line(0, "====")
	for _, k := range sortedKeys(cm.BinaryData) {
		d.line(0, "%s: %d bytes", k, len(cm.BinaryData[k]))
	}
	d.line(0, "")
	return d.events(ctx, cm)
}

func describeSecret(ctx context.Context, d *describer, obj api.Object) error {
	s := obj.(*api.Secret)
	d.meta(&s.ObjectMeta)
	d.line(0, "")
	d.field(0, "Type", s.Type)
	d.line(0, "")
	d.line(0, "Data")
	d.line(0, "====")
	for _, k := range sortedKeys(s.Data) {
		d.field(0, k, fmt.Sprintf("%d bytes", len(s.Data[k])))
	}
	return nil
}

// describeServiceAccount is kubectl's: the Secrets it lists, and Tokens,
// which kubelab never makes as Secrets (nor Kubernetes since 1.24).
func describeServiceAccount(ctx context.Context, d *describer, obj api.Object) error {
	sa := obj.(*api.ServiceAccount)
	d.meta(&sa.ObjectMeta)
	var pull, mountable []string
	for _, r := range sa.ImagePullSecrets {
		pull = append(pull, r.Name)
	}
	for _, r := range sa.Secrets {
		mountable = append(mountable, r.Name)
	}
	d.multiline(0, "Image pull secrets", pull)
	d.multiline(0, "Mountable secrets", mountable)
	d.field(0, "Tokens", "<none>")
	return d.events(ctx, sa)
}
