package api

import (
	"encoding/json"
	"fmt"
	"time"
)

// coordination.k8s.io/v1 Lease: a small object that says who holds
// something and until when. Two things in a cluster are built on it:
//
//   - node heartbeats: every kubelet renews the Lease named after its
//     node in kube-node-lease every 10 s. A renewal is a tiny write, where
//     a full node status is kilobytes, so the status can go out less
//     often (every 5 minutes, or when it changes) and the node lifecycle
//     controller reads the Lease to know the node is alive;
//   - leader election: the scheduler and the controller manager take the
//     Lease kube-system/kube-scheduler (kube-controller-manager) before
//     they act, so that a second copy of each waits, ready to take over.
//
// Nothing in the apiserver interprets a Lease: holders and candidates
// agree on its meaning (renewTime + leaseDurationSeconds in the past is
// free), and compare-and-swap on resourceVersion keeps two from winning.

// CoordinationGroup is the API group of Lease.
const CoordinationGroup = "coordination.k8s.io"

// NamespaceNodeLease holds one Lease per node, named after it; the
// apiserver creates it at start, as Kubernetes does.
const NamespaceNodeLease = "kube-node-lease"

// Lease is a lock with a holder and an expiry.
type Lease struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       LeaseSpec `json:"spec"`
}

// LeaseSpec is who holds the lease, since when, and for how long after
// the last renewal.
type LeaseSpec struct {
	// HolderIdentity is the current holder: a node's name, or a leader
	// candidate's "<hostname>_<uuid>".
	HolderIdentity *string `json:"holderIdentity,omitempty"`
	// LeaseDurationSeconds is how long after renewTime others must wait
	// before they may take the lease.
	LeaseDurationSeconds *int32 `json:"leaseDurationSeconds,omitempty"`
	// AcquireTime is when the current holder took the lease.
	AcquireTime *MicroTime `json:"acquireTime,omitempty"`
	// RenewTime is when the current holder last renewed it.
	RenewTime *MicroTime `json:"renewTime,omitempty"`
	// LeaseTransitions counts the changes of holder.
	LeaseTransitions *int32 `json:"leaseTransitions,omitempty"`
	// Strategy and PreferredHolder are for coordinated leader election
	// (alpha in Kubernetes); kubelab stores them and acts on neither.
	Strategy        *string `json:"strategy,omitempty"`
	PreferredHolder *string `json:"preferredHolder,omitempty"`
}

// LeaseStrategies are the values of spec.strategy Kubernetes accepts.
var LeaseStrategies = []string{"OldestEmulationVersion"}

// Holder is spec.holderIdentity, "" when nobody holds the lease.
func (l *Lease) Holder() string {
	if l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}

// ExpiresAt is when the lease is free for others to take: renewTime plus
// leaseDurationSeconds. A lease never renewed, or without a duration, is
// free at once (the zero time).
func (l *Lease) ExpiresAt() time.Time {
	if l.Spec.RenewTime == nil || l.Spec.LeaseDurationSeconds == nil {
		return time.Time{}
	}
	return l.Spec.RenewTime.Add(time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second)
}

// MicroTime is a timestamp kept to the microsecond, as Kubernetes'
// metav1.MicroTime: leases are renewed every few seconds and compared
// against each other, so whole seconds are too coarse.
type MicroTime struct {
	time.Time
}

// microTimeFormat is Kubernetes' RFC3339Micro.
const microTimeFormat = "2006-01-02T15:04:05.000000Z07:00"

// NewMicroTime wraps t, in UTC, truncated to the microsecond.
func NewMicroTime(t time.Time) MicroTime { return MicroTime{t.UTC().Truncate(time.Microsecond)} }

// MarshalJSON writes null for the zero time, else RFC 3339 with six
// fraction digits.
func (t MicroTime) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(microTimeFormat))
}

// UnmarshalJSON accepts null and RFC 3339 with any fraction or none.
func (t *MicroTime) UnmarshalJSON(b []byte) error {
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
