package printers

import (
	"fmt"
	"time"

	"kubelab/pkg/api"
)

// statefulSetRow is kubectl's row of a StatefulSet: ready/desired, and
// with -o wide its containers and images (no selector: kubectl prints
// none for StatefulSets).
func statefulSetRow(obj api.Object, now time.Time) []any {
	s := obj.(*api.StatefulSet)
	wide := templateColumns(&s.Spec.Template, "")[:2]
	return append([]any{s.Name, fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, Replicas(s.Spec.Replicas)),
		Age(s.CreationTimestamp, now)}, wide...)
}
