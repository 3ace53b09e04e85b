package printers

import (
	"time"

	"kubelab/pkg/api"
)

// leaseRow is a Lease as kubectl prints it: who holds it (a node's name
// for a heartbeat, a leader's identity for an election).
func leaseRow(obj api.Object, now time.Time) []any {
	l := obj.(*api.Lease)
	holder := ""
	if h := l.Spec.HolderIdentity; h != nil {
		holder = *h
	}
	return []any{l.Name, holder, Age(l.CreationTimestamp, now)}
}
