package kctl

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"kubelab/pkg/api"
)

// table is the layout of `kctl get` for one kind: the columns always shown,
// the ones -o wide adds, and a function filling one row, wide cells
// included.
type table struct {
	headers []string
	wide    []string
	row     func(obj api.Object, now time.Time) []string
}

// tables holds kubectl's columns for each kind kubelab serves.
var tables = map[string]table{
	"Pod": {
		headers: []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"},
		wide:    []string{"IP", "NODE", "NOMINATED NODE", "READINESS GATES"},
		row:     podRow,
	},
	"Service": {
		headers: []string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"},
		wide:    []string{"SELECTOR"},
		row:     serviceRow,
	},
	"Endpoints": {headers: []string{"NAME", "ENDPOINTS", "AGE"}, row: endpointsRow},
	"Node": {
		headers: []string{"NAME", "STATUS", "ROLES", "AGE", "VERSION"},
		wide:    []string{"INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"},
		row:     nodeRow,
	},
	"Namespace": {headers: []string{"NAME", "STATUS", "AGE"}, row: namespaceRow},
	"ReplicaSet": {
		headers: []string{"NAME", "DESIRED", "CURRENT", "READY", "AGE"},
		wide:    []string{"CONTAINERS", "IMAGES", "SELECTOR"},
		row:     replicaSetRow,
	},
	"ReplicationController": {
		headers: []string{"NAME", "DESIRED", "CURRENT", "READY", "AGE"},
		wide:    []string{"CONTAINERS", "IMAGES", "SELECTOR"},
		row:     replicationControllerRow,
	},
	"DaemonSet": {
		headers: []string{"NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"},
		wide:    []string{"CONTAINERS", "IMAGES", "SELECTOR"},
		row:     daemonSetRow,
	},
	// Workloads (columns_workloads.go).
	"Deployment": {
		headers: []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"},
		wide:    []string{"CONTAINERS", "IMAGES", "SELECTOR"},
		row:     deploymentRow,
	},
	"Job": {
		headers: []string{"NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"},
		wide:    []string{"CONTAINERS", "IMAGES", "SELECTOR"},
		row:     jobRow,
	},
	"CronJob": {
		headers: []string{"NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"},
		wide:    []string{"CONTAINERS", "IMAGES", "SELECTOR"},
		row:     cronJobRow,
	},
	"StatefulSet": {
		headers: []string{"NAME", "READY", "AGE"},
		wide:    []string{"CONTAINERS", "IMAGES"},
		row:     statefulSetRow, // columns_statefulset.go
	},
	"ControllerRevision": {headers: []string{"NAME", "CONTROLLER", "REVISION", "AGE"}, row: controllerRevisionRow},
	// Storage (columns_storage.go).
	"PersistentVolume": {
		headers: []string{"NAME", "CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"},
		wide:    []string{"VOLUMEMODE"},
		row:     persistentVolumeRow,
	},
	"PersistentVolumeClaim": {
		headers: []string{"NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "AGE"},
		wide:    []string{"VOLUMEMODE"},
		row:     persistentVolumeClaimRow,
	},
	"StorageClass": {
		headers: []string{"NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"},
		row:     storageClassRow,
	},
	"Event": {
		headers: []string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"},
		wide:    []string{"SUBOBJECT", "SOURCE", "FIRST SEEN", "COUNT", "NAME"},
		row:     eventRow,
	},
	"ConfigMap":      {headers: []string{"NAME", "DATA", "AGE"}, row: configMapRow},
	"Secret":         {headers: []string{"NAME", "TYPE", "DATA", "AGE"}, row: secretRow},
	"ServiceAccount": {headers: []string{"NAME", "SECRETS", "AGE"}, row: serviceAccountRow},
	// RBAC (columns_rbac.go): roles show when they were made, bindings
	// what they grant and, with -o wide, to whom.
	"Role":        {headers: []string{"NAME", "CREATED AT"}, row: roleRow},
	"ClusterRole": {headers: []string{"NAME", "CREATED AT"}, row: roleRow},
	"RoleBinding": {
		headers: []string{"NAME", "ROLE", "AGE"},
		wide:    []string{"USERS", "GROUPS", "SERVICEACCOUNTS"},
		row:     bindingRow,
	},
	"ClusterRoleBinding": {
		headers: []string{"NAME", "ROLE", "AGE"},
		wide:    []string{"USERS", "GROUPS", "SERVICEACCOUNTS"},
		row:     bindingRow,
	},
	"CertificateSigningRequest": {
		headers: []string{"NAME", "AGE", "SIGNERNAME", "REQUESTOR", "REQUESTEDDURATION", "CONDITION"},
		row:     csrRow,
	},
}

// tableFor returns the table of res, or NAME and AGE for a kind without one.
func tableFor(res api.Resource) table {
	if t, ok := tables[res.Kind]; ok {
		return t
	}
	return table{headers: []string{"NAME", "AGE"}, row: func(obj api.Object, now time.Time) []string {
		m := obj.GetObjectMeta()
		return []string{m.Name, age(m.CreationTimestamp, now)}
	}}
}

func podRow(obj api.Object, now time.Time) []string {
	p := obj.(*api.Pod)
	ready, status, restarts := podStatus(p)
	return []string{p.Name, ready, status, strconv.Itoa(int(restarts)), age(p.CreationTimestamp, now),
		orNone(p.Status.PodIP), orNone(p.Spec.NodeName), "<none>", "<none>"}
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

func serviceRow(obj api.Object, now time.Time) []string {
	s := obj.(*api.Service)
	return []string{s.Name, serviceType(s), orNone(s.Spec.ClusterIP), serviceExternalIP(s), servicePorts(s.Spec.Ports),
		age(s.CreationTimestamp, now), formatLabels(s.Spec.Selector)}
}

func serviceType(s *api.Service) string {
	if s.Spec.Type == "" {
		return api.ServiceTypeClusterIP
	}
	return s.Spec.Type
}

// serviceExternalIP is the EXTERNAL-IP column: the external IPs, the load
// balancer's addresses (<pending> until it has some), or the external name.
func serviceExternalIP(s *api.Service) string {
	switch serviceType(s) {
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
		out[i] += "/" + protocol(p.Protocol)
	}
	return strings.Join(out, ",")
}

func protocol(p string) string {
	if p == "" {
		return "TCP"
	}
	return p
}

func endpointsRow(obj api.Object, now time.Time) []string {
	e := obj.(*api.Endpoints)
	return []string{e.Name, formatEndpoints(e.Subsets, "", 3), age(e.CreationTimestamp, now)}
}

// formatEndpoints lists ready addresses as ip:port, at most max of them
// (0: all) and then "+ N more...". portName, if set, keeps only that port.
func formatEndpoints(subsets []api.EndpointSubset, portName string, max int) string {
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

func nodeRow(obj api.Object, now time.Time) []string {
	n := obj.(*api.Node)
	info := n.Status.NodeInfo
	return []string{n.Name, nodeStatus(n), nodeRoles(n), age(n.CreationTimestamp, now), info.KubeletVersion,
		orNone(n.InternalIP()), orNone(nodeAddress(n, api.NodeExternalIP)), orUnknown(info.OSImage),
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
func nodeRoles(n *api.Node) string {
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

func namespaceRow(obj api.Object, now time.Time) []string {
	ns := obj.(*api.Namespace)
	return []string{ns.Name, ns.Status.Phase, age(ns.CreationTimestamp, now)}
}

func replicaSetRow(obj api.Object, now time.Time) []string {
	rs := obj.(*api.ReplicaSet)
	return append([]string{rs.Name, strconv.Itoa(int(replicas(rs.Spec.Replicas))), itoa(rs.Status.Replicas),
		itoa(rs.Status.ReadyReplicas), age(rs.CreationTimestamp, now)},
		templateColumns(&rs.Spec.Template, formatSelector(rs.Spec.Selector))...)
}

func replicationControllerRow(obj api.Object, now time.Time) []string {
	rc := obj.(*api.ReplicationController)
	template := rc.Spec.Template
	if template == nil {
		template = &api.PodTemplateSpec{}
	}
	return append([]string{rc.Name, strconv.Itoa(int(replicas(rc.Spec.Replicas))), itoa(rc.Status.Replicas),
		itoa(rc.Status.ReadyReplicas), age(rc.CreationTimestamp, now)},
		templateColumns(template, formatLabels(rc.Spec.Selector))...)
}

func daemonSetRow(obj api.Object, now time.Time) []string {
	ds := obj.(*api.DaemonSet)
	st := ds.Status
	return append([]string{ds.Name, itoa(st.DesiredNumberScheduled), itoa(st.CurrentNumberScheduled), itoa(st.NumberReady),
		itoa(st.UpdatedNumberScheduled), itoa(st.NumberAvailable), formatLabels(ds.Spec.Template.Spec.NodeSelector),
		age(ds.CreationTimestamp, now)},
		templateColumns(&ds.Spec.Template, formatSelector(ds.Spec.Selector))...)
}

// templateColumns are the wide CONTAINERS, IMAGES and SELECTOR columns of
// the controllers.
func templateColumns(t *api.PodTemplateSpec, selector string) []string {
	var names, images []string
	for _, c := range t.Spec.Containers {
		names = append(names, c.Name)
		images = append(images, c.Image)
	}
	return []string{strings.Join(names, ","), strings.Join(images, ","), selector}
}

// replicas is spec.replicas with Kubernetes' default of one.
func replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

// formatSelector writes a label selector in query syntax:
// app=kubia,env in (dev,test),!canary.
func formatSelector(s *api.LabelSelector) string {
	if s == nil || (len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0) {
		return "<none>"
	}
	var parts []string
	if len(s.MatchLabels) > 0 {
		parts = append(parts, formatLabels(s.MatchLabels))
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

func eventRow(obj api.Object, now time.Time) []string {
	e := obj.(*api.Event)
	source := e.Source.Component
	if e.Source.Host != "" {
		source += ", " + e.Source.Host
	}
	return []string{age(eventLastSeen(e), now), e.Type, e.Reason, eventObject(e.InvolvedObject), e.Message,
		e.InvolvedObject.FieldPath, source, age(eventFirstSeen(e), now), itoa(max(e.Count, 1)), e.Name}
}

// eventObject is the OBJECT column: pod/kubia.
func eventObject(ref api.ObjectReference) string {
	return strings.ToLower(ref.Kind) + "/" + ref.Name
}

func configMapRow(obj api.Object, now time.Time) []string {
	cm := obj.(*api.ConfigMap)
	return []string{cm.Name, strconv.Itoa(len(cm.Data) + len(cm.BinaryData)), age(cm.CreationTimestamp, now)}
}

func secretRow(obj api.Object, now time.Time) []string {
	s := obj.(*api.Secret)
	return []string{s.Name, s.Type, strconv.Itoa(len(s.Data)), age(s.CreationTimestamp, now)}
}

// serviceAccountRow counts the Secrets listed, as kubectl: 0 since
// Kubernetes 1.24 stopped making token Secrets.
func serviceAccountRow(obj api.Object, now time.Time) []string {
	sa := obj.(*api.ServiceAccount)
	return []string{sa.Name, strconv.Itoa(len(sa.Secrets)), age(sa.CreationTimestamp, now)}
}

func itoa(i int32) string { return strconv.Itoa(int(i)) }

func orNone(s string) string {
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
