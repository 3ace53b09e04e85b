package dashboard

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/printers"
)

// The events view: the cluster's Events, newest first, as the components
// record them: the scheduler's Scheduled and FailedScheduling, the
// controllers' SuccessfulCreate, the kubelets' Started and Killing.

// maxEvents is how many events the events view shows.
const maxEvents = 200

// eventList is the model of the events view.
type eventList struct {
	Kind   string   // the kind filter, "" for all
	Kinds  []string // the kinds events are about, for the filter
	Events []eventView
	More   int // events that match but are not shown
}

// eventView is one event, in a table row or on a pod's timeline.
type eventView struct {
	Type, Reason, Message string
	Object, ObjectURL     string
	Namespace             string
	Source                string
	Count                 int32
	LastSeen, When        string // how long ago, and when (RFC 3339)
	Warning               bool
}

func newEventView(e *api.Event, now time.Time) eventView {
	ref := e.InvolvedObject
	v := eventView{Type: e.Type, Reason: e.Reason, Message: e.Message, Namespace: e.Namespace,
		Object: printers.EventObject(ref), Source: cmp.Or(e.Source.Component, e.ReportingController),
		Count: max(e.Count, 1), Warning: e.Type == api.EventWarning}
	if ref.Kind == "Pod" {
		v.ObjectURL = podURL(ref.Namespace, ref.Name)
	}
	last := printers.EventLastSeen(e)
	v.LastSeen = printers.Age(last, now)
	if !last.IsZero() {
		v.When = last.UTC().Format(time.RFC3339)
	}
	if e.Source.Host != "" {
		v.Source += ", " + e.Source.Host
	}
	return v
}

// buildEvents reads the events of namespace ns ("" all) about objects of
// kind ("" all) from the caches.
func buildEvents(c *caches, ns, kind string, now time.Time) eventList {
	l := eventList{Kind: kind}
	var evs []*api.Event
	kinds := map[string]bool{}
	for _, e := range listOf[*api.Event](c.events) {
		if ns != "" && e.Namespace != ns {
			continue
		}
		kinds[e.InvolvedObject.Kind] = true
		if kind == "" || e.InvolvedObject.Kind == kind {
			evs = append(evs, e)
		}
	}
	l.Kinds = sortedKeys(kinds)
	sortEvents(evs)
	slices.Reverse(evs)
	if len(evs) > maxEvents {
		l.More = len(evs) - maxEvents
		evs = evs[:maxEvents]
	}
	for _, e := range evs {
		l.Events = append(l.Events, newEventView(e, now))
	}
	return l
}

// sortEvents puts events in the order they happened, as kctl get events
// does: by when they were last seen, then first seen, then by the order
// the server stored them. Timestamps have whole seconds, so a pod's
// Scheduled, Pulled and Started often tie.
func sortEvents(evs []*api.Event) {
	slices.SortStableFunc(evs, func(a, b *api.Event) int {
		return cmp.Or(
			printers.EventLastSeen(a).Compare(printers.EventLastSeen(b).Time),
			printers.EventFirstSeen(a).Compare(printers.EventFirstSeen(b).Time),
			compareVersions(a.ResourceVersion, b.ResourceVersion),
			cmp.Compare(a.Name, b.Name))
	})
}

// compareVersions orders resourceVersions, which are etcd revisions:
// decimal numbers without leading zeros, so the shorter is the smaller.
func compareVersions(a, b string) int {
	if len(a) != len(b) {
		return cmp.Compare(len(a), len(b))
	}
	return cmp.Compare(a, b)
}

// countText is an event's count as the timeline shows it: "" once, "×3".
func countText(n int32) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf("×%d", n)
}
