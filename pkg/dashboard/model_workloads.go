package dashboard

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/printers"
)

// The workloads view: every controller of a namespace with its counts and
// the pods it owns. A Deployment shows its ReplicaSets, so a rolling
// update is one ReplicaSet growing while the other shrinks.

// workloadList is the model of the workloads view.
type workloadList struct {
	Namespace    string
	Deployments  []deploymentView
	ReplicaSets  []workloadView // those no Deployment owns, and ReplicationControllers
	DaemonSets   []workloadView
	StatefulSets []workloadView
	Jobs         []workloadView
	Empty        bool
}

// workloadView is one controller: its counts, and its pods as cards.
type workloadView struct {
	Kind, Namespace, Name, ID string
	Resource                  string // the resource its scale subresource belongs to; "" when it has none
	Replicas                  int32  // the desired count, what a scale changes
	Stats                     []stat
	Images                    string
	Revision                  string // a Deployment's ReplicaSet: its revision
	Pods                      []podCard
}

// stat is one count: "ready 2".
type stat struct {
	Label string
	Value int32
	Of    int32 // when > 0 the count is shown out of this many
}

type deploymentView struct {
	workloadView
	Strategy    string
	Conditions  []string
	ReplicaSets []workloadView // newest first, those with pods or replicas
	Retired     int            // older ReplicaSets, scaled to 0 and empty
}

// revisionAnnotation numbers a Deployment's ReplicaSets.
const revisionAnnotation = "deployment.kubernetes.io/revision"

// buildWorkloads reads the workloads of namespace ns ("" all).
func buildWorkloads(c *caches, ns string, now time.Time) workloadList {
	l := workloadList{Namespace: ns}
	owned := map[string][]podCard{} // controller UID → its pods
	for _, p := range listOf[*api.Pod](c.pods) {
		if ref := api.ControllerRef(&p.ObjectMeta); ref != nil && (ns == "" || p.Namespace == ns) {
			owned[ref.UID] = append(owned[ref.UID], newPodCard(p, now))
		}
	}
	in := func(o api.Object) bool { return ns == "" || o.GetObjectMeta().Namespace == ns }
	sets := map[string][]*api.ReplicaSet{} // Deployment UID → its ReplicaSets
	for _, rs := range listOf[*api.ReplicaSet](c.replicaSets) {
		if !in(rs) {
			continue
		}
		if ref := api.ControllerRef(&rs.ObjectMeta); ref != nil && ref.Kind == "Deployment" {
			sets[ref.UID] = append(sets[ref.UID], rs)
			continue
		}
		l.ReplicaSets = append(l.ReplicaSets, replicaSetView(rs, owned))
	}
	for _, rc := range listOf[*api.ReplicationController](c.replicationControllers) {
		if in(rc) {
			l.ReplicaSets = append(l.ReplicaSets, replicationControllerView(rc, owned))
		}
	}
	for _, d := range listOf[*api.Deployment](c.deployments) {
		if in(d) {
			l.Deployments = append(l.Deployments, deploymentOf(d, sets[d.UID], owned))
		}
	}
	for _, ds := range listOf[*api.DaemonSet](c.daemonSets) {
		if in(ds) {
			st := ds.Status
			w := newWorkload(ds, "", 0, owned, &ds.Spec.Template)
			w.Stats = []stat{{"desired", st.DesiredNumberScheduled, 0}, {"current", st.CurrentNumberScheduled, 0},
				{"ready", st.NumberReady, 0}, {"up-to-date", st.UpdatedNumberScheduled, 0}, {"available", st.NumberAvailable, 0}}
			l.DaemonSets = append(l.DaemonSets, w)
		}
	}
	for _, ss := range listOf[*api.StatefulSet](c.statefulSets) {
		if in(ss) {
			desired := printers.Replicas(ss.Spec.Replicas)
			w := newWorkload(ss, "statefulsets", desired, owned, &ss.Spec.Template)
			w.Stats = []stat{{"desired", desired, 0}, {"current", ss.Status.Replicas, 0},
				{"ready", ss.Status.ReadyReplicas, 0}, {"updated", ss.Status.UpdatedReplicas, 0}}
			l.StatefulSets = append(l.StatefulSets, w)
		}
	}
	for _, j := range listOf[*api.Job](c.jobs) {
		if in(j) {
			w := newWorkload(j, "", 0, owned, &j.Spec.Template)
			w.Stats = []stat{{"succeeded", j.Status.Succeeded, ptrOr(j.Spec.Completions, 0)}, {"active", j.Status.Active, 0},
				{"failed", j.Status.Failed, 0}}
			l.Jobs = append(l.Jobs, w)
		}
	}
	l.Empty = len(l.Deployments)+len(l.ReplicaSets)+len(l.DaemonSets)+len(l.StatefulSets)+len(l.Jobs) == 0
	return l
}

func replicaSetView(rs *api.ReplicaSet, owned map[string][]podCard) workloadView {
	desired := printers.Replicas(rs.Spec.Replicas)
	w := newWorkload(rs, "replicasets", desired, owned, &rs.Spec.Template)
	w.Stats = []stat{{"desired", desired, 0}, {"current", rs.Status.Replicas, 0}, {"ready", rs.Status.ReadyReplicas, 0}}
	w.Revision = rs.Annotations[revisionAnnotation]
	return w
}

func replicationControllerView(rc *api.ReplicationController, owned map[string][]podCard) workloadView {
	desired := printers.Replicas(rc.Spec.Replicas)
	w := newWorkload(rc, "replicationcontrollers", desired, owned, rc.Spec.Template)
	w.Stats = []stat{{"desired", desired, 0}, {"current", rc.Status.Replicas, 0}, {"ready", rc.Status.ReadyReplicas, 0}}
	return w
}

func deploymentOf(d *api.Deployment, sets []*api.ReplicaSet, owned map[string][]podCard) deploymentView {
	desired := printers.Replicas(d.Spec.Replicas)
	v := deploymentView{workloadView: newWorkload(d, "deployments", desired, owned, &d.Spec.Template)}
	st := d.Status
	v.Stats = []stat{{"desired", desired, 0}, {"updated", st.UpdatedReplicas, 0}, {"ready", st.ReadyReplicas, 0},
		{"available", st.AvailableReplicas, 0}}
	v.Strategy = cmp.Or(d.Spec.Strategy.Type, "RollingUpdate")
	if d.Spec.Paused {
		v.Strategy += ", paused"
	}
	for _, cond := range st.Conditions {
		v.Conditions = append(v.Conditions, fmt.Sprintf("%s=%s %s", cond.Type, cond.Status, cond.Reason))
	}
	slices.SortFunc(sets, func(a, b *api.ReplicaSet) int {
		return cmp.Or(cmp.Compare(revision(b), revision(a)), cmp.Compare(a.Name, b.Name))
	})
	for _, rs := range sets {
		w := replicaSetView(rs, owned)
		if w.Replicas == 0 && len(w.Pods) == 0 {
			v.Retired++
			continue
		}
		v.ReplicaSets = append(v.ReplicaSets, w)
	}
	return v
}

// newWorkload fills what every controller shows: its name, its template's
// images and its pods. resource and replicas are for the scale form.
func newWorkload(obj api.Object, resource string, replicas int32, owned map[string][]podCard, t *api.PodTemplateSpec) workloadView {
	m := obj.GetObjectMeta()
	kind := kindOf(obj)
	w := workloadView{Kind: kind, Namespace: m.Namespace, Name: m.Name, Resource: resource, Replicas: replicas,
		ID: strings.ToLower(kind) + "-" + m.Namespace + "-" + m.Name, Pods: owned[m.UID]}
	slices.SortFunc(w.Pods, func(a, b podCard) int { return cmp.Compare(a.Name, b.Name) })
	if t != nil {
		var images []string
		for _, ct := range t.Spec.Containers {
			images = append(images, ct.Image)
		}
		w.Images = strings.Join(images, ", ")
	}
	return w
}

func revision(rs *api.ReplicaSet) int {
	n, _ := strconv.Atoi(rs.Annotations[revisionAnnotation])
	return n
}

func ptrOr(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}
