package api

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Validation checks an object before it is stored and reports every problem
// at once, each naming the field by its path as Kubernetes does:
//
//	spec.containers[0].image: Required value
//	metadata.name: Invalid value: "Kubia_1": a lowercase RFC 1123 subdomain must …
//
// Validate expects SetDefaults to have run first, as the apiserver does in
// admission; an empty namespace is allowed because the apiserver fills it in.

// Types of FieldError, worded as Kubernetes words them.
const (
	ErrorTypeRequired     = "Required value"
	ErrorTypeInvalid      = "Invalid value"
	ErrorTypeNotSupported = "Unsupported value"
	ErrorTypeDuplicate    = "Duplicate value"
	ErrorTypeForbidden    = "Forbidden"
	ErrorTypeTooLong      = "Too long"
	ErrorTypeNotFound     = "Not found"
	ErrorTypeTooMany      = "Too many"
)

// FieldError is one problem with one field of an object.
type FieldError struct {
	Type     string // one of the ErrorType constants
	Field    string // path of the field: spec.containers[0].image
	BadValue any    // the offending value, shown for Invalid, Unsupported, Duplicate and Not found
	Detail   string // why, and what would be accepted
}

// Error reads like Kubernetes: "field: Type[: value][: detail]".
func (e *FieldError) Error() string {
	s := e.Field + ": " + e.Type
	switch e.Type {
	case ErrorTypeRequired, ErrorTypeForbidden, ErrorTypeTooLong:
		// The value is absent or too big to be worth printing.
	default:
		s += ": " + formatBadValue(e.BadValue)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// formatBadValue quotes strings, prints numbers and booleans as they are,
// and falls back to Go syntax for maps and structs.
func formatBadValue(v any) string {
	if v == nil {
		return "null"
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "null"
		}
		v = rv.Elem().Interface()
	}
	switch t := v.(type) {
	case boundedValue:
		return t.boundedString()
	case string:
		return Quote(t)
	case int, int32, int64, float64, bool:
		return fmt.Sprint(t)
	case fmt.Stringer:
		return Shorten(t.String())
	}
	return Shorten(fmt.Sprintf("%#v", v))
}

// boundedValue is a value that prints itself with each part already
// shortened (a roleRef), so that it is shown whole, in Kubernetes' form.
type boundedValue interface{ boundedString() string }

// ErrorList is every problem found in one object.
type ErrorList []*FieldError

// Error joins the errors with ", ", as one line.
func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, ", ")
}

// fieldPath builds the path of a field one step at a time.
type fieldPath string

func (p fieldPath) child(name string) fieldPath {
	if p == "" {
		return fieldPath(name)
	}
	return p + "." + fieldPath(name)
}

func (p fieldPath) index(i int) fieldPath  { return fieldPath(fmt.Sprintf("%s[%d]", p, i)) }
func (p fieldPath) key(k string) fieldPath { return p + "[" + fieldPath(k) + "]" }

func required(p fieldPath, detail string) *FieldError {
	return &FieldError{Type: ErrorTypeRequired, Field: string(p), Detail: detail}
}

func invalid(p fieldPath, value any, detail string) *FieldError {
	return &FieldError{Type: ErrorTypeInvalid, Field: string(p), BadValue: value, Detail: detail}
}

func duplicate(p fieldPath, value any) *FieldError {
	return &FieldError{Type: ErrorTypeDuplicate, Field: string(p), BadValue: value}
}

func forbidden(p fieldPath, detail string) *FieldError {
	return &FieldError{Type: ErrorTypeForbidden, Field: string(p), Detail: detail}
}

func notFound(p fieldPath, value any) *FieldError {
	return &FieldError{Type: ErrorTypeNotFound, Field: string(p), BadValue: value}
}

func tooLong(p fieldPath, max int) *FieldError {
	return &FieldError{Type: ErrorTypeTooLong, Field: string(p), Detail: fmt.Sprintf("must have at most %d bytes", max)}
}

// notSupported lists the accepted values in the order given.
func notSupported(p fieldPath, value any, valid ...string) *FieldError {
	quoted := make([]string, len(valid))
	for i, v := range valid {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	return &FieldError{Type: ErrorTypeNotSupported, Field: string(p), BadValue: value,
		Detail: "supported values: " + strings.Join(quoted, ", ")}
}

// check turns the messages of a name check into Invalid errors.
func check(p fieldPath, value string, msgs []string) ErrorList {
	var errs ErrorList
	for _, m := range msgs {
		errs = append(errs, invalid(p, value, m))
	}
	return errs
}

func oneOf(s string, valid ...string) bool {
	for _, v := range valid {
		if s == v {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Validate checks a new object of any registered kind. It returns nil when
// the object may be stored.
func Validate(obj Object) ErrorList {
	switch o := obj.(type) {
	case *Pod:
		return validatePod(o)
	case *Service:
		return validateService(o)
	case *Endpoints:
		return validateEndpoints(o)
	case *Node:
		return validateNode(o)
	case *Namespace:
		return validateObjectMeta(&o.ObjectMeta, false, IsDNS1123Label, "")
	case *Event:
		return validateEvent(o)
	case *ConfigMap:
		return validateConfigMap(o)
	case *Secret:
		return validateSecret(o)
	case *ReplicaSet:
		return validateReplicaSet(o)
	case *ReplicationController:
		return validateReplicationController(o)
	case *DaemonSet:
		return validateDaemonSet(o)
	case *Deployment:
		return validateDeployment(o)
	case *StatefulSet:
		return validateStatefulSet(o)
	case *ControllerRevision:
		return validateControllerRevision(o)
	case *Job:
		return validateJob(o)
	case *CronJob:
		return validateCronJob(o, nil)
	case *Role:
		return validateRole(o)
	case *ClusterRole:
		return validateClusterRole(o)
	case *RoleBinding:
		return validateRoleBinding(o)
	case *ClusterRoleBinding:
		return validateClusterRoleBinding(o)
	case *CertificateSigningRequest:
		return validateCertificateSigningRequest(o)
	case *Lease:
		return validateLease(o) // validation_coordination.go
	case *EndpointSlice:
		return validateEndpointSlice(o) // validation_discovery.go
	case *PersistentVolume:
		return validatePersistentVolume(o) // validation_storage.go
	case *PersistentVolumeClaim:
		return validatePersistentVolumeClaim(o)
	case *StorageClass:
		return validateStorageClass(o)
	}
	r, ok := ResourceOf(obj)
	return validateObjectMeta(obj.GetObjectMeta(), !ok || r.Namespaced, IsDNS1123Subdomain, "")
}

// validateObjectMeta checks the metadata every object has. nameCheck is the
// rule for this kind's names.
func validateObjectMeta(m *ObjectMeta, namespaced bool, nameCheck func(string) []string, p fieldPath) ErrorList {
	var errs ErrorList
	meta := p.child("metadata")
	switch {
	case m.Name != "":
		errs = append(errs, check(meta.child("name"), m.Name, nameCheck(m.Name))...)
	case m.GenerateName != "":
		// The prefix gets random characters appended, so a trailing '-' is fine.
		errs = append(errs, check(meta.child("generateName"), m.GenerateName, nameCheck(strings.TrimSuffix(m.GenerateName, "-")+"a"))...)
	default:
		errs = append(errs, required(meta.child("name"), "name or generateName is required"))
	}
	if namespaced {
		if m.Namespace != "" {
			errs = append(errs, check(meta.child("namespace"), m.Namespace, IsDNS1123Label(m.Namespace))...)
		}
	} else if m.Namespace != "" {
		errs = append(errs, forbidden(meta.child("namespace"), "not allowed on this type"))
	}
	errs = append(errs, validateLabels(m.Labels, meta.child("labels"))...)
	errs = append(errs, validateAnnotations(m.Annotations, meta.child("annotations"))...)
	for i, ref := range m.OwnerReferences {
		rp := meta.child("ownerReferences").index(i)
		for _, f := range []struct{ name, value string }{{"apiVersion", ref.APIVersion}, {"kind", ref.Kind}, {"name", ref.Name}, {"uid", ref.UID}} {
			if f.value == "" {
				errs = append(errs, required(rp.child(f.name), ""))
			}
		}
	}
	for i, f := range m.Finalizers {
		errs = append(errs, check(meta.child("finalizers").index(i), f, IsQualifiedName(f))...)
	}
	return errs
}

// validateLabels checks keys and values of a label map (also used for
// nodeSelector and Service selectors).
func validateLabels(labels map[string]string, p fieldPath) ErrorList {
	var errs ErrorList
	for _, k := range sortedKeys(labels) {
		errs = append(errs, check(p, k, IsQualifiedName(k))...)
		errs = append(errs, check(p, labels[k], IsValidLabelValue(labels[k]))...)
	}
	return errs
}

const totalAnnotationSizeLimit = 256 * 1024

func validateAnnotations(annotations map[string]string, p fieldPath) ErrorList {
	var errs ErrorList
	size := 0
	for _, k := range sortedKeys(annotations) {
		errs = append(errs, check(p, k, IsQualifiedName(strings.ToLower(k)))...)
		size += len(k) + len(annotations[k])
	}
	if size > totalAnnotationSizeLimit {
		errs = append(errs, tooLong(p, totalAnnotationSizeLimit))
	}
	return errs
}
