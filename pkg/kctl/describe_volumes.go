package kctl

import (
	"fmt"

	"kubelab/pkg/api"
)

// The volumes and environment sources that come from the API (ConfigMaps,
// Secrets, the pod's own fields, claims), described as kubectl describes
// them. A Secret's name is shown, never its data.

// apiVolume describes v if it is one of the API-backed volume types, and
// reports whether it was.
func (d *describer) apiVolume(level int, v api.Volume) bool {
	switch {
	case v.ConfigMap != nil:
		d.field(level, "Type", "ConfigMap (a volume populated by a ConfigMap)")
		d.field(level, "Name", v.ConfigMap.Name)
		d.field(level, "Optional", optional(v.ConfigMap.Optional))
	case v.Secret != nil:
		d.field(level, "Type", "Secret (a volume populated by a Secret)")
		d.field(level, "SecretName", v.Secret.SecretName)
		d.field(level, "Optional", optional(v.Secret.Optional))
	case v.DownwardAPI != nil:
		d.field(level, "Type", "DownwardAPI (a volume populated by information about the pod)")
		d.downwardItems(level, v.DownwardAPI.Items)
	case v.PersistentVolumeClaim != nil:
		d.field(level, "Type", "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)")
		d.field(level, "ClaimName", v.PersistentVolumeClaim.ClaimName)
		d.field(level, "ReadOnly", v.PersistentVolumeClaim.ReadOnly)
	case v.Projected != nil:
		d.field(level, "Type", "Projected (a volume that contains injected data from multiple sources)")
		for _, s := range v.Projected.Sources {
			switch {
			case s.ServiceAccountToken != nil:
				exp := "<nil>"
				if e := s.ServiceAccountToken.ExpirationSeconds; e != nil {
					exp = fmt.Sprint(*e)
				}
				d.field(level, "TokenExpirationSeconds", exp)
			case s.ConfigMap != nil:
				d.field(level, "ConfigMapName", s.ConfigMap.Name)
				d.field(level, "ConfigMapOptional", optionalPtr(s.ConfigMap.Optional))
			case s.Secret != nil:
				d.field(level, "SecretName", s.Secret.Name)
				d.field(level, "SecretOptional", optionalPtr(s.Secret.Optional))
			case s.DownwardAPI != nil:
				d.field(level, "DownwardAPI", "true")
			}
		}
	default:
		return false
	}
	return true
}

// downwardItems lists the files of a downwardAPI volume: "metadata.labels
// -> labels".
func (d *describer) downwardItems(level int, items []api.DownwardAPIVolumeFile) {
	d.line(level, "Items:")
	for _, it := range items {
		switch {
		case it.FieldRef != nil:
			d.line(level+1, "%s -> %s", it.FieldRef.FieldPath, it.Path)
		case it.ResourceFieldRef != nil:
			d.line(level+1, "%s -> %s", it.ResourceFieldRef.Resource, it.Path)
		}
	}
}

// envFrom lists a container's envFrom sources, if it has any:
// "settings  ConfigMap with prefix 'CFG_'  Optional: false".
func (d *describer) envFrom(level int, from []api.EnvFromSource) {
	if len(from) == 0 {
		return
	}
	d.line(level, "Environment Variables from:")
	for _, e := range from {
		var kind, name string
		var opt *bool
		switch {
		case e.ConfigMapRef != nil:
			kind, name, opt = "ConfigMap", e.ConfigMapRef.Name, e.ConfigMapRef.Optional
		case e.SecretRef != nil:
			kind, name, opt = "Secret", e.SecretRef.Name, e.SecretRef.Optional
		default:
			continue
		}
		if e.Prefix != "" {
			kind += fmt.Sprintf(" with prefix '%s'", e.Prefix)
		}
		d.line(level+1, "%s\t%s\tOptional: %s", name, kind, optional(opt))
	}
}

// optional is an optional field as kubectl prints it: false when unset.
func optional(b *bool) string { return fmt.Sprint(b != nil && *b) }

// optionalPtr is a projection's optional field, which kubectl prints as
// the pointer it is: <nil> when unset.
func optionalPtr(b *bool) string {
	if b == nil {
		return "<nil>"
	}
	return fmt.Sprint(*b)
}
