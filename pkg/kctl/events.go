package kctl

import (
	"cmp"
	"sort"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/printers"
)

// When events happened, and in what order, as get and describe show them.

// sortEvents puts events in the order they happened, as kubectl's
// SortableEvents does: by when they were last seen. Timestamps have
// whole seconds, so a pod's Created and Started often tie; ties go by when
// the events were first seen and then by the order the server stored them
// (resourceVersion), with the name as a last, stable resort. Sorting by
// time alone left them in name order, which is random.
func sortEvents(objs []api.Object) {
	sort.SliceStable(objs, func(i, j int) bool { return eventBefore(objs[i].(*api.Event), objs[j].(*api.Event)) })
}

func eventBefore(a, b *api.Event) bool {
	if la, lb := printers.EventLastSeen(a), printers.EventLastSeen(b); !la.Equal(lb.Time) {
		return la.Before(lb.Time)
	}
	if fa, fb := printers.EventFirstSeen(a), printers.EventFirstSeen(b); !fa.Equal(fb.Time) {
		return fa.Before(fb.Time)
	}
	if c := compareResourceVersions(a.ResourceVersion, b.ResourceVersion); c != 0 {
		return c < 0
	}
	return a.Name < b.Name
}

// compareResourceVersions orders two resourceVersions, which are etcd
// revisions: decimal numbers without leading zeros, so the shorter is the
// smaller. An empty one orders with any.
func compareResourceVersions(a, b string) int {
	switch {
	case a == "" || b == "":
		return 0
	case len(a) != len(b):
		return cmp.Compare(len(a), len(b))
	}
	return strings.Compare(a, b)
}
