package dns

import (
	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

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

// InformerSource takes snapshots from the caches of three informers.
type InformerSource struct {
	Services, Endpoints, Pods client.Lister
}

// Snapshot lists the three caches.
func (s InformerSource) Snapshot() Snapshot {
	return Snapshot{
		Services:  client.ListOf[*api.Service](s.Services),
		Endpoints: client.ListOf[*api.Endpoints](s.Endpoints),
		Pods:      client.ListOf[*api.Pod](s.Pods),
	}
}
