package kctl

import (
	"fmt"
	"time"

	"kubelab/pkg/api"
)

// statefulSetRow is kubectl's row of a StatefulSet: ready/desired, and
// with -o wide its containers and images (no selector: kubectl prints
// none for StatefulSets).
func statefulSetRow(obj api.Object, now time.Time) []string {
	s := obj.(*api.StatefulSet)
	wide := templateColumns(&s.Spec.Template, "")[:2]
	return append([]string{s.Name, fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, replicas(s.Spec.Replicas)),
		age(s.CreationTimestamp, now)}, wide...)
}
