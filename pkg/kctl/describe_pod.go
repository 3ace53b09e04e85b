package kctl

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/printers"
)

func describePod(ctx context.Context, d *describer, obj api.Object) error {
	p := obj.(*api.Pod)
	d.field(0, "Name", p.Name)
	d.field(0, "Namespace", p.Namespace)
	if p.Spec.ServiceAccountName != "" {
		d.field(0, "Service Account", p.Spec.ServiceAccountName)
	}
	node := "<none>"
	if p.Spec.NodeName != "" {
		node = p.Spec.NodeName
		if p.Status.HostIP != "" {
			node += "/" + p.Status.HostIP
		}
	}
	d.field(0, "Node", node)
	if p.Status.StartTime != nil {
		d.field(0, "Start Time", timestamp(*p.Status.StartTime))
	}
	d.labels(0, "Labels", p.Labels)
	d.labels(0, "Annotations", withoutKey(p.Annotations, decisionAnnotation)) // shown as a table below
	if p.DeletionTimestamp != nil {
		d.field(0, "Status", fmt.Sprintf("Terminating (lasts %s)", printers.Age(*p.DeletionTimestamp, d.now)))
		if p.DeletionGracePeriodSeconds != nil {
			d.field(0, "Termination Grace Period", fmt.Sprintf("%ds", *p.DeletionGracePeriodSeconds))
		}
	} else {
		d.field(0, "Status", orDefault(p.Status.Phase, api.PodPending))
	}
	if p.Status.Reason != "" {
		d.field(0, "Reason", p.Status.Reason)
	}
	if p.Status.Message != "" {
		d.field(0, "Message", p.Status.Message)
	}
	d.field(0, "IP", p.Status.PodIP)
	ips := make([]string, 0, len(p.Status.PodIPs))
	for _, ip := range p.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	if len(ips) == 0 {
		d.field(0, "IPs", "<none>")
	} else {
		d.line(0, "IPs:")
		for _, ip := range ips {
			d.field(1, "IP", ip)
		}
	}
	if ref := api.ControllerRef(&p.ObjectMeta); ref != nil {
		d.field(0, "Controlled By", ref.Kind+"/"+ref.Name)
	}
	if len(p.Spec.InitContainers) > 0 {
		d.line(0, "Init Containers:")
		d.containers(1, p.Spec.InitContainers, p.Status.InitContainerStatuses, true)
	}
	d.line(0, "Containers:")
	d.containers(1, p.Spec.Containers, p.Status.ContainerStatuses, true)
	if len(p.Status.Conditions) > 0 {
		d.line(0, "Conditions:")
		d.line(1, "Type\tStatus")
		for _, c := range p.Status.Conditions {
			d.line(1, "%s \t%s ", c.Type, c.Status)
		}
	}
	d.volumes(0, p.Spec.Volumes)
	qos := p.Status.QOSClass
	if qos == "" {
		qos = api.PodQOSClass(p)
	}
	d.field(0, "QoS Class", qos)
	d.field(0, "Node-Selectors", printers.FormatLabels(p.Spec.NodeSelector))
	d.multiline(0, "Tolerations", tolerations(p.Spec.Tolerations))
	d.scheduling(p.Annotations[decisionAnnotation])
	return d.events(ctx, p)
}

// decisionAnnotation is where kubelab's scheduler records what each node
// made of the pod (see pkg/scheduler, DecisionAnnotation).
const decisionAnnotation = "scheduler.kubelab.io/decision"

// scheduling writes the scheduler's decision, when the pod has one, as a
// table of the nodes it lists, the chosen node first:
//
//	Scheduling:
//	  NODE  FIT    SCORE  REASON
//	  ----  ---    -----  ------
//	  n1    True   87
//	  n2    False         Insufficient cpu
func (d *describer) scheduling(value string) {
	if value == "" {
		return
	}
	var rec struct {
		Total    int `json:"total"`
		Feasible int `json:"feasible"`
		Skipped  int `json:"skipped"` // not evaluated: the scheduler had found enough nodes that fit
		Nodes    []struct {
			Node    string `json:"node"`
			Fit     bool   `json:"fit"`
			Score   int64  `json:"score"`
			Reason  string `json:"reason"`
			Skipped bool   `json:"skipped"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(value), &rec); err != nil {
		d.line(0, "Scheduling: <unreadable %s annotation: %v>", decisionAnnotation, err)
		return
	}
	d.line(0, "Scheduling:")
	rows := make([][]string, 0, len(rec.Nodes))
	for _, n := range rec.Nodes {
		fit, score, reason := boolWord(n.Fit), "", n.Reason
		switch {
		case n.Fit:
			score = fmt.Sprint(n.Score)
		case n.Skipped:
			fit, reason = "-", "not evaluated"
		}
		rows = append(rows, []string{n.Node, fit, score, reason})
	}
	d.table(1, []string{"NODE", "FIT", "SCORE", "REASON"}, rows)
	switch more := rec.Total - len(rec.Nodes); {
	case more > 0 && rec.Skipped > 0:
		d.line(1, "… and %d more nodes (%d of %d fit; %d not evaluated: enough nodes that fit were found first)",
			more, rec.Feasible, rec.Total, rec.Skipped)
	case more > 0:
		d.line(1, "… and %d more nodes (%d of %d fit)", more, rec.Feasible, rec.Total)
	}
}

// withoutKey returns m without key, leaving m alone.
func withoutKey(m map[string]string, key string) map[string]string {
	if _, ok := m[key]; !ok {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// containers describes containers with, when statuses is true, their
// observed state (a pod), or only their spec (a pod template).
func (d *describer) containers(level int, cs []api.Container, statuses []api.ContainerStatus, withStatus bool) {
	for _, c := range cs {
		d.line(level, "%s:", c.Name)
		l := level + 1
		var st *api.ContainerStatus
		for i := range statuses {
			if statuses[i].Name == c.Name {
				st = &statuses[i]
			}
		}
		if withStatus {
			d.field(l, "Container ID", containerID(st))
		}
		d.field(l, "Image", c.Image)
		if withStatus {
			d.field(l, "Image ID", imageID(st))
		}
		d.ports(l, c.Ports)
		d.stringList(l, "Command", c.Command)
		d.stringList(l, "Args", c.Args)
		if withStatus {
			d.state(l, "State", stateOf(st))
			if st != nil && st.LastTerminationState.Terminated != nil {
				d.state(l, "Last State", st.LastTerminationState)
			}
			d.field(l, "Ready", boolWord(st != nil && st.Ready))
			restarts := int32(0)
			if st != nil {
				restarts = st.RestartCount
			}
			d.field(l, "Restart Count", restarts)
		}
		d.resources(l, "Limits", c.Resources.Limits)
		d.resources(l, "Requests", c.Resources.Requests)
		d.probe(l, "Liveness", c.LivenessProbe)
		d.probe(l, "Readiness", c.ReadinessProbe)
		d.probe(l, "Startup", c.StartupProbe)
		d.envFrom(l, c.EnvFrom) // describe_volumes.go
		d.env(l, c.Env)
		d.mounts(l, c.VolumeMounts)
	}
}

func containerID(st *api.ContainerStatus) string {
	if st == nil {
		return ""
	}
	return st.ContainerID
}

func imageID(st *api.ContainerStatus) string {
	if st == nil {
		return ""
	}
	return st.ImageID
}

func stateOf(st *api.ContainerStatus) api.ContainerState {
	if st == nil {
		return api.ContainerState{}
	}
	return st.State
}

func (d *describer) ports(level int, ports []api.ContainerPort) {
	if len(ports) == 0 {
		return
	}
	var cps, hps []string
	for _, p := range ports {
		cps = append(cps, fmt.Sprintf("%d/%s", p.ContainerPort, printers.Protocol(p.Protocol)))
		hps = append(hps, fmt.Sprintf("%d/%s", p.HostPort, printers.Protocol(p.Protocol)))
	}
	key := "Port"
	if len(ports) > 1 {
		key = "Ports"
	}
	d.field(level, key, strings.Join(cps, ", "))
	d.field(level, "Host "+key, strings.Join(hps, ", "))
}

func (d *describer) stringList(level int, key string, values []string) {
	if len(values) == 0 {
		return
	}
	d.line(level, "%s:", key)
	for _, v := range values {
		d.line(level+1, "%s", v)
	}
}

// state writes a container state: Running, Waiting or Terminated with the
// details of each.
func (d *describer) state(level int, key string, s api.ContainerState) {
	switch {
	case s.Running != nil:
		d.field(level, key, "Running")
		d.field(level+1, "Started", timestamp(s.Running.StartedAt))
	case s.Terminated != nil:
		t := s.Terminated
		d.field(level, key, "Terminated")
		if t.Reason != "" {
			d.field(level+1, "Reason", t.Reason)
		}
		if t.Message != "" {
			d.field(level+1, "Message", t.Message)
		}
		d.field(level+1, "Exit Code", t.ExitCode)
		if t.Signal != 0 {
			d.field(level+1, "Signal", t.Signal)
		}
		d.field(level+1, "Started", timestamp(t.StartedAt))
		d.field(level+1, "Finished", timestamp(t.FinishedAt))
	default:
		d.field(level, key, "Waiting")
		if s.Waiting != nil && s.Waiting.Reason != "" {
			d.field(level+1, "Reason", s.Waiting.Reason)
		}
		if s.Waiting != nil && s.Waiting.Message != "" {
			d.field(level+1, "Message", s.Waiting.Message)
		}
	}
}

func (d *describer) resources(level int, key string, rl api.ResourceList) {
	if len(rl) == 0 {
		return
	}
	d.line(level, "%s:", key)
	for _, name := range sortedKeys(rl) {
		q := rl[name]
		d.field(level+1, name, q.String())
	}
}

// probe writes a probe as kubectl does:
// http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3
func (d *describer) probe(level int, key string, p *api.Probe) {
	if p == nil {
		return
	}
	var how string
	switch {
	case p.HTTPGet != nil:
		scheme := strings.ToLower(p.HTTPGet.Scheme)
		if scheme == "" {
			scheme = "http"
		}
		how = fmt.Sprintf("http-get %s://%s:%s%s", scheme, p.HTTPGet.Host, p.HTTPGet.Port.String(), p.HTTPGet.Path)
	case p.TCPSocket != nil:
		how = fmt.Sprintf("tcp-socket %s:%s", p.TCPSocket.Host, p.TCPSocket.Port.String())
	case p.Exec != nil:
		how = fmt.Sprintf("exec [%s]", strings.Join(p.Exec.Command, " "))
	default:
		how = "unknown"
	}
	d.field(level, key, fmt.Sprintf("%s delay=%ds timeout=%ds period=%ds #success=%d #failure=%d",
		how, p.InitialDelaySeconds, p.TimeoutSeconds, p.PeriodSeconds, p.SuccessThreshold, p.FailureThreshold))
}

func (d *describer) env(level int, env []api.EnvVar) {
	if len(env) == 0 {
		d.field(level, "Environment", "<none>")
		return
	}
	d.line(level, "Environment:")
	for _, e := range env {
		value := e.Value
		if src := e.ValueFrom; src != nil {
			switch {
			case src.FieldRef != nil:
				value = fmt.Sprintf(" (%s:%s)", orDefault(src.FieldRef.APIVersion, "v1"), src.FieldRef.FieldPath)
			case src.ResourceFieldRef != nil:
				value = fmt.Sprintf("%s (%s)", src.ResourceFieldRef.ContainerName, src.ResourceFieldRef.Resource)
			case src.ConfigMapKeyRef != nil:
				value = fmt.Sprintf("<set to the key '%s' of config map '%s'>", src.ConfigMapKeyRef.Key, src.ConfigMapKeyRef.Name)
			case src.SecretKeyRef != nil:
				value = fmt.Sprintf("<set to the key '%s' in secret '%s'>", src.SecretKeyRef.Key, src.SecretKeyRef.Name)
			}
		}
		d.field(level+1, e.Name, value)
	}
}

func (d *describer) mounts(level int, mounts []api.VolumeMount) {
	if len(mounts) == 0 {
		d.field(level, "Mounts", "<none>")
		return
	}
	d.line(level, "Mounts:")
	for _, m := range mounts {
		mode := "rw"
		if m.ReadOnly {
			mode = "ro"
		}
		sub := ""
		if m.SubPath != "" {
			sub = fmt.Sprintf(" path=%q", m.SubPath)
		}
		d.line(level+1, "%s from %s (%s%s)", m.MountPath, m.Name, mode, sub)
	}
}

func (d *describer) volumes(level int, volumes []api.Volume) {
	if len(volumes) == 0 {
		d.field(level, "Volumes", "<none>")
		return
	}
	d.line(level, "Volumes:")
	for _, v := range volumes {
		d.line(level+1, "%s:", v.Name)
		l := level + 2
		switch {
		case v.EmptyDir != nil:
			d.field(l, "Type", "EmptyDir (a temporary directory that shares a pod's lifetime)")
			d.field(l, "Medium", v.EmptyDir.Medium)
			limit := "<unset>"
			if v.EmptyDir.SizeLimit != nil {
				limit = v.EmptyDir.SizeLimit.String()
			}
			d.field(l, "SizeLimit", limit)
		case v.HostPath != nil:
			d.field(l, "Type", "HostPath (bare host directory volume)")
			d.field(l, "Path", v.HostPath.Path)
			d.field(l, "HostPathType", v.HostPath.Type)
		default:
			d.apiVolume(l, v) // describe_volumes.go
		}
	}
}

// tolerations formats each toleration as key=value:Effect op=Exists for 300s.
func tolerations(ts []api.Toleration) []string {
	var out []string
	for _, t := range ts {
		s := t.Key
		if t.Value != "" {
			s += "=" + t.Value
		}
		if t.Effect != "" {
			s += ":" + t.Effect
		}
		if t.Operator == "Exists" && t.Value == "" {
			s += " op=Exists"
		}
		if t.TolerationSeconds != nil {
			s += fmt.Sprintf(" for %ds", *t.TolerationSeconds)
		}
		out = append(out, s)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// boolWord is True or False, as describe writes condition-like values.
func boolWord(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
