package dashboard

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"
)

// renderer renders the fragments of one view from the caches as they are
// now. It builds each view's model once, however many of its fragments
// are asked for: a burst of changes to the pods of ten nodes reads the
// caches once, not ten times.
type renderer struct {
	d    *Dashboard
	v    view
	data fragData // the forms' CSRF token and return path; M is set per fragment
	now  time.Time

	model any // the view's model, once built
}

// fragment renders the fragment id. ok is false when the view has no such
// fragment any more (a node that went away): the caller renders the root
// instead.
func (r *renderer) fragment(id string) (html string, ok bool, err error) {
	name, m, ok := r.lookup(id)
	if !ok {
		return "", false, nil
	}
	data := r.data
	data.M = m
	var b strings.Builder
	if err := r.d.fragments.ExecuteTemplate(&b, name, data); err != nil {
		return "", false, fmt.Errorf("rendering fragment %s: %w", id, err)
	}
	return b.String(), true, nil
}

// lookup finds the template and the model of fragment id.
func (r *renderer) lookup(id string) (string, any, bool) {
	switch r.v.name {
	case viewMap:
		if r.model == nil {
			r.model = buildMap(r.d.caches, r.v.namespace, r.now)
		}
		m := r.model.(clusterMap)
		switch {
		case id == viewMap:
			return "map", m, true
		case id == fragPending:
			return "pending", m, true
		case strings.HasPrefix(id, "node-"):
			col, ok := m.column(strings.TrimPrefix(id, "node-"))
			return "node", col, ok
		}
	case viewWorkloads:
		return "workloads", buildWorkloads(r.d.caches, r.v.namespace, r.now), id == viewWorkloads
	case viewServices:
		return "services", buildServices(r.d.caches, r.v.namespace), id == viewServices
	case viewEvents:
		return "events", buildEvents(r.d.caches, r.v.namespace, r.v.kind, r.now), id == viewEvents
	case viewPod:
		if r.model == nil {
			r.model = buildPodPage(r.d.caches, r.v.namespace, r.v.pod, r.now)
		}
		switch id {
		case viewPod:
			return "pod", r.model, true
		case fragPodEvents:
			return "pod-events", r.model, true
		}
	}
	return "", nil, false
}

// templateFuncs are the functions the templates call.
var templateFuncs = template.FuncMap{
	"podURL":    podURL,
	"countText": countText,
	"join":      strings.Join,
	"lower":     strings.ToLower,
	// nsQuery is the query that keeps the namespace shown: ?ns=default.
	"nsQuery": func(ns string) string { return "?ns=" + url.QueryEscape(ns) },
	// fill is the class of a bar filled to pct percent, in steps of 5:
	// the page's policy allows no inline style (app.css has the widths).
	"fill": func(pct int) string { return fmt.Sprintf("fill-%d", (min(max(pct, 0), 100)+2)/5*5) },
	// navPath is where the namespace selector of a page leads: the same
	// view in the namespace chosen; a pod's page leads to the map.
	"navPath": func(nav string) string {
		switch nav {
		case viewWorkloads, viewServices, viewEvents:
			return "/" + nav
		}
		return "/"
	},
	// podCount says how many pods, in words.
	"podCount": func(n int) string {
		if n == 1 {
			return "1 pod"
		}
		return fmt.Sprintf("%d pods", n)
	},
}
