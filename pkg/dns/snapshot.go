package dns

import "kubelab/pkg/api"

// Snapshot is what the index is built from: the Services, Endpoints and
// Pods the informers held at one moment. Its objects are shared with the
// caches and must not be changed.
type Snapshot struct {
	Services  []*api.Service
	Endpoints []*api.Endpoints
	Pods      []*api.Pod
}

// Source hands out snapshots. In the cluster it is an InformerSource; a
// test gives the server a fixed list instead, so that no apiserver is
// needed to check what the server answers.
type Source interface {
	Snapshot() Snapshot
}

// Lister reads objects from a cache; *client.Informer is one.
type Lister interface {
	List() []api.Object
}

// InformerSource takes snapshots from the caches of three informers.
type InformerSource struct {
	Services, Endpoints, Pods Lister
}

// Snapshot lists the three caches.
func (s InformerSource) Snapshot() Snapshot {
	return Snapshot{
		Services:  listOf[*api.Service](s.Services),
		Endpoints: listOf[*api.Endpoints](s.Endpoints),
		Pods:      listOf[*api.Pod](s.Pods),
	}
}

func listOf[T api.Object](l Lister) []T {
	objs := l.List()
	out := make([]T, 0, len(objs))
	for _, obj := range objs {
		if t, ok := obj.(T); ok {
			out = append(out, t)
		}
	}
	return out
}
