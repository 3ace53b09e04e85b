package api

import (
	"path"
	"strings"
)

// A projected volume is checked as Kubernetes' validateProjectionSources
// checks it: each source sets exactly one projection; every file path is
// relative, stays inside the volume and does not start with ".." (the
// kubelet's own ..data and timestamped directories live there); no two
// files share a path, across all sources; modes are permission bits. A
// token lives at least ten minutes.

// volumeFieldPaths are the pod fields a downwardAPI projection may write
// (Kubernetes' validVolumeDownwardAPIFieldPathExpressions); a label or an
// annotation may also be written alone, metadata.labels['app'].
var volumeFieldPaths = []string{"metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels", "metadata.annotations"}

// maxTokenExpirationSeconds is Kubernetes' upper bound, 2^32 seconds.
const maxTokenExpirationSeconds = 1 << 32

func validateProjected(pr *ProjectedVolumeSource, p fieldPath) ErrorList {
	errs := validateMode(pr.DefaultMode, p.child("defaultMode"))
	paths := filePaths{}
	for i, src := range pr.Sources {
		sp := p.child("sources").index(i)
		n := 0
		if s := src.Secret; s != nil {
			n++
			errs = append(errs, validateKeyProjection(s.Name, s.Items, sp.child("secret"), paths)...)
		}
		if c := src.ConfigMap; c != nil {
			n++
			errs = append(errs, validateKeyProjection(c.Name, c.Items, sp.child("configMap"), paths)...)
		}
		if d := src.DownwardAPI; d != nil {
			n++
			for j, item := range d.Items {
				ip := sp.child("downwardAPI").child("items").index(j)
				errs = append(errs, paths.add(item.Path, ip.child("path"))...)
				errs = append(errs, validateDownwardAPIFile(&item, ip)...)
			}
		}
		if t := src.ServiceAccountToken; t != nil {
			n++
			tp := sp.child("serviceAccountToken")
			if e := t.ExpirationSeconds; e != nil && *e < MinTokenExpirationSeconds {
				errs = append(errs, invalid(tp.child("expirationSeconds"), *e, "may not specify a duration less than 10 minutes"))
			} else if e != nil && *e > maxTokenExpirationSeconds {
				errs = append(errs, invalid(tp.child("expirationSeconds"), *e, "may not specify a duration larger than 2^32 seconds"))
			}
			errs = append(errs, paths.add(t.Path, tp.child("path"))...)
		}
		switch {
		case n == 0:
			errs = append(errs, required(sp, "must specify one of: `secret`, `configMap`, `downwardAPI` or `serviceAccountToken`"))
		case n > 1:
			errs = append(errs, forbidden(sp, "may not specify more than 1 volume type per source"))
		}
	}
	return errs
}

// filePaths are the paths of a projected volume's files so far.
type filePaths map[string]bool

// add checks the path of one more file, and that it is the only file
// there.
func (paths filePaths) add(s string, p fieldPath) ErrorList {
	if s == "" {
		return ErrorList{required(p, "")}
	}
	if errs := validateLocalNonReservedPath(s, p); len(errs) > 0 {
		return errs
	}
	if paths[path.Clean(s)] {
		return ErrorList{invalid(p, s, "conflicting duplicate paths")}
	}
	paths[path.Clean(s)] = true
	return nil
}

// validateKeyProjection checks the source of a secret or configMap
// projection and each of its items.
func validateKeyProjection(name string, items []KeyToPath, p fieldPath, paths filePaths) ErrorList {
	var errs ErrorList
	if name == "" {
		errs = append(errs, required(p.child("name"), ""))
	}
	return append(errs, validateKeyItems(items, p, paths)...)
}

// validateKeyVolume checks a configMap or secret volume, whose name is in
// field nameField: the projection it stands for, and its defaultMode.
func validateKeyVolume(nameField, name string, items []KeyToPath, defaultMode *int32, p fieldPath) ErrorList {
	var errs ErrorList
	if name == "" {
		errs = append(errs, required(p.child(nameField), ""))
	}
	errs = append(errs, validateKeyItems(items, p, filePaths{})...)
	return append(errs, validateMode(defaultMode, p.child("defaultMode"))...)
}

// validateDownwardAPIVolume checks a downwardAPI volume: its files as
// those of a projection, and its defaultMode.
func validateDownwardAPIVolume(d *DownwardAPIVolumeSource, p fieldPath) ErrorList {
	errs := validateMode(d.DefaultMode, p.child("defaultMode"))
	paths := filePaths{}
	for i, item := range d.Items {
		ip := p.child("items").index(i)
		errs = append(errs, paths.add(item.Path, ip.child("path"))...)
		errs = append(errs, validateDownwardAPIFile(&item, ip)...)
	}
	return errs
}

// validateKeyItems checks the items of a configMap or secret source: a
// valid key each, a path of its own, a mode.
func validateKeyItems(items []KeyToPath, p fieldPath, paths filePaths) ErrorList {
	var errs ErrorList
	for i, item := range items {
		ip := p.child("items").index(i)
		if item.Key == "" {
			errs = append(errs, required(ip.child("key"), ""))
		} else {
			errs = append(errs, check(ip.child("key"), item.Key, IsConfigMapKey(item.Key))...)
		}
		errs = append(errs, paths.add(item.Path, ip.child("path"))...)
		errs = append(errs, validateMode(item.Mode, ip.child("mode"))...)
	}
	return errs
}

// validateDownwardAPIFile checks what a downwardAPI file holds; its path
// is checked with the others.
func validateDownwardAPIFile(item *DownwardAPIVolumeFile, p fieldPath) ErrorList {
	var errs ErrorList
	switch f := item.FieldRef; {
	case f == nil && item.ResourceFieldRef == nil:
		errs = append(errs, required(p, "one of fieldRef and resourceFieldRef is required"))
	case f != nil && item.ResourceFieldRef != nil:
		errs = append(errs, invalid(p, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
	case f != nil:
		errs = append(errs, validateFieldRef(f, p.child("fieldRef"), volumeFieldPaths)...)
	default:
		// A file belongs to no container: it must name one.
		errs = append(errs, validateResourceFieldRef(item.ResourceFieldRef, p.child("resourceFieldRef"), true)...)
	}
	return append(errs, validateMode(item.Mode, p.child("mode"))...)
}

// validateLocalNonReservedPath accepts a relative path that stays inside
// its volume and does not start with "..", which the kubelet keeps for
// itself.
func validateLocalNonReservedPath(s string, p fieldPath) ErrorList {
	if errs := validateRelativePath(s, p); len(errs) > 0 {
		return errs
	}
	if strings.HasPrefix(s, "..") {
		return ErrorList{invalid(p, s, "must not start with '..'")}
	}
	return nil
}

// validateMode accepts permission bits, 0 to 0777.
func validateMode(mode *int32, p fieldPath) ErrorList {
	if mode != nil && (*mode < 0 || *mode > 0o777) {
		return ErrorList{invalid(p, *mode, "must be a number between 0 and 0777 (octal), both inclusive")}
	}
	return nil
}
