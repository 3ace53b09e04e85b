package api

import "strings"

// Defaults fill in what a manifest may leave out, the way Kubernetes does,
// so that the rest of the system never has to guess: a stored Pod always
// has a restart policy, a stored Service port always has a protocol. The
// apiserver applies them in admission, before validation; the namespace
// is filled in there too, from the request URL.

// Defaults the scheduler and the pod spec rely on.
const (
	DefaultSchedulerName                 = "default-scheduler"
	DefaultTerminationGracePeriodSeconds = 30
	DefaultSessionAffinityTimeoutSeconds = 10800 // three hours
	DefaultTerminationMessagePath        = "/dev/termination-log"
)

// Termination message policies: where a terminated container's message
// comes from.
const (
	TerminationMessageReadFile              = "File"
	TerminationMessageFallbackToLogsOnError = "FallbackToLogsOnError"
)

// SetDefaults fills in the defaults of obj in place. Objects of unknown
// kinds are left alone.
func SetDefaults(obj Object) {
	switch o := obj.(type) {
	case *Pod:
		setPodSpecDefaults(&o.Spec)
		// Kubernetes' ServiceAccount admission plugin does this, for pods
		// only: templates keep what their author wrote.
		defaultString(&o.Spec.ServiceAccountName, DefaultServiceAccountName)
	case *Service:
		setServiceDefaults(&o.Spec)
	case *EndpointSlice:
		setEndpointSliceDefaults(o) // discovery.go
	case *Endpoints:
		for i := range o.Subsets {
			for j := range o.Subsets[i].Ports {
				defaultString(&o.Subsets[i].Ports[j].Protocol, "TCP")
			}
		}
	case *Node:
		// A node that reports only capacity can give all of it to pods.
		if o.Status.Allocatable == nil && o.Status.Capacity != nil {
			o.Status.Allocatable = ResourceList{}
			for k, v := range o.Status.Capacity {
				o.Status.Allocatable[k] = v
			}
		}
	case *Namespace:
		defaultString(&o.Status.Phase, NamespaceActive)
	case *Event:
		defaultString(&o.Type, EventNormal)
	case *Secret:
		defaultString(&o.Type, "Opaque")
	case *ReplicaSet:
		defaultReplicas(&o.Spec.Replicas)
		setPodSpecDefaults(&o.Spec.Template.Spec)
	case *ReplicationController:
		setReplicationControllerDefaults(o)
	case *DaemonSet:
		setDaemonSetDefaults(&o.Spec)
	case *Deployment:
		setDeploymentDefaults(&o.Spec)
	case *StatefulSet:
		setStatefulSetDefaults(&o.Spec)
	case *Job:
		setJobDefaults(o)
	case *CronJob:
		setCronJobDefaults(&o.Spec)
	case *PersistentVolume:
		setPersistentVolumeDefaults(o) // defaults_storage.go
	case *PersistentVolumeClaim:
		setPersistentVolumeClaimDefaults(o)
	case *StorageClass:
		setStorageClassDefaults(o)
	case *RoleBinding:
		setBindingDefaults(&o.RoleRef, o.Subjects)
	case *ClusterRoleBinding:
		setBindingDefaults(&o.RoleRef, o.Subjects)
	}
}

func defaultString(s *string, v string) {
	if *s == "" {
		*s = v
	}
}

func defaultInt32(i *int32, v int32) {
	if *i == 0 {
		*i = v
	}
}

func defaultReplicas(r **int32) {
	if *r == nil {
		*r = Int32(1)
	}
}

func setPodSpecDefaults(spec *PodSpec) {
	defaultString(&spec.RestartPolicy, RestartAlways)
	defaultString(&spec.SchedulerName, DefaultSchedulerName)
	defaultString(&spec.DNSPolicy, DNSClusterFirst)
	if spec.SecurityContext == nil {
		spec.SecurityContext = &PodSecurityContext{} // clients read it unchecked
	}
	if spec.EnableServiceLinks == nil {
		spec.EnableServiceLinks = Bool(true)
	}
	if spec.TerminationGracePeriodSeconds == nil {
		spec.TerminationGracePeriodSeconds = Int64(DefaultTerminationGracePeriodSeconds)
	}
	for i := range spec.InitContainers {
		setContainerDefaults(&spec.InitContainers[i])
	}
	for i := range spec.Containers {
		setContainerDefaults(&spec.Containers[i])
	}
	for i := range spec.Volumes {
		// A volume with no source is an emptyDir.
		v := &spec.Volumes[i].VolumeSource
		if len(v.types()) == 0 {
			v.EmptyDir = &EmptyDirVolumeSource{}
		}
		setAPIVolumeDefaults(v) // projected.go
	}
}

func setContainerDefaults(c *Container) {
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = PullIfNotPresent
		if tag := imageTag(c.Image); tag == "latest" {
			c.ImagePullPolicy = PullAlways
		}
	}
	defaultString(&c.TerminationMessagePath, DefaultTerminationMessagePath)
	defaultString(&c.TerminationMessagePolicy, TerminationMessageReadFile)
	for i := range c.Ports {
		defaultString(&c.Ports[i].Protocol, "TCP")
	}
	for i := range c.Env {
		if vf := c.Env[i].ValueFrom; vf != nil && vf.FieldRef != nil {
			defaultString(&vf.FieldRef.APIVersion, "v1")
		}
	}
	// A container that gives only limits requests exactly its limits.
	if len(c.Resources.Limits) > 0 {
		if c.Resources.Requests == nil {
			c.Resources.Requests = ResourceList{}
		}
		for name, limit := range c.Resources.Limits {
			if _, ok := c.Resources.Requests[name]; !ok {
				c.Resources.Requests[name] = limit
			}
		}
	}
	for _, p := range []*Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		if p != nil {
			setProbeDefaults(p)
		}
	}
}

// imageTag returns the tag of an image reference: "latest" when there is
// neither a tag nor a digest, "" when there is only a digest. The tag
// follows the last ':' after the last '/', so a registry port
// (localhost:5000/app) is not mistaken for one.
func imageTag(image string) string {
	name, _, hasDigest := strings.Cut(image, "@")
	lastPart := name[strings.LastIndex(name, "/")+1:]
	if i := strings.LastIndex(lastPart, ":"); i >= 0 {
		return lastPart[i+1:]
	}
	if hasDigest {
		return ""
	}
	return "latest"
}

func setProbeDefaults(p *Probe) {
	defaultInt32(&p.TimeoutSeconds, 1)
	defaultInt32(&p.PeriodSeconds, 10)
	defaultInt32(&p.SuccessThreshold, 1)
	defaultInt32(&p.FailureThreshold, 3)
	if h := p.HTTPGet; h != nil {
		defaultString(&h.Path, "/")
		defaultString(&h.Scheme, "HTTP")
	}
}

func setServiceDefaults(spec *ServiceSpec) {
	defaultString(&spec.Type, ServiceTypeClusterIP)
	defaultString(&spec.SessionAffinity, "None")
	if spec.SessionAffinity == "ClientIP" {
		if spec.SessionAffinityConfig == nil {
			spec.SessionAffinityConfig = &SessionAffinityConfig{}
		}
		if spec.SessionAffinityConfig.ClientIP == nil {
			spec.SessionAffinityConfig.ClientIP = &ClientIPConfig{}
		}
		if spec.SessionAffinityConfig.ClientIP.TimeoutSeconds == nil {
			spec.SessionAffinityConfig.ClientIP.TimeoutSeconds = Int32(DefaultSessionAffinityTimeoutSeconds)
		}
	}
	for i := range spec.Ports {
		p := &spec.Ports[i]
		defaultString(&p.Protocol, "TCP")
		if p.TargetPort.IsZero() || (p.TargetPort.IsString && p.TargetPort.StrVal == "") {
			p.TargetPort = FromInt(p.Port)
		}
	}
	if spec.Type == ServiceTypeNodePort || spec.Type == ServiceTypeLoadBalancer {
		defaultString(&spec.ExternalTrafficPolicy, "Cluster")
	}
	if spec.Type != ServiceTypeExternalName {
		defaultString(&spec.InternalTrafficPolicy, "Cluster")
	}
	setIPFamilyDefaults(spec) // service_ipfamilies.go
}

// setReplicationControllerDefaults follows Kubernetes' v1 defaults: an RC
// without a selector selects its template's labels, and an RC without
// labels of its own takes them from the template too.
func setReplicationControllerDefaults(rc *ReplicationController) {
	defaultReplicas(&rc.Spec.Replicas)
	if rc.Spec.Template == nil {
		return
	}
	if labels := rc.Spec.Template.Labels; len(labels) > 0 {
		if len(rc.Spec.Selector) == 0 {
			rc.Spec.Selector = copyLabels(labels)
		}
		if len(rc.Labels) == 0 {
			rc.Labels = copyLabels(labels)
		}
	}
	setPodSpecDefaults(&rc.Spec.Template.Spec)
}

func copyLabels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func setDaemonSetDefaults(spec *DaemonSetSpec) {
	us := &spec.UpdateStrategy
	defaultString(&us.Type, "RollingUpdate")
	if us.Type == "RollingUpdate" {
		if us.RollingUpdate == nil {
			us.RollingUpdate = &RollingUpdateDaemonSet{}
		}
		if us.RollingUpdate.MaxUnavailable == nil {
			one := FromInt(1)
			us.RollingUpdate.MaxUnavailable = &one
		}
		if us.RollingUpdate.MaxSurge == nil {
			zero := FromInt(0)
			us.RollingUpdate.MaxSurge = &zero
		}
	}
	if spec.RevisionHistoryLimit == nil {
		spec.RevisionHistoryLimit = Int32(DefaultRevisionHistoryLimit)
	}
	setPodSpecDefaults(&spec.Template.Spec)
}

// Quality-of-service classes, which decide which pods a node evicts first.
const (
	PodQOSGuaranteed = "Guaranteed"
	PodQOSBurstable  = "Burstable"
	PodQOSBestEffort = "BestEffort"
)

// PodQOSClass classifies a pod by its cpu and memory resources:
// Guaranteed when every container limits both and requests what it limits,
// BestEffort when no container asks for either, Burstable otherwise.
func PodQOSClass(pod *Pod) string {
	requests, limits := ResourceList{}, ResourceList{}
	guaranteed := true
	containers := append(append([]Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...)
	for _, c := range containers {
		for _, name := range []string{"cpu", "memory"} {
			limit, hasLimit := c.Resources.Limits[name]
			req, hasReq := c.Resources.Requests[name]
			if !hasReq {
				req = limit // what SetDefaults would fill in
			}
			if !req.IsZero() {
				requests[name] = requests[name].Add(req)
			}
			if hasLimit && !limit.IsZero() {
				limits[name] = limits[name].Add(limit)
			} else {
				guaranteed = false
			}
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return PodQOSBestEffort
	}
	if guaranteed {
		for name, req := range requests {
			if req.Cmp(limits[name]) != 0 {
				guaranteed = false
			}
		}
	}
	if guaranteed && len(requests) == len(limits) {
		return PodQOSGuaranteed
	}
	return PodQOSBurstable
}
