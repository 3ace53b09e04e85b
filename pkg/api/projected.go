package api

// A projected volume is one directory made of files from several places:
// keys of Secrets and ConfigMaps, fields of the pod (the downward API),
// and a token of the pod's ServiceAccount. It is how a pod learns who it
// is and how to reach the API: the apiserver's ServiceAccount admission
// gives every pod one, mounted at ServiceAccountMountPath, with a bound
// token, the cluster's CA from the ConfigMap RootCAConfigMapName, and the
// pod's namespace, which is all client-go's rest.InClusterConfig reads.
// The kubelet writes the files before the containers start, and writes
// the token again before it expires.

// Where the kubelet mounts a pod's ServiceAccount credentials, and the
// ConfigMap every namespace has with the cluster's CA (Kubernetes'
// root-ca-cert-publisher keeps it; so does kubelab's, in package
// controller/rootca).
const (
	ServiceAccountMountPath = "/var/run/secrets/kubernetes.io/serviceaccount"
	RootCAConfigMapName     = "kube-root-ca.crt"
	RootCAConfigMapKey      = "ca.crt"
)

// Defaults and bounds of a projected volume, as Kubernetes'.
const (
	DefaultProjectedMode          int32 = 0o644
	DefaultTokenExpirationSeconds int64 = 3600
	MinTokenExpirationSeconds     int64 = 600 // ten minutes
)

// ProjectedVolumeSource lists the sources of a projected volume's files.
type ProjectedVolumeSource struct {
	Sources []VolumeProjection `json:"sources"`
	// DefaultMode is the mode of the files that set none (0644 by
	// default); YAML may write it in octal, JSON in decimal (420).
	DefaultMode *int32 `json:"defaultMode,omitempty"`
}

// VolumeProjection is one source of files; exactly one field is set.
type VolumeProjection struct {
	Secret              *SecretProjection              `json:"secret,omitempty"`
	DownwardAPI         *DownwardAPIProjection         `json:"downwardAPI,omitempty"`
	ConfigMap           *ConfigMapProjection           `json:"configMap,omitempty"`
	ServiceAccountToken *ServiceAccountTokenProjection `json:"serviceAccountToken,omitempty"`
}

// SecretProjection writes keys of a Secret: those Items name, each at its
// path, or every key at a file of its name.
type SecretProjection struct {
	Name  string      `json:"name,omitempty"`
	Items []KeyToPath `json:"items,omitempty"`
	// Optional lets the pod start without the Secret (or a key Items
	// names); otherwise it waits for it.
	Optional *bool `json:"optional,omitempty"`
}

// ConfigMapProjection writes keys of a ConfigMap, as SecretProjection
// does a Secret's.
type ConfigMapProjection struct {
	Name     string      `json:"name,omitempty"`
	Items    []KeyToPath `json:"items,omitempty"`
	Optional *bool       `json:"optional,omitempty"`
}

// KeyToPath puts one key of a ConfigMap or Secret at a path of the volume.
type KeyToPath struct {
	Key  string `json:"key"`
	Path string `json:"path"`
	Mode *int32 `json:"mode,omitempty"`
}

// DownwardAPIProjection writes fields of the pod.
type DownwardAPIProjection struct {
	Items []DownwardAPIVolumeFile `json:"items,omitempty"`
}

// DownwardAPIVolumeFile is one file holding one field of the pod.
// metadata.labels and metadata.annotations are written one key="value"
// per line, sorted.
type DownwardAPIVolumeFile struct {
	Path     string               `json:"path"`
	FieldRef *ObjectFieldSelector `json:"fieldRef,omitempty"`
	// ResourceFieldRef is a limit or request of the container it names,
	// as an environment variable's would be.
	ResourceFieldRef *ResourceFieldSelector `json:"resourceFieldRef,omitempty"`
	Mode             *int32                 `json:"mode,omitempty"`
}

// ServiceAccountTokenProjection writes a token of the pod's
// ServiceAccount, bound to the pod: the kubelet asks the apiserver for it
// (a TokenRequest) and asks again when 80% of its life has passed.
type ServiceAccountTokenProjection struct {
	// Audience the token is for; "" is the apiserver's own.
	Audience string `json:"audience,omitempty"`
	// ExpirationSeconds is the life asked for: at least ten minutes,
	// 3600 by default.
	ExpirationSeconds *int64 `json:"expirationSeconds,omitempty"`
	Path              string `json:"path"`
}

// setAPIVolumeDefaults fills in the defaults of the volumes the kubelet
// writes from the API: a file mode of 0644 for configMap, secret and
// downwardAPI volumes, as Kubernetes', and those of a projected volume.
func setAPIVolumeDefaults(v *VolumeSource) {
	if v.ConfigMap != nil {
		defaultFileMode(&v.ConfigMap.DefaultMode)
	}
	if v.Secret != nil {
		defaultFileMode(&v.Secret.DefaultMode)
	}
	if d := v.DownwardAPI; d != nil {
		defaultFileMode(&d.DefaultMode)
		setFieldRefDefaults(d.Items)
	}
	if v.Projected != nil {
		setProjectedDefaults(v.Projected)
	}
}

func defaultFileMode(mode **int32) {
	if *mode == nil {
		*mode = Int32(DefaultProjectedMode)
	}
}

// setFieldRefDefaults gives the field selectors of downwardAPI files
// apiVersion v1.
func setFieldRefDefaults(items []DownwardAPIVolumeFile) {
	for j := range items {
		if f := items[j].FieldRef; f != nil {
			defaultString(&f.APIVersion, "v1")
		}
	}
}

// setProjectedDefaults fills in the file mode, the token's life and the
// field selectors' apiVersion.
func setProjectedDefaults(p *ProjectedVolumeSource) {
	defaultFileMode(&p.DefaultMode)
	for i := range p.Sources {
		s := &p.Sources[i]
		if t := s.ServiceAccountToken; t != nil && t.ExpirationSeconds == nil {
			t.ExpirationSeconds = Int64(DefaultTokenExpirationSeconds)
		}
		if d := s.DownwardAPI; d != nil {
			setFieldRefDefaults(d.Items)
		}
	}
}
