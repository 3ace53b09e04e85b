package kctl

import (
	"context"
	"fmt"

	"kubelab/pkg/api"
	"kubelab/pkg/printers"
)

// describeStatefulSet is kubectl's layout: counts, the update strategy
// with its partition, the pods by phase, the pod template, and the claim
// templates each pod gets a claim of.
func describeStatefulSet(ctx context.Context, d *describer, obj api.Object) error {
	s := obj.(*api.StatefulSet)
	selector := printers.FormatSelector(s.Spec.Selector)
	d.field(0, "Name", s.Name)
	d.field(0, "Namespace", s.Namespace)
	d.field(0, "CreationTimestamp", timestamp(s.CreationTimestamp))
	d.field(0, "Selector", selector)
	d.labels(0, "Labels", s.Labels)
	d.labels(0, "Annotations", s.Annotations)
	d.field(0, "Replicas", fmt.Sprintf("%d desired | %d total", printers.Replicas(s.Spec.Replicas), s.Status.Replicas))
	d.field(0, "Update Strategy", s.Spec.UpdateStrategy.Type)
	if ru := s.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		d.field(1, "Partition", *ru.Partition)
		if ru.MaxUnavailable != nil {
			d.field(1, "MaxUnavailable", intOrStringText(ru.MaxUnavailable))
		}
	}
	status, err := d.ownedPodsStatus(ctx, &s.ObjectMeta, selector)
	if err != nil {
		return err
	}
	d.field(0, "Pods Status", status)
	d.podTemplate(&s.Spec.Template) // describe_workloads.go
	d.claimTemplates(s.Spec.VolumeClaimTemplates)
	return d.events(ctx, s)
}

// claimTemplates writes the Volume Claims block.
func (d *describer) claimTemplates(claims []api.PersistentVolumeClaim) {
	if len(claims) == 0 {
		d.field(0, "Volume Claims", "<none>")
		return
	}
	d.line(0, "Volume Claims:")
	for _, c := range claims {
		d.field(1, "Name", c.Name)
		class := ""
		if c.Spec.StorageClassName != nil {
			class = *c.Spec.StorageClassName
		}
		d.field(1, "StorageClass", class)
		d.labels(1, "Labels", c.Labels)
		d.labels(1, "Annotations", c.Annotations)
		capacity := "<default>"
		if q, ok := c.Spec.Resources.Requests["storage"]; ok {
			capacity = q.String()
		}
		d.field(1, "Capacity", capacity)
		d.field(1, "Access Modes", fmt.Sprint(c.Spec.AccessModes))
	}
}
