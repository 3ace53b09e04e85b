package api

// Pod is a group of containers that share a network namespace and volumes
// and run together on one node.
type Pod struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       PodSpec   `json:"spec"`
	Status     PodStatus `json:"status,omitzero"`
}

// PodSpec is what the user asks for.
type PodSpec struct {
	// Containers are the pod's processes, at least one. They start together
	// once every init container has succeeded, and none can be added or
	// removed after the pod is created.
	Containers []Container `json:"containers"`
	// InitContainers run one after the other, each to completion, before
	// the containers start; a failed one is retried as restartPolicy says.
	InitContainers                []Container       `json:"initContainers,omitempty"`
	Volumes                       []Volume          `json:"volumes,omitempty"`
	RestartPolicy                 string            `json:"restartPolicy,omitempty"` // Always, OnFailure, Never
	TerminationGracePeriodSeconds *int64            `json:"terminationGracePeriodSeconds,omitempty"`
	NodeSelector                  map[string]string `json:"nodeSelector,omitempty"`
	NodeName                      string            `json:"nodeName,omitempty"`
	SchedulerName                 string            `json:"schedulerName,omitempty"`
	Affinity                      *Affinity         `json:"affinity,omitempty"`
	Tolerations                   []Toleration      `json:"tolerations,omitempty"`
	HostNetwork                   bool              `json:"hostNetwork,omitempty"`
	Hostname                      string            `json:"hostname,omitempty"`
	Subdomain                     string            `json:"subdomain,omitempty"`
	ServiceAccountName            string            `json:"serviceAccountName,omitempty"`
	// AutomountServiceAccountToken says whether the kubelet mounts a token
	// of the pod's ServiceAccount; nil defers to the ServiceAccount's
	// setting, which defaults to yes.
	AutomountServiceAccountToken *bool         `json:"automountServiceAccountToken,omitempty"`
	DNSPolicy                    string        `json:"dnsPolicy,omitempty"` // ClusterFirst (default), ClusterFirstWithHostNet, Default, None
	DNSConfig                    *PodDNSConfig `json:"dnsConfig,omitempty"`
	// SecurityContext applies to every container; {} by default
	// (securitycontext.go says which fields the kubelet honours: none yet).
	SecurityContext *PodSecurityContext `json:"securityContext,omitempty"`
	// EnableServiceLinks injects the Docker-link style variables of the
	// namespace's Services (WEB_SERVICE_HOST, …); true by default.
	// kubelab's kubelet injects only KUBERNETES_SERVICE_* (env.go).
	EnableServiceLinks *bool `json:"enableServiceLinks,omitempty"`
}

// DNS policies: where a pod's /etc/resolv.conf comes from.
const (
	DNSClusterFirst            = "ClusterFirst"            // the cluster DNS; Default for a hostNetwork pod
	DNSClusterFirstWithHostNet = "ClusterFirstWithHostNet" // the cluster DNS, hostNetwork or not
	DNSDefault                 = "Default"                 // the node's resolver configuration
	DNSNone                    = "None"                    // only what dnsConfig says
)

// PodDNSConfig is added to what the DNS policy gives a pod's resolv.conf.
type PodDNSConfig struct {
	Nameservers []string             `json:"nameservers,omitempty"`
	Searches    []string             `json:"searches,omitempty"`
	Options     []PodDNSConfigOption `json:"options,omitempty"`
}

// PodDNSConfigOption is one resolv.conf option, such as ndots:2 or edns0.
type PodDNSConfigOption struct {
	Name  string  `json:"name,omitempty"`
	Value *string `json:"value,omitempty"`
}

// Container is one process of a pod.
type Container struct {
	// Name tells the pod's containers apart: unique in the pod, a DNS label.
	Name string `json:"name"`
	// Image is the container image to run, such as nginx:1.27 or
	// registry.example.com/app@sha256:…; without a tag, :latest.
	Image           string `json:"image"`
	ImagePullPolicy string `json:"imagePullPolicy,omitempty"` // Always, IfNotPresent, Never
	// Command replaces the image's ENTRYPOINT; not run in a shell, so
	// $(VAR) names an environment variable of the container, not $VAR.
	Command []string `json:"command,omitempty"`
	// Args replaces the image's CMD, the arguments given to the entrypoint.
	Args       []string `json:"args,omitempty"`
	WorkingDir string   `json:"workingDir,omitempty"`
	// Ports lists the ports the container listens on. Informational: a
	// port not listed is reachable all the same; a name lets a Service's
	// targetPort refer to it.
	Ports   []ContainerPort `json:"ports,omitempty"`
	EnvFrom []EnvFromSource `json:"envFrom,omitempty"`
	Env     []EnvVar        `json:"env,omitempty"`
	// Resources are the CPU and memory the container asks for (requests,
	// which the scheduler reserves on a node) and may not exceed (limits).
	Resources    ResourceRequirements `json:"resources,omitzero"`
	VolumeMounts []VolumeMount        `json:"volumeMounts,omitempty"`
	// LivenessProbe is checked periodically; after failureThreshold
	// failures in a row the kubelet restarts the container.
	LivenessProbe *Probe `json:"livenessProbe,omitempty"`
	// ReadinessProbe says whether the container can take traffic; a pod
	// that is not ready is left out of its Services' endpoints.
	ReadinessProbe *Probe `json:"readinessProbe,omitempty"`
	// StartupProbe holds the other probes back until it has succeeded
	// once, for a container slow to start.
	StartupProbe *Probe     `json:"startupProbe,omitempty"`
	Lifecycle    *Lifecycle `json:"lifecycle,omitempty"` // lifecycle.go
	Stdin        bool       `json:"stdin,omitempty"`
	TTY          bool       `json:"tty,omitempty"`
	// TerminationMessagePath is the file, in the container, whose content
	// becomes the message of its terminated state; /dev/termination-log
	// by default.
	TerminationMessagePath string `json:"terminationMessagePath,omitempty"`
	// TerminationMessagePolicy is File (the file only) or
	// FallbackToLogsOnError (the end of the log if the file is empty and
	// the container failed); File by default. kubelab's kubelet reads
	// neither yet.
	TerminationMessagePolicy string `json:"terminationMessagePolicy,omitempty"`
	// SecurityContext applies to this container over the pod's.
	SecurityContext *SecurityContext `json:"securityContext,omitempty"`
}

// ContainerPort is a port a container listens on.
type ContainerPort struct {
	Name          string `json:"name,omitempty"`
	ContainerPort int32  `json:"containerPort"`
	Protocol      string `json:"protocol,omitempty"` // TCP, UDP, SCTP
	HostPort      int32  `json:"hostPort,omitempty"`
	HostIP        string `json:"hostIP,omitempty"`
}

// EnvVar is one environment variable, given as a value or taken from a field.
type EnvVar struct {
	Name      string        `json:"name"`
	Value     string        `json:"value,omitempty"`
	ValueFrom *EnvVarSource `json:"valueFrom,omitempty"`
}

// EnvVarSource says where an environment variable's value comes from.
type EnvVarSource struct {
	FieldRef         *ObjectFieldSelector   `json:"fieldRef,omitempty"`
	ResourceFieldRef *ResourceFieldSelector `json:"resourceFieldRef,omitempty"`
	ConfigMapKeyRef  *KeySelector           `json:"configMapKeyRef,omitempty"`
	SecretKeyRef     *KeySelector           `json:"secretKeyRef,omitempty"`
}

// ObjectFieldSelector selects a field of the pod, such as status.podIP.
type ObjectFieldSelector struct {
	APIVersion string `json:"apiVersion,omitempty"`
	FieldPath  string `json:"fieldPath"`
}

// ResourceFieldSelector selects a container's resource, such as limits.cpu.
type ResourceFieldSelector struct {
	ContainerName string   `json:"containerName,omitempty"`
	Resource      string   `json:"resource"`
	Divisor       Quantity `json:"divisor,omitzero"`
}

// KeySelector selects a key of a ConfigMap or Secret.
type KeySelector struct {
	Name     string `json:"name"`
	Key      string `json:"key"`
	Optional *bool  `json:"optional,omitempty"`
}

// EnvFromSource makes every key of a ConfigMap or Secret an environment
// variable, named Prefix+key; exactly one of ConfigMapRef and SecretRef
// is set. A key that is no valid variable name is skipped, with an event
// (InvalidEnvironmentVariableNames), as Kubernetes does; a variable Env
// sets wins over one from here.
type EnvFromSource struct {
	Prefix       string              `json:"prefix,omitempty"`
	ConfigMapRef *ConfigMapEnvSource `json:"configMapRef,omitempty"`
	SecretRef    *SecretEnvSource    `json:"secretRef,omitempty"`
}

// ConfigMapEnvSource names the ConfigMap of an EnvFromSource. Optional
// lets the container start without it.
type ConfigMapEnvSource struct {
	Name     string `json:"name"`
	Optional *bool  `json:"optional,omitempty"`
}

// SecretEnvSource names the Secret of an EnvFromSource.
type SecretEnvSource struct {
	Name     string `json:"name"`
	Optional *bool  `json:"optional,omitempty"`
}

// ResourceList maps a resource name (cpu, memory, pods) to a quantity.
type ResourceList map[string]Quantity

// ResourceRequirements are what a container asks for (requests, used by
// the scheduler) and may not exceed (limits, enforced by the runtime).
type ResourceRequirements struct {
	Limits   ResourceList `json:"limits,omitempty"`
	Requests ResourceList `json:"requests,omitempty"`
}

// VolumeMount mounts a pod volume into a container.
type VolumeMount struct {
	Name      string `json:"name"`
	MountPath string `json:"mountPath"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
	SubPath   string `json:"subPath,omitempty"`
}

// Volume is storage shared by the containers of a pod.
type Volume struct {
	Name         string `json:"name"`
	VolumeSource `json:",inline"`
}

// VolumeSource says what backs a volume; exactly one field is set.
type VolumeSource struct {
	EmptyDir    *EmptyDirVolumeSource    `json:"emptyDir,omitempty"`
	HostPath    *HostPathVolumeSource    `json:"hostPath,omitempty"`
	ConfigMap   *ConfigMapVolumeSource   `json:"configMap,omitempty"`
	Secret      *SecretVolumeSource      `json:"secret,omitempty"`
	DownwardAPI *DownwardAPIVolumeSource `json:"downwardAPI,omitempty"`
	Projected   *ProjectedVolumeSource   `json:"projected,omitempty"` // projected.go
	// PersistentVolumeClaim mounts the volume bound to a claim of the
	// pod's namespace.
	PersistentVolumeClaim *PersistentVolumeClaimVolumeSource `json:"persistentVolumeClaim,omitempty"`
	// Kubernetes' other volume types, refused at admission.
	UnsupportedVolumeSources `json:",inline"`
}

// EmptyDirVolumeSource is a directory that lives as long as the pod;
// medium Memory makes it a tmpfs.
type EmptyDirVolumeSource struct {
	Medium    string    `json:"medium,omitempty"`
	SizeLimit *Quantity `json:"sizeLimit,omitempty"`
}

// HostPathVolumeSource mounts a path of the node. Type, if set, is what
// the kubelet checks the path is before mounting it (or makes, for the
// OrCreate types); "" checks nothing, as in Kubernetes.
type HostPathVolumeSource struct {
	Path string `json:"path"`
	Type string `json:"type,omitempty"`
}

// The hostPath types, Kubernetes' names.
const (
	HostPathUnset             = ""
	HostPathDirectoryOrCreate = "DirectoryOrCreate"
	HostPathDirectory         = "Directory"
	HostPathFileOrCreate      = "FileOrCreate"
	HostPathFile              = "File"
	HostPathSocket            = "Socket"
	HostPathCharDev           = "CharDevice"
	HostPathBlockDev          = "BlockDevice"
)

// PersistentVolumeClaimVolumeSource names a claim in the pod's namespace;
// the kubelet mounts the PersistentVolume bound to it, read-only if
// ReadOnly says so.
type PersistentVolumeClaimVolumeSource struct {
	ClaimName string `json:"claimName"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
}

// ConfigMapVolumeSource writes a ConfigMap's keys as files: those Items
// name, each at its path, or every key at a file of its name. The kubelet
// writes it as it writes a projected volume with this one source, and
// keeps the files up to date while the pod runs.
type ConfigMapVolumeSource struct {
	Name  string      `json:"name"`
	Items []KeyToPath `json:"items,omitempty"`
	// DefaultMode is the mode of the files that set none: 0644 by default.
	DefaultMode *int32 `json:"defaultMode,omitempty"`
	// Optional lets the pod start without the ConfigMap (an empty
	// volume) or a key Items names; otherwise it waits for it.
	Optional *bool `json:"optional,omitempty"`
}

// SecretVolumeSource writes a Secret's keys as files, as
// ConfigMapVolumeSource does a ConfigMap's.
type SecretVolumeSource struct {
	SecretName  string      `json:"secretName"`
	Items       []KeyToPath `json:"items,omitempty"`
	DefaultMode *int32      `json:"defaultMode,omitempty"`
	Optional    *bool       `json:"optional,omitempty"`
}

// DownwardAPIVolumeSource writes fields of the pod, and limits and
// requests of its containers, as files.
type DownwardAPIVolumeSource struct {
	Items       []DownwardAPIVolumeFile `json:"items,omitempty"`
	DefaultMode *int32                  `json:"defaultMode,omitempty"`
}

// Probe is a periodic check of a container: liveness, readiness or startup.
type Probe struct {
	ProbeHandler                  `json:",inline"`
	InitialDelaySeconds           int32  `json:"initialDelaySeconds,omitempty"`
	TimeoutSeconds                int32  `json:"timeoutSeconds,omitempty"`
	PeriodSeconds                 int32  `json:"periodSeconds,omitempty"`
	SuccessThreshold              int32  `json:"successThreshold,omitempty"`
	FailureThreshold              int32  `json:"failureThreshold,omitempty"`
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`
}

// ProbeHandler says how to check; exactly one field is set.
type ProbeHandler struct {
	Exec      *ExecAction      `json:"exec,omitempty"`
	HTTPGet   *HTTPGetAction   `json:"httpGet,omitempty"`
	TCPSocket *TCPSocketAction `json:"tcpSocket,omitempty"`
}

// ExecAction runs a command in the container; exit 0 is success.
type ExecAction struct {
	Command []string `json:"command,omitempty"`
}

// HTTPGetAction is an HTTP GET; a 2xx or 3xx answer is success.
type HTTPGetAction struct {
	Path        string       `json:"path,omitempty"`
	Port        IntOrString  `json:"port"`
	Host        string       `json:"host,omitempty"`
	Scheme      string       `json:"scheme,omitempty"`
	HTTPHeaders []HTTPHeader `json:"httpHeaders,omitempty"`
}

// HTTPHeader is a header sent by an HTTP probe.
type HTTPHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// TCPSocketAction opens a TCP connection; connecting is success.
type TCPSocketAction struct {
	Port IntOrString `json:"port"`
	Host string      `json:"host,omitempty"`
}

// Affinity holds scheduling constraints; kubelab supports node affinity.
type Affinity struct {
	NodeAffinity *NodeAffinity `json:"nodeAffinity,omitempty"`
}

// NodeAffinity restricts the nodes a pod may run on.
type NodeAffinity struct {
	RequiredDuringSchedulingIgnoredDuringExecution  *NodeSelector             `json:"requiredDuringSchedulingIgnoredDuringExecution,omitempty"`
	PreferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm `json:"preferredDuringSchedulingIgnoredDuringExecution,omitempty"`
}

// NodeSelector is satisfied when any one of its terms is.
type NodeSelector struct {
	NodeSelectorTerms []NodeSelectorTerm `json:"nodeSelectorTerms"`
}

// NodeSelectorTerm is satisfied when all its requirements are.
type NodeSelectorTerm struct {
	MatchExpressions []NodeSelectorRequirement `json:"matchExpressions,omitempty"`
	MatchFields      []NodeSelectorRequirement `json:"matchFields,omitempty"`
}

// NodeSelectorRequirement compares a node label with values.
type NodeSelectorRequirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"` // In, NotIn, Exists, DoesNotExist, Gt, Lt
	Values   []string `json:"values,omitempty"`
}

// PreferredSchedulingTerm is a weighted soft preference.
type PreferredSchedulingTerm struct {
	Weight     int32            `json:"weight"`
	Preference NodeSelectorTerm `json:"preference"`
}

// Toleration lets a pod run on a node with a matching taint.
type Toleration struct {
	Key               string `json:"key,omitempty"`
	Operator          string `json:"operator,omitempty"` // Exists, Equal
	Value             string `json:"value,omitempty"`
	Effect            string `json:"effect,omitempty"` // NoSchedule, PreferNoSchedule, NoExecute
	TolerationSeconds *int64 `json:"tolerationSeconds,omitempty"`
}

// Pod phases.
const (
	PodPending   = "Pending"
	PodRunning   = "Running"
	PodSucceeded = "Succeeded"
	PodFailed    = "Failed"
	PodUnknown   = "Unknown"
)

// Pod condition types.
const (
	PodScheduled    = "PodScheduled"
	PodInitialized  = "Initialized"
	ContainersReady = "ContainersReady"
	PodReady        = "Ready"
)

// Restart policies.
const (
	RestartAlways    = "Always"
	RestartOnFailure = "OnFailure"
	RestartNever     = "Never"
)

// Image pull policies.
const (
	PullAlways       = "Always"
	PullIfNotPresent = "IfNotPresent"
	PullNever        = "Never"
)

// PodStatus is what the node agent observes.
type PodStatus struct {
	Phase                 string            `json:"phase,omitempty"`
	Conditions            []PodCondition    `json:"conditions,omitempty"`
	Message               string            `json:"message,omitempty"`
	Reason                string            `json:"reason,omitempty"`
	HostIP                string            `json:"hostIP,omitempty"`
	PodIP                 string            `json:"podIP,omitempty"`
	PodIPs                []PodIP           `json:"podIPs,omitempty"`
	StartTime             *Time             `json:"startTime,omitempty"`
	InitContainerStatuses []ContainerStatus `json:"initContainerStatuses,omitempty"`
	ContainerStatuses     []ContainerStatus `json:"containerStatuses,omitempty"`
	QOSClass              string            `json:"qosClass,omitempty"`
}

// PodIP is one address of a pod.
type PodIP struct {
	IP string `json:"ip"`
}

// PodCondition is one named boolean fact about a pod.
type PodCondition struct {
	Type               string `json:"type"`
	Status             string `json:"status"` // True, False, Unknown
	LastProbeTime      Time   `json:"lastProbeTime,omitzero"`
	LastTransitionTime Time   `json:"lastTransitionTime,omitzero"`
	Reason             string `json:"reason,omitempty"`
	Message            string `json:"message,omitempty"`
}

// Condition statuses.
const (
	ConditionTrue    = "True"
	ConditionFalse   = "False"
	ConditionUnknown = "Unknown"
)

// ContainerStatus is the observed state of one container.
type ContainerStatus struct {
	Name                 string         `json:"name"`
	State                ContainerState `json:"state,omitzero"`
	LastTerminationState ContainerState `json:"lastState,omitzero"`
	Ready                bool           `json:"ready"`
	RestartCount         int32          `json:"restartCount"`
	Image                string         `json:"image"`
	ImageID              string         `json:"imageID"`
	ContainerID          string         `json:"containerID,omitempty"`
	Started              *bool          `json:"started,omitempty"`
}

// ContainerState holds exactly one of its fields.
type ContainerState struct {
	Waiting    *ContainerStateWaiting    `json:"waiting,omitempty"`
	Running    *ContainerStateRunning    `json:"running,omitempty"`
	Terminated *ContainerStateTerminated `json:"terminated,omitempty"`
}

// ContainerStateWaiting is a container not yet running, with the reason.
type ContainerStateWaiting struct {
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// ContainerStateRunning is a running container.
type ContainerStateRunning struct {
	StartedAt Time `json:"startedAt,omitzero"`
}

// ContainerStateTerminated is a container that exited.
type ContainerStateTerminated struct {
	ExitCode    int32  `json:"exitCode"`
	Signal      int32  `json:"signal,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Message     string `json:"message,omitempty"`
	StartedAt   Time   `json:"startedAt,omitzero"`
	FinishedAt  Time   `json:"finishedAt,omitzero"`
	ContainerID string `json:"containerID,omitempty"`
}

// Binding binds a pod to a node: the body of POST pods/{name}/binding.
type Binding struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Target     ObjectReference `json:"target"`
}

// ObjectReference points at another object.
type ObjectReference struct {
	Kind            string `json:"kind,omitempty"`
	Namespace       string `json:"namespace,omitempty"`
	Name            string `json:"name,omitempty"`
	UID             string `json:"uid,omitempty"`
	APIVersion      string `json:"apiVersion,omitempty"`
	ResourceVersion string `json:"resourceVersion,omitempty"`
	FieldPath       string `json:"fieldPath,omitempty"`
}

// PodTemplateSpec is the pod a controller stamps out.
type PodTemplateSpec struct {
	ObjectMeta `json:"metadata,omitzero"`
	Spec       PodSpec `json:"spec"`
}

// ConfigMap holds configuration as key-value pairs.
type ConfigMap struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Data       map[string]string `json:"data,omitempty"`
	BinaryData map[string][]byte `json:"binaryData,omitempty"`
}

// Secret holds small sensitive values, base64 on the wire.
type Secret struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Type       string            `json:"type,omitempty"`
	Data       map[string][]byte `json:"data,omitempty"`
	StringData map[string]string `json:"stringData,omitempty"`
}

// ServiceAccount is an identity for the processes that run in pods, as a
// user account is for people. Every namespace has one named "default"
// (the serviceaccount controller makes it), and a pod that names none
// runs as it. Tokens that prove the identity come later (issue 11).
type ServiceAccount struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	// Secrets are the Secrets pods running as this account may use. Since
	// Kubernetes 1.24 they hold no token and the list is usually empty.
	Secrets []ObjectReference `json:"secrets,omitempty"`
	// ImagePullSecrets are added to the pods that run as this account.
	ImagePullSecrets []LocalObjectReference `json:"imagePullSecrets,omitempty"`
	// AutomountServiceAccountToken says whether pods get a token mounted;
	// nil means yes, as in Kubernetes.
	AutomountServiceAccountToken *bool `json:"automountServiceAccountToken,omitempty"`
}

// DefaultServiceAccountName is the account every namespace has, and the
// one a pod that names none runs as.
const DefaultServiceAccountName = "default"

// LocalObjectReference names an object in the same namespace.
type LocalObjectReference struct {
	Name string `json:"name,omitempty"`
}
