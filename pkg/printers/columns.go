package printers

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"kubelab/pkg/api"
)

// Rows of the core kinds (v1), as kubectl prints them; their columns are
// in kinds.go.

func podRow(obj api.Object, now time.Time) []any {
	p := obj.(*api.Pod)
	ready, status, restarts := podStatus(p)
	return []any{p.Name, ready, status, restartsCell(p, restarts, now), Age(p.CreationTimestamp, now),
		OrNone(p.Status.PodIP), OrNone(p.Spec.NodeName), "<none>", "<none>"}
}

// restartsCell is the RESTARTS column: the count, and how long ago the
// last restart was, from when the container that restarted last
// finished: "3 (2m ago)". The containers are the init containers while
// they run, else the app containers, as for the count.
func restartsCell(p *api.Pod, restarts int32, now time.Time) string {
	statuses := p.Status.ContainerStatuses
	if _, initializing, _ := initContainersStatus(p); initializing {
		statuses = p.Status.InitContainerStatuses
	}
	var last api.Time
	for _, cs := range statuses {
		if t := cs.LastTerminationState.Terminated; t != nil && t.FinishedAt.After(last.Time) {
			last = t.FinishedAt
		}
	}
	if restarts == 0 || last.IsZero() {
		return strconv.Itoa(int(restarts))
	}
	return fmt.Sprintf("%d (%s ago)", restarts, Age(last, now))
}

// podStatus computes READY, STATUS and RESTARTS as kubectl does. STATUS is
// the phase unless something more telling is known: the reason an init
// container or container waits or ended (ErrImageNeverPull,
// CrashLoopBackOff, Completed, OOMKilled), or that the pod is being
// deleted.
func podStatus(p *api.Pod) (ready, status string, restarts int32) {
	status = p.Status.Phase
	if status == "" {
		status = api.PodPending
	}
	if p.Status.Reason != "" {
		status = p.Status.Reason
	}
	initStatus, initializing, initRestarts := initContainersStatus(p)
	readyCount, running := 0, false
	if initializing {
		status, restarts = initStatus, initRestarts
	} else {
		// Walked backwards, so that the first container with a reason has
		// the last word, as in kubectl.
		for i := len(p.Status.ContainerStatuses) - 1; i >= 0; i-- {
			cs := p.Status.ContainerStatuses[i]
			restarts += cs.RestartCount
			switch st := cs.State; {
			case st.Waiting != nil && st.Waiting.Reason != "":
				status = st.Waiting.Reason
			case st.Terminated != nil:
				status = terminatedReason(st.Terminated, "")
			case st.Running != nil && cs.Ready:
				running = true
				readyCount++
			}
		}
		if status == "Completed" && running {
			status = "NotReady"
			if podConditionTrue(p, api.PodReady) {
				status = api.PodRunning
			}
		}
	}
	if p.DeletionTimestamp != nil {
		status = "Terminating"
		if p.Status.Reason == "NodeLost" {
			status = "Unknown"
		}
	}
	return fmt.Sprintf("%d/%d", readyCount, len(p.Spec.Containers)), status, restarts
}

// initContainersStatus is the STATUS while init containers run:
// Init:1/2, Init:CrashLoopBackOff, Init:Error.
func initContainersStatus(p *api.Pod) (status string, initializing bool, restarts int32) {
	for _, cs := range p.Status.InitContainerStatuses {
		restarts += cs.RestartCount
	}
	for i, cs := range p.Status.InitContainerStatuses {
		st := cs.State
		switch {
		case st.Terminated != nil && st.Terminated.ExitCode == 0:
			continue
		case st.Terminated != nil:
			return terminatedReason(st.Terminated, "Init:"), true, restarts
		case st.Waiting != nil && st.Waiting.Reason != "" && st.Waiting.Reason != "PodInitializing":
			return "Init:" + st.Waiting.Reason, true, restarts
		}
		return fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers)), true, restarts
	}
	return "", false, restarts
}

func terminatedReason(t *api.ContainerStateTerminated, prefix string) string {
	switch {
	case t.Reason != "":
		return prefix + t.Reason
	case t.Signal != 0:
		return fmt.Sprintf("%sSignal:%d", prefix, t.Signal)
	}
	return fmt.Sprintf("%sExitCode:%d", prefix, t.ExitCode)
}

func podConditionTrue(p *api.Pod, typ string) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == typ {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}

func serviceRow(obj api.Object, now time.Time) []any {
	s := obj.(*api.Service)
	return []any{s.Name, ServiceType(s), OrNone(s.Spec.ClusterIP), ServiceExternalIP(s), servicePorts(s.Spec.Ports),
		Age(s.CreationTimestamp, now), FormatLabels(s.Spec.Selector)}
}

func ServiceType(s *api.Service) string {
	if s.Spec.Type == "" {
		return api.ServiceTypeClusterIP
	}
	return s.Spec.Type
}

// serviceExternalIP is the EXTERNAL-IP column: the external IPs, the load
// balancer's addresses (<pending> until it has some), or the external name.
func ServiceExternalIP(s *api.Service) string {
	switch ServiceType(s) {
	case api.ServiceTypeExternalName:
		return s.Spec.ExternalName
	case api.ServiceTypeLoadBalancer:
		var addrs []string
		for _, in := range s.Status.LoadBalancer.Ingress {
			if in.IP != "" {
				addrs = append(addrs, in.IP)
			} else if in.Hostname != "" {
				addrs = append(addrs, in.Hostname)
			}
		}
		addrs = append(addrs, s.Spec.ExternalIPs...)
		if len(addrs) == 0 {
			return "<pending>"
		}
		return strings.Join(addrs, ",")
	}
	if len(s.Spec.ExternalIPs) == 0 {
		return "<none>"
	}
	return strings.Join(s.Spec.ExternalIPs, ",")
}

// servicePorts is the PORT(S) column: 80/TCP, or 80:30080/TCP with a node
// port.
func servicePorts(ports []api.ServicePort) string {
	if len(ports) == 0 {
		return "<none>"
	}
	out := make([]string, len(ports))
	for i, p := range ports {
		out[i] = strconv.Itoa(int(p.Port))
		if p.NodePort > 0 {
			out[i] += ":" + strconv.Itoa(int(p.NodePort))
		}
		out[i] += "/" + Protocol(p.Protocol)
	}
	return strings.Join(out, ",")
}

func Protocol(p string) string {
	if p == "" {
		return "TCP"
	}
	return p
}

func endpointsRow(obj api.Object, now time.Time) []any {
	e := obj.(*api.Endpoints)
	return []any{e.Name, FormatEndpoints(e.Subsets, "", 3), Age(e.CreationTimestamp, now)}
}

// formatEndpoints lists ready addresses as ip:port, at most max of them
// (0: all) and then "+ N more...". portName, if set, keeps only that port.
func FormatEndpoints(subsets []api.EndpointSubset, portName string, max int) string {
	var list []string
	total := 0
	add := func(s string) {
		total++
		if max == 0 || len(list) < max {
			list = append(list, s)
		}
	}
	for _, ss := range subsets {
		if len(ss.Ports) == 0 { // a headless service may have no ports
			for _, a := range ss.Addresses {
				add(a.IP)
			}
			continue
		}
		for _, port := range ss.Ports {
			if portName != "" && port.Name != portName {
				continue
			}
			for _, a := range ss.Addresses {
				add(net.JoinHostPort(a.IP, strconv.Itoa(int(port.Port))))
			}
		}
	}
	if len(list) == 0 {
		return "<none>"
	}
	out := strings.Join(list, ",")
	if total > len(list) {
		out += fmt.Sprintf(" + %d more...", total-len(list))
	}
	return out
}

func nodeRow(obj api.Object, now time.Time) []any {
	n := obj.(*api.Node)
	info := n.Status.NodeInfo
	return []any{n.Name, nodeStatus(n), NodeRoles(n), Age(n.CreationTimestamp, now), info.KubeletVersion,
		OrNone(n.InternalIP()), OrNone(nodeAddress(n, api.NodeExternalIP)), orUnknown(info.OSImage),
		orUnknown(info.KernelVersion), orUnknown(info.ContainerRuntimeVersion)}
}

// nodeStatus is Ready, NotReady or Unknown from the Ready condition, plus
// SchedulingDisabled for a cordoned node.
func nodeStatus(n *api.Node) string {
	status := "Unknown"
	for _, c := range n.Status.Conditions {
		if c.Type == api.NodeReady {
			switch c.Status {
			case api.ConditionTrue:
				status = "Ready"
			case api.ConditionFalse:
				status = "NotReady"
			}
		}
	}
	if n.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	return status
}

// nodeRoles reads the roles from node-role.kubernetes.io/<role> labels.
func NodeRoles(n *api.Node) string {
	var roles []string
	for k, v := range n.Labels {
		if role, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok && role != "" {
			roles = append(roles, role)
		} else if k == "kubernetes.io/role" && v != "" {
			roles = append(roles, v)
		}
	}
	if len(roles) == 0 {
		return "<none>"
	}
	sort.Strings(roles)
	return strings.Join(roles, ",")
}

func nodeAddress(n *api.Node, typ string) string {
	for _, a := range n.Status.Addresses {
		if a.Type == typ {
			return a.Address
		}
	}
	return ""
}

func namespaceRow(obj api.Object, now time.Time) []any {
	ns := obj.(*api.Namespace)
	return []any{ns.Name, ns.Status.Phase, Age(ns.CreationTimestamp, now)}
}

func replicaSetRow(obj api.Object, now time.Time) []any {
	rs := obj.(*api.ReplicaSet)
	return append([]any{rs.Name, int64(Replicas(rs.Spec.Replicas)), int64(rs.Status.Replicas),
		int64(rs.Status.ReadyReplicas), Age(rs.CreationTimestamp, now)},
		templateColumns(&rs.Spec.Template, FormatSelector(rs.Spec.Selector))...)
}

func replicationControllerRow(obj api.Object, now time.Time) []any {
	rc := obj.(*api.ReplicationController)
	template := rc.Spec.Template
	if template == nil {
		template = &api.PodTemplateSpec{}
	}
	return append([]any{rc.Name, int64(Replicas(rc.Spec.Replicas)), int64(rc.Status.Replicas),
		int64(rc.Status.ReadyReplicas), Age(rc.CreationTimestamp, now)},
		templateColumns(template, FormatLabels(rc.Spec.Selector))...)
}

func daemonSetRow(obj api.Object, now time.Time) []any {
	ds := obj.(*api.DaemonSet)
	st := ds.Status
	return append([]any{ds.Name, int64(st.DesiredNumberScheduled), int64(st.CurrentNumberScheduled), int64(st.NumberReady),
		int64(st.UpdatedNumberScheduled), int64(st.NumberAvailable), FormatLabels(ds.Spec.Template.Spec.NodeSelector),
		Age(ds.CreationTimestamp, now)},
		templateColumns(&ds.Spec.Template, FormatSelector(ds.Spec.Selector))...)
}

// templateColumns are the wide CONTAINERS, IMAGES and SELECTOR columns of
// the controllers.
func templateColumns(t *api.PodTemplateSpec, selector string) []any {
	var names, images []string
	for _, c := range t.Spec.Containers {
		names = append(names, c.Name)
		images = append(images, c.Image)
	}
	return []any{strings.Join(names, ","), strings.Join(images, ","), selector}
}

// replicas is spec.replicas with Kubernetes' default of one.
func Replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

// formatSelector writes a label selector in query syntax:
// app=kubia,env in (dev,test),!canary.
func FormatSelector(s *api.LabelSelector) string {
	if s == nil || (len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0) {
		return "<none>"
	}
	var parts []string
	if len(s.MatchLabels) > 0 {
		parts = append(parts, FormatLabels(s.MatchLabels))
	}
	for _, e := range s.MatchExpressions {
		switch e.Operator {
		case "In":
			parts = append(parts, fmt.Sprintf("%s in (%s)", e.Key, strings.Join(e.Values, ",")))
		case "NotIn":
			parts = append(parts, fmt.Sprintf("%s notin (%s)", e.Key, strings.Join(e.Values, ",")))
		case "Exists":
			parts = append(parts, e.Key)
		case "DoesNotExist":
			parts = append(parts, "!"+e.Key)
		}
	}
	return strings.Join(parts, ",")
}

func eventRow(obj api.Object, now time.Time) []any {
	e := obj.(*api.Event)
	source := e.Source.Component
	if e.Source.Host != "" {
		source += ", " + e.Source.Host
	}
	return []any{Age(EventLastSeen(e), now), e.Type, e.Reason, EventObject(e.InvolvedObject), e.InvolvedObject.FieldPath,
		source, e.Message, Age(EventFirstSeen(e), now), int64(max(e.Count, 1)), e.Name}
}

// eventObject is the OBJECT column: pod/kubia.
func EventObject(ref api.ObjectReference) string {
	return strings.ToLower(ref.Kind) + "/" + ref.Name
}

func configMapRow(obj api.Object, now time.Time) []any {
	cm := obj.(*api.ConfigMap)
	return []any{cm.Name, int64(len(cm.Data) + len(cm.BinaryData)), Age(cm.CreationTimestamp, now)}
}

func secretRow(obj api.Object, now time.Time) []any {
	s := obj.(*api.Secret)
	return []any{s.Name, s.Type, int64(len(s.Data)), Age(s.CreationTimestamp, now)}
}

// serviceAccountRow counts the Secrets listed, as kubectl: 0 since
// Kubernetes 1.24 stopped making token Secrets.
func serviceAccountRow(obj api.Object, now time.Time) []any {
	sa := obj.(*api.ServiceAccount)
	return []any{sa.Name, int64(len(sa.Secrets)), Age(sa.CreationTimestamp, now)}
}

func OrNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}
