package scheduler

import (
	"maps"
	"reflect"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// The informer handlers keep the snapshot in step with the cluster, one
// event at a time, and queue the pods to schedule. They run on the
// informers' goroutines and only take the lock briefly.

// PodHandler is the handler for an informer of all pods: bound pods are
// counted on their nodes, pending ones of this scheduler queued.
func (s *Scheduler) PodHandler() client.Handler {
	return client.Handler{
		OnAdd:    func(obj api.Object) { s.podSeen(nil, obj.(*api.Pod)) },
		OnUpdate: func(old, new api.Object) { s.podSeen(old.(*api.Pod), new.(*api.Pod)) },
		OnDelete: func(obj api.Object) { s.podGone(obj.(*api.Pod)) },
	}
}

func (s *Scheduler) podSeen(old, pod *api.Pod) {
	key := client.KeyOf(pod)
	switch {
	case counts(pod):
		// Bound: count it. This also confirms an assumed pod.
		s.mu.Lock()
		s.snap.AddPod(pod)
		delete(s.unschedulable, key)
		delete(s.volumeWaits, key)
		s.mu.Unlock()
		s.seen(key, false)
	case pod.Spec.NodeName != "":
		s.podGone(pod) // finished: its room is free
	case s.wants(pod):
		s.seen(key, true)
		s.mu.Lock()
		waiting := s.unschedulable[key] > 0 || s.volumeWaits[key] != nil
		s.mu.Unlock()
		if waiting && old != nil && !specOrLabelsChanged(old, pod) {
			return // e.g. the scheduler's own condition patch: nothing that could help
		}
		s.queue.Add(key)
	}
}

func (s *Scheduler) podGone(pod *api.Pod) {
	key := client.KeyOf(pod)
	s.mu.Lock()
	counted, _ := s.snap.Has(key)
	s.snap.RemovePod(key)
	delete(s.unschedulable, key)
	delete(s.volumeWaits, key)
	s.mu.Unlock()
	s.seen(key, false)
	if counted {
		s.retryUnschedulable()
	}
}

// seen notes when a pod was first seen pending, or forgets it.
func (s *Scheduler) seen(key string, pending bool) {
	s.pendingMu.Lock()
	defer s.pendingMu.Unlock()
	if !pending {
		delete(s.firstSeen, key)
	} else if _, ok := s.firstSeen[key]; !ok {
		s.firstSeen[key] = s.now()
	}
}

// NodeHandler is the handler for an informer of nodes.
func (s *Scheduler) NodeHandler() client.Handler {
	return client.Handler{
		OnAdd: func(obj api.Object) {
			s.setNode(obj.(*api.Node))
			s.retryUnschedulable()
		},
		OnUpdate: func(old, new api.Object) {
			s.setNode(new.(*api.Node))
			if schedulingChanged(old.(*api.Node), new.(*api.Node)) {
				s.retryUnschedulable()
			}
		},
		OnDelete: func(obj api.Object) {
			s.mu.Lock()
			s.snap.RemoveNode(obj.GetObjectMeta().Name)
			s.mu.Unlock()
		},
	}
}

func (s *Scheduler) setNode(node *api.Node) {
	s.mu.Lock()
	s.snap.SetNode(node)
	s.mu.Unlock()
}

// schedulingChanged reports a node update that may let a pod fit where it
// did not. Heartbeats, every few seconds from every node, do not: retrying
// every unschedulable pod on each would keep the scheduler busy for
// nothing.
func schedulingChanged(old, new *api.Node) bool {
	return old.Spec.Unschedulable != new.Spec.Unschedulable ||
		!reflect.DeepEqual(old.Spec.Taints, new.Spec.Taints) ||
		!maps.Equal(old.Labels, new.Labels) ||
		!sameResources(old.Status.Allocatable, new.Status.Allocatable) ||
		!sameResources(old.Status.Capacity, new.Status.Capacity) ||
		readyStatus(old) != readyStatus(new)
}

func sameResources(a, b api.ResourceList) bool {
	return maps.EqualFunc(a, b, func(x, y api.Quantity) bool { return x.Cmp(y) == 0 })
}

func readyStatus(n *api.Node) string {
	for _, c := range n.Status.Conditions {
		if c.Type == api.NodeReady {
			return c.Status
		}
	}
	return ""
}
