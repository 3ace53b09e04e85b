package api

import (
	"path"
	"strings"
)

// Volumes and the mounts that refer to them. Paths inside a container are
// absolute; a path may never climb out of its volume with "..".

func validateVolumeMounts(mounts []VolumeMount, volumes map[string]bool, p fieldPath) ErrorList {
	var errs ErrorList
	paths := map[string]bool{}
	for i, m := range mounts {
		mp := p.index(i)
		switch {
		case m.Name == "":
			errs = append(errs, required(mp.child("name"), ""))
		case !volumes[m.Name]:
			errs = append(errs, notFound(mp.child("name"), m.Name))
		}
		switch {
		case m.MountPath == "":
			errs = append(errs, required(mp.child("mountPath"), ""))
		case !path.IsAbs(m.MountPath):
			errs = append(errs, invalid(mp.child("mountPath"), m.MountPath, "must be an absolute path"))
		case paths[path.Clean(m.MountPath)]:
			errs = append(errs, invalid(mp.child("mountPath"), m.MountPath, "must be unique"))
		}
		paths[path.Clean(m.MountPath)] = true
		if m.SubPath != "" {
			errs = append(errs, validateRelativePath(m.SubPath, mp.child("subPath"))...)
		}
	}
	return errs
}

func validateRelativePath(s string, p fieldPath) ErrorList {
	if path.IsAbs(s) {
		return ErrorList{invalid(p, s, "must be a relative path")}
	}
	return validateNoBacksteps(s, p)
}

func validateNoBacksteps(s string, p fieldPath) ErrorList {
	for _, part := range strings.Split(s, "/") {
		if part == ".." {
			return ErrorList{invalid(p, s, "must not contain '..'")}
		}
	}
	return nil
}

// validateVolumes checks the pod's volumes and returns the set of their
// names, which volume mounts must refer to.
func validateVolumes(volumes []Volume, p fieldPath) (map[string]bool, ErrorList) {
	var errs ErrorList
	names := map[string]bool{}
	for i, v := range volumes {
		vp := p.index(i)
		switch {
		case v.Name == "":
			errs = append(errs, required(vp.child("name"), ""))
		case names[v.Name]:
			errs = append(errs, duplicate(vp.child("name"), v.Name))
		default:
			errs = append(errs, check(vp.child("name"), v.Name, IsDNS1123Label(v.Name))...)
		}
		names[v.Name] = true
		errs = append(errs, validateVolumeSource(&v.VolumeSource, vp)...)
	}
	return names, errs
}

var hostPathTypes = []string{"", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"}

func validateVolumeSource(src *VolumeSource, p fieldPath) ErrorList {
	var errs ErrorList
	types := src.types()
	switch {
	case len(types) == 0:
		errs = append(errs, required(p, "must specify a volume type"))
	case len(types) > 1:
		errs = append(errs, forbidden(p.child(types[1].name), "may not specify more than 1 volume type"))
	}
	for _, t := range types {
		errs = append(errs, validateImplemented(t, p)...)
	}
	if e := src.EmptyDir; e != nil {
		if m := e.Medium; m != "" && m != "Memory" && !strings.HasPrefix(m, "HugePages") {
			errs = append(errs, notSupported(p.child("emptyDir").child("medium"), m, "", "Memory", "HugePages"))
		}
		if e.SizeLimit != nil && e.SizeLimit.MilliValue() < 0 {
			errs = append(errs, invalid(p.child("emptyDir").child("sizeLimit"), e.SizeLimit.String(), "must be greater than or equal to 0"))
		}
	}
	if h := src.HostPath; h != nil {
		hp := p.child("hostPath")
		switch {
		case h.Path == "":
			errs = append(errs, required(hp.child("path"), ""))
		case !path.IsAbs(h.Path):
			errs = append(errs, invalid(hp.child("path"), h.Path, "must be an absolute path"))
		default:
			errs = append(errs, validateNoBacksteps(h.Path, hp.child("path"))...)
		}
		if !oneOf(h.Type, hostPathTypes...) {
			errs = append(errs, notSupported(hp.child("type"), h.Type, hostPathTypes...))
		}
	}
	if c := src.ConfigMap; c != nil {
		errs = append(errs, validateKeyVolume("name", c.Name, c.Items, c.DefaultMode, p.child("configMap"))...)
	}
	if s := src.Secret; s != nil {
		errs = append(errs, validateKeyVolume("secretName", s.SecretName, s.Items, s.DefaultMode, p.child("secret"))...)
	}
	if d := src.DownwardAPI; d != nil {
		errs = append(errs, validateDownwardAPIVolume(d, p.child("downwardAPI"))...)
	}
	if pr := src.Projected; pr != nil {
		errs = append(errs, validateProjected(pr, p.child("projected"))...)
	}
	if c := src.PersistentVolumeClaim; c != nil && c.ClaimName == "" {
		errs = append(errs, required(p.child("persistentVolumeClaim").child("claimName"), ""))
	}
	return errs
}
