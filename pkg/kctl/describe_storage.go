package kctl

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/printers"
)

// Descriptions of the storage kinds, in kubectl's layout: a volume with
// its claim, node affinity and source; a claim with its volume and the
// pods that use it; a class with its provisioner and parameters.

func describePersistentVolume(ctx context.Context, d *describer, obj api.Object) error {
	pv := obj.(*api.PersistentVolume)
	d.field(0, "Name", pv.Name)
	d.labels(0, "Labels", pv.Labels)
	d.labels(0, "Annotations", pv.Annotations)
	d.field(0, "Finalizers", fmt.Sprint(pv.Finalizers))
	d.field(0, "StorageClass", pv.Spec.StorageClassName)
	d.field(0, "Status", d.phase(pv.Status.Phase, pv.DeletionTimestamp))
	claim := ""
	if ref := pv.Spec.ClaimRef; ref != nil {
		claim = ref.Namespace + "/" + ref.Name
	}
	d.field(0, "Claim", claim)
	d.field(0, "Reclaim Policy", pv.Spec.PersistentVolumeReclaimPolicy)
	d.field(0, "Access Modes", printers.AccessModes(pv.Spec.AccessModes))
	if m := pv.Spec.VolumeMode; m != nil {
		d.field(0, "VolumeMode", *m)
	}
	size := pv.Spec.Capacity[api.ResourceStorage]
	d.field(0, "Capacity", size.String())
	d.volumeNodeAffinity(pv.Spec.NodeAffinity)
	d.field(0, "Message", pv.Status.Message)
	d.line(0, "Source:")
	switch src := pv.Spec.PersistentVolumeSource; {
	case src.HostPath != nil:
		d.field(2, "Type", "HostPath (bare host directory volume)")
		d.field(2, "Path", src.HostPath.Path)
		d.field(2, "HostPathType", src.HostPath.Type)
	case src.Local != nil:
		d.field(2, "Type", "LocalVolume (a persistent volume backed by local storage on a node)")
		d.field(2, "Path", src.Local.Path)
	}
	return d.events(ctx, pv)
}

// phase is a phase, or "Terminating (lasts 5m)" for an object being
// deleted, as kubectl shows it.
func (d *describer) phase(phase string, deleting *api.Time) string {
	if deleting == nil {
		return phase
	}
	return fmt.Sprintf("Terminating (lasts %s)", printers.Age(*deleting, d.now))
}

// volumeNodeAffinity writes the nodes a volume can be used from, a line
// per term: "Term 0:  kubernetes.io/hostname in [node-1]".
func (d *describer) volumeNodeAffinity(na *api.VolumeNodeAffinity) {
	if na == nil || na.Required == nil {
		d.field(0, "Node Affinity", "<none>")
		return
	}
	d.field(0, "Node Affinity", "")
	if len(na.Required.NodeSelectorTerms) == 0 {
		d.field(1, "Required Terms", "<none>")
		return
	}
	d.field(1, "Required Terms", "")
	for i, term := range na.Required.NodeSelectorTerms {
		var exprs []string
		for _, r := range term.MatchExpressions {
			e := r.Key + " " + strings.ToLower(r.Operator)
			if len(r.Values) > 0 {
				e += " [" + strings.Join(r.Values, ", ") + "]"
			}
			exprs = append(exprs, e)
		}
		d.multiline(2, fmt.Sprintf("Term %d", i), exprs)
	}
}

func describePersistentVolumeClaim(ctx context.Context, d *describer, obj api.Object) error {
	c := obj.(*api.PersistentVolumeClaim)
	d.field(0, "Name", c.Name)
	d.field(0, "Namespace", c.Namespace)
	class := ""
	if c.Spec.StorageClassName != nil {
		class = *c.Spec.StorageClassName
	}
	d.field(0, "StorageClass", class)
	d.field(0, "Status", d.phase(c.Status.Phase, c.DeletionTimestamp))
	d.field(0, "Volume", c.Spec.VolumeName)
	d.labels(0, "Labels", c.Labels)
	d.labels(0, "Annotations", c.Annotations)
	d.field(0, "Finalizers", fmt.Sprint(c.Finalizers))
	capacity, modes := "", ""
	if c.Spec.VolumeName != "" {
		size := c.Status.Capacity[api.ResourceStorage]
		capacity, modes = size.String(), printers.AccessModes(c.Status.AccessModes)
	}
	d.field(0, "Capacity", capacity)
	d.field(0, "Access Modes", modes)
	if m := c.Spec.VolumeMode; m != nil {
		d.field(0, "VolumeMode", *m)
	}
	users, err := d.claimUsers(ctx, c)
	if err != nil {
		return err
	}
	d.multiline(0, "Used By", users)
	if len(c.Status.Conditions) > 0 {
		d.line(0, "Conditions:")
		var rows [][]string
		for _, cond := range c.Status.Conditions {
			rows = append(rows, []string{cond.Type, cond.Status, timestamp(cond.LastProbeTime), timestamp(cond.LastTransitionTime), cond.Reason, cond.Message})
		}
		d.table(1, []string{"Type", "Status", "LastProbeTime", "LastTransitionTime", "Reason", "Message"}, rows)
	}
	return d.events(ctx, c)
}

// claimUsers names the pods of the claim's namespace that mount it.
func (d *describer) claimUsers(ctx context.Context, c *api.PersistentVolumeClaim) ([]string, error) {
	res, _ := api.Lookup("pods")
	pods, _, err := d.c.Resource(res).Namespace(c.Namespace).List(ctx, client.ListOptions{})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, o := range pods {
		pod := o.(*api.Pod)
		if slices.ContainsFunc(pod.Spec.Volumes, func(v api.Volume) bool {
			return v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == c.Name
		}) {
			names = append(names, pod.Name)
		}
	}
	sort.Strings(names)
	return names, nil
}

func describeStorageClass(ctx context.Context, d *describer, obj api.Object) error {
	sc := obj.(*api.StorageClass)
	d.field(0, "Name", sc.Name)
	isDefault := "No"
	if printers.IsDefaultClass(sc) {
		isDefault = "Yes"
	}
	d.field(0, "IsDefaultClass", isDefault)
	d.field(0, "Annotations", commaPairs(sc.Annotations))
	d.field(0, "Provisioner", sc.Provisioner)
	d.field(0, "Parameters", commaPairs(sc.Parameters))
	expand := "<unset>"
	if sc.AllowVolumeExpansion != nil {
		expand = "False"
		if *sc.AllowVolumeExpansion {
			expand = "True"
		}
	}
	d.field(0, "AllowVolumeExpansion", expand)
	if len(sc.MountOptions) == 0 {
		d.field(0, "MountOptions", "<none>")
	} else {
		d.line(0, "MountOptions:")
		for _, o := range sc.MountOptions {
			d.line(1, "%s", o)
		}
	}
	if p := sc.ReclaimPolicy; p != nil {
		d.field(0, "ReclaimPolicy", *p)
	}
	if m := sc.VolumeBindingMode; m != nil {
		d.field(0, "VolumeBindingMode", *m)
	}
	return d.events(ctx, sc)
}

// commaPairs is a map as "k1=v1,k2=v2", sorted, or <none>: how kubectl
// shows a class's annotations and parameters.
func commaPairs(m map[string]string) string {
	var pairs []string
	for _, k := range sortedKeys(m) {
		pairs = append(pairs, k+"="+m[k])
	}
	return orDefault(strings.Join(pairs, ","), "<none>")
}
