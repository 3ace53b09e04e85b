package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"
)

// Object is any API object: it carries a TypeMeta and an ObjectMeta.
// Pointers to the kind structs (*Pod, *Service, …) satisfy it through the
// embedded fields.
type Object interface {
	GetTypeMeta() *TypeMeta
	GetObjectMeta() *ObjectMeta
}

// TypeMeta names the schema of a serialized object.
type TypeMeta struct {
	// APIVersion is the group and version of the object's schema: "v1" for
	// the core group, "apps/v1", "rbac.authorization.k8s.io/v1".
	APIVersion string `json:"apiVersion,omitempty"`
	// Kind is the object's type, in CamelCase: Pod, Deployment.
	Kind string `json:"kind,omitempty"`
}

// GetTypeMeta returns the TypeMeta itself, so embedding types satisfy Object.
func (t *TypeMeta) GetTypeMeta() *TypeMeta { return t }

// ObjectMeta is the metadata every persisted object has.
type ObjectMeta struct {
	// Name is unique among the objects of its kind in its namespace, and
	// cannot change.
	Name string `json:"name,omitempty"`
	// GenerateName, when name is empty, is the prefix the server completes
	// with five random characters to make a unique name.
	GenerateName string `json:"generateName,omitempty"`
	// Namespace is the namespace the object lives in; empty for
	// cluster-scoped kinds such as Node.
	Namespace string `json:"namespace,omitempty"`
	// UID is set by the server at creation and never reused: an object
	// deleted and created again with the same name has a new one.
	UID string `json:"uid,omitempty"`
	// ResourceVersion is the store revision of the object's last change.
	// An update that sends it fails with 409 Conflict if the object has
	// changed since: optimistic concurrency.
	ResourceVersion            string            `json:"resourceVersion,omitempty"`
	Generation                 int64             `json:"generation,omitempty"`
	CreationTimestamp          Time              `json:"creationTimestamp,omitzero"`
	DeletionTimestamp          *Time             `json:"deletionTimestamp,omitempty"`
	DeletionGracePeriodSeconds *int64            `json:"deletionGracePeriodSeconds,omitempty"`
	Labels                     map[string]string `json:"labels,omitempty"`
	Annotations                map[string]string `json:"annotations,omitempty"`
	OwnerReferences            []OwnerReference  `json:"ownerReferences,omitempty"`
	Finalizers                 []string          `json:"finalizers,omitempty"`
}

// GetObjectMeta returns the ObjectMeta itself, so embedding types satisfy Object.
func (m *ObjectMeta) GetObjectMeta() *ObjectMeta { return m }

// OwnerReference points from a dependent to the object that owns it; the
// garbage collector follows these.
type OwnerReference struct {
	APIVersion         string `json:"apiVersion"`
	Kind               string `json:"kind"`
	Name               string `json:"name"`
	UID                string `json:"uid"`
	Controller         *bool  `json:"controller,omitempty"`
	BlockOwnerDeletion *bool  `json:"blockOwnerDeletion,omitempty"`
}

// ControllerRef returns the owner reference marked controller=true, if any.
func ControllerRef(m *ObjectMeta) *OwnerReference {
	for i := range m.OwnerReferences {
		if c := m.OwnerReferences[i].Controller; c != nil && *c {
			return &m.OwnerReferences[i]
		}
	}
	return nil
}

// ListMeta is the metadata of a list: the store revision it was read at.
type ListMeta struct {
	ResourceVersion string `json:"resourceVersion,omitempty"`
	Continue        string `json:"continue,omitempty"`
}

// List is the wire shape of every list response (PodList, ServiceList, …).
type List[T any] struct {
	TypeMeta `json:",inline"`
	Metadata ListMeta `json:"metadata"`
	Items    []T      `json:"items"`
}

// Time is a timestamp serialized as RFC 3339 with second precision, as
// Kubernetes does.
type Time struct {
	time.Time
}

// Now returns the current time truncated to what the wire format keeps.
func Now() Time { return Time{time.Now().UTC().Truncate(time.Second)} }

// NewTime wraps t.
func NewTime(t time.Time) Time { return Time{t.UTC().Truncate(time.Second)} }

// MarshalJSON writes null for the zero time, else RFC 3339.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(time.RFC3339))
}

// UnmarshalJSON accepts null, RFC 3339 and RFC 3339 with fractions.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("time must be an RFC 3339 string")
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("time %q is not RFC 3339", s)
	}
	t.Time = v.UTC()
	return nil
}

// Status is the body of every error answer and of some successful deletes.
type Status struct {
	TypeMeta `json:",inline"`
	Metadata ListMeta       `json:"metadata"`
	Status   string         `json:"status,omitempty"` // Success or Failure
	Message  string         `json:"message,omitempty"`
	Reason   string         `json:"reason,omitempty"` // NotFound, AlreadyExists, Conflict, Invalid, BadRequest, Gone, …
	Details  *StatusDetails `json:"details,omitempty"`
	Code     int32          `json:"code,omitempty"`
}

// StatusDetails says which object an error is about and, for Invalid, which
// fields were wrong.
type StatusDetails struct {
	Name   string        `json:"name,omitempty"`
	Group  string        `json:"group,omitempty"`
	Kind   string        `json:"kind,omitempty"`
	UID    string        `json:"uid,omitempty"`
	Causes []StatusCause `json:"causes,omitempty"`
	// RetryAfterSeconds tells the client when to try again (429, 504).
	RetryAfterSeconds int32 `json:"retryAfterSeconds,omitempty"`
}

// StatusCause is one reason for a failure, naming the field it concerns.
type StatusCause struct {
	Type    string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	Field   string `json:"field,omitempty"`
}

// Error lets a Status travel as a Go error through clients.
func (s *Status) Error() string { return s.Message }

// DeleteOptions is the optional body of a DELETE.
type DeleteOptions struct {
	TypeMeta           `json:",inline"`
	GracePeriodSeconds *int64        `json:"gracePeriodSeconds,omitempty"`
	PropagationPolicy  *string       `json:"propagationPolicy,omitempty"`
	Preconditions      *Precondition `json:"preconditions,omitempty"`
	OrphanDependents   *bool         `json:"orphanDependents,omitempty"`
}

// Precondition must hold for a delete to go ahead.
type Precondition struct {
	UID             *string `json:"uid,omitempty"`
	ResourceVersion *string `json:"resourceVersion,omitempty"`
}

// Deletion propagation policies.
const (
	DeletePropagationOrphan     = "Orphan"
	DeletePropagationBackground = "Background"
	DeletePropagationForeground = "Foreground"
)

// Finalizers kubelab's garbage collector understands.
const (
	FinalizerOrphanDependents = "orphan"
	FinalizerDeleteDependents = "foregroundDeletion"
)

// WatchEvent is one line of a watch stream.
type WatchEvent struct {
	Type   string          `json:"type"` // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
	Object json.RawMessage `json:"object"`
}

// Watch event types.
const (
	Added    = "ADDED"
	Modified = "MODIFIED"
	Deleted  = "DELETED"
	Bookmark = "BOOKMARK"
	Error    = "ERROR"
)

// DeepCopy returns an independent copy of obj. Caches hand out shared
// objects; copy before changing one.
func DeepCopy[T Object](obj T) T {
	b, err := json.Marshal(obj)
	if err != nil {
		panic(fmt.Sprintf("api: marshal %T: %v", obj, err))
	}
	out := reflect.New(reflect.TypeOf(obj).Elem()).Interface().(T)
	if err := json.Unmarshal(b, out); err != nil {
		panic(fmt.Sprintf("api: unmarshal %T: %v", obj, err))
	}
	return out
}

// Bool and Int64 return pointers, for optional fields.
func Bool(b bool) *bool       { return &b }
func Int64(i int64) *int64    { return &i }
func Int32(i int32) *int32    { return &i }
func String(s string) *string { return &s }
