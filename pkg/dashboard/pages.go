package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"go.uber.org/zap"
)

// The pages: each handler reads its view's model from the caches and
// renders it in the layout, with the address of the view's event stream.

// pageData is what every page's layout reads.
type pageData struct {
	Title      string
	Nav        string // the current view, for the navigation
	Namespace  string // "" for every namespace
	Namespaces []string
	User       string // the signed-in viewer, "" for none
	Flash      *flash
	Live       string // the URL of the page's event stream; "" for none
	Path       string // the page's own path and query, to come back to
	Frag       fragData
}

// fragData is what every fragment reads: its model, and what its forms
// carry.
type fragData struct {
	CSRF      string
	Return    string // where an action goes back to
	Namespace string
	Signed    bool // a viewer is signed in
	M         any
}

// With is f with another model, for a fragment that renders its parts
// with fragments of their own: {{template "node" ($.With .)}}.
func (f fragData) With(m any) fragData {
	f.M = m
	return f
}

// renderPlain writes a page without live fragments (apply, sign in);
// nav is the navigation entry it belongs to.
func (d *Dashboard) renderPlain(w http.ResponseWriter, r *http.Request, name, title, nav string, m any, status int) {
	pd := d.pageData(w, r, title, m)
	pd.Nav = nav
	d.writePage(w, name, pd, status)
}

// pageData fills what the layout needs for r.
func (d *Dashboard) pageData(w http.ResponseWriter, r *http.Request, title string, m any) pageData {
	ns := namespaceParam(r)
	user := d.viewerName(r)
	pd := pageData{Title: title, Namespace: ns, Namespaces: d.namespaceNames(), User: user, Flash: takeFlash(w, r),
		Path: r.URL.RequestURI()}
	pd.Frag = fragData{CSRF: d.csrfToken(w, r), Return: pd.Path, Namespace: ns, Signed: user != "", M: m}
	return pd
}

func (d *Dashboard) writePage(w http.ResponseWriter, name string, pd pageData, status int) {
	var b strings.Builder
	if err := d.pages[name].ExecuteTemplate(&b, "layout", pd); err != nil {
		d.log.Error("rendering a page", zap.String("page", name), zap.Error(err))
		http.Error(w, "the page could not be rendered: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, b.String())
}

// namespaceParam is the namespace a page shows: ?ns=, "default" when
// absent, and "" (every namespace) for ?ns=.
func namespaceParam(r *http.Request) string {
	q := r.URL.Query()
	if !q.Has("ns") {
		return "default"
	}
	return q.Get("ns")
}

func (d *Dashboard) namespaceNames() []string {
	if d.caches.namespaces == nil {
		return nil
	}
	var out []string
	for _, obj := range d.caches.namespaces.List() {
		out = append(out, obj.GetObjectMeta().Name)
	}
	return out
}

func (d *Dashboard) serveMap(w http.ResponseWriter, r *http.Request) {
	v := view{name: viewMap, namespace: namespaceParam(r)}
	seq := d.hub.sequence()
	m := buildMap(d.caches, v.namespace, d.now())
	d.renderView(w, r, "map", "Cluster map", v, seq, m)
}

func (d *Dashboard) serveWorkloads(w http.ResponseWriter, r *http.Request) {
	v := view{name: viewWorkloads, namespace: namespaceParam(r)}
	seq := d.hub.sequence()
	d.renderView(w, r, "workloads", "Workloads", v, seq, buildWorkloads(d.caches, v.namespace, d.now()))
}

func (d *Dashboard) serveServices(w http.ResponseWriter, r *http.Request) {
	v := view{name: viewServices, namespace: namespaceParam(r)}
	seq := d.hub.sequence()
	d.renderView(w, r, "services", "Services", v, seq, buildServices(d.caches, v.namespace))
}

func (d *Dashboard) serveEvents(w http.ResponseWriter, r *http.Request) {
	v := view{name: viewEvents, namespace: namespaceParam(r), kind: r.URL.Query().Get("kind")}
	seq := d.hub.sequence()
	d.renderView(w, r, "events", "Events", v, seq, buildEvents(d.caches, v.namespace, v.kind, d.now()))
}

func (d *Dashboard) servePod(w http.ResponseWriter, r *http.Request) {
	v := view{name: viewPod, namespace: r.PathValue("namespace"), pod: r.PathValue("name")}
	seq := d.hub.sequence()
	pg := buildPodPage(d.caches, v.namespace, v.pod, d.now())
	status := http.StatusOK
	if !pg.Found {
		status = http.StatusNotFound // the page stays, live: the pod may come (back)
	}
	d.renderView(w, r, "pod", "Pod "+v.pod, v, seq, pg, status)
}

// renderView writes a page with live fragments. seq is the hub's
// sequence read before m was built: a change between the two makes the
// page's event stream send the view again, never miss it.
func (d *Dashboard) renderView(w http.ResponseWriter, r *http.Request, name, title string, v view, seq uint64, m any, status ...int) {
	pd := d.pageData(w, r, title, m)
	pd.Nav = v.name
	if v.name == viewPod {
		pd.Namespace = v.namespace
	}
	q := v.query()
	q.Set("since", fmt.Sprint(seq))
	pd.Live = "/live?" + q.Encode()
	code := http.StatusOK
	if len(status) > 0 {
		code = status[0]
	}
	d.writePage(w, name, pd, code)
}

// podURL is the address of a pod's page.
func podURL(ns, name string) string {
	return "/pods/" + url.PathEscape(ns) + "/" + url.PathEscape(name)
}

// workloadsURL is the address of a namespace's workloads.
func workloadsURL(ns string) string { return "/workloads?ns=" + url.QueryEscape(ns) }
