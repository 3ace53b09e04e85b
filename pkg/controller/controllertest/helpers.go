package controllertest

import (
	"slices"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// Drain empties q and returns its keys, sorted: what a reconciler's
// handlers queued.
func Drain(q *client.Queue) []string {
	var keys []string
	for q.Len() > 0 {
		k, _ := q.Get()
		q.Done(k)
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// CreatedPods returns the pods w was asked to create, in order.
func (w *Writer) CreatedPods() []*api.Pod {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []*api.Pod
	for _, a := range w.Actions {
		if a.Verb == "create" && a.Resource == "pods" {
			out = append(out, a.Object.(*api.Pod))
		}
	}
	return out
}
