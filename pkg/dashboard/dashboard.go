package dashboard

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"kubelab/pkg/client"
)

// The web pages, their style and their script are in the binary: the
// dashboard works on a machine with no internet, and fetches nothing from
// anywhere but itself.
//
//go:embed templates static
var assets embed.FS

// Dashboard serves the web UI. Handler is its HTTP handler.
type Dashboard struct {
	caches  *caches
	hub     *hub
	synced  func() bool
	reader  *client.Client // the dashboard's own identity, for what it reads beyond the caches: logs
	viewers viewerAPI      // how a signed-in viewer's requests reach the apiserver (actions.go)
	log     *zap.Logger
	now     func() time.Time
	metrics *metrics

	pages      map[string]*template.Template // by page name
	fragments  *template.Template            // the fragments alone, for the event streams
	hosts      []string                      // host names served besides IP addresses and localhost
	tokenUsers *tokenUsers                   // who the tokens belong to (signin.go)
}

// pageNames are the pages, each templates/<name>.html.
var pageNames = []string{"map", "workloads", "services", "events", "pod", "apply", "login"}

// deps are what a Dashboard is built from.
type deps struct {
	caches  *caches // filled by Run's informers, or a test's fixed objects
	hub     *hub    // hears of every change to the caches
	synced  func() bool
	reader  *client.Client
	viewers viewerAPI
	hosts   []string             // --allowed-host
	reg     *prometheus.Registry // nil: no /metrics
	log     *zap.Logger
}

// newDashboard builds a Dashboard and parses its templates.
func newDashboard(dp deps) (*Dashboard, error) {
	if dp.log == nil {
		dp.log = zap.NewNop()
	}
	d := &Dashboard{caches: dp.caches, hub: dp.hub, synced: dp.synced, reader: dp.reader, viewers: dp.viewers,
		log: dp.log, now: time.Now, pages: map[string]*template.Template{}, hosts: dp.hosts, tokenUsers: newTokenUsers()}
	d.metrics = newMetrics(dp.reg, dp.hub)
	base, err := template.New("").Funcs(templateFuncs).ParseFS(assets, "templates/base/*.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard templates: %w", err)
	}
	d.fragments = base
	for _, name := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(assets, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("dashboard template %s: %w", name, err)
		}
		d.pages[name] = t
	}
	return d, nil
}

// Handler returns the dashboard's routes, behind its checks of every
// request (signin.go: the Host, and for a POST its origin and CSRF
// token).
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", d.serveMap)
	mux.HandleFunc("GET /workloads", d.serveWorkloads)
	mux.HandleFunc("GET /services", d.serveServices)
	mux.HandleFunc("GET /events", d.serveEvents)
	mux.HandleFunc("GET /pods/{namespace}/{name}", d.servePod)
	mux.HandleFunc("GET /pods/{namespace}/{name}/log", d.serveLog) // logs.go
	mux.HandleFunc("GET /live", d.serveLive)                       // live.go
	mux.HandleFunc("GET /apply", d.serveApplyForm)                 // apply.go
	mux.HandleFunc("POST /apply", d.serveApply)
	mux.HandleFunc("GET /login", d.serveLoginForm) // signin.go
	mux.HandleFunc("POST /login", d.serveLogin)
	mux.HandleFunc("POST /logout", d.serveLogout)
	mux.HandleFunc("POST /actions/scale", d.serveScale) // actions.go
	mux.HandleFunc("POST /actions/delete-pod", d.serveDeletePod)
	mux.HandleFunc("POST /actions/cordon", d.serveCordon)
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", d.serveReady)
	if d.metrics.gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(d.metrics.gatherer, promhttp.HandlerOpts{}))
	}
	return d.guard(mux)
}

// serveReady answers 200 once every informer has listed: before, pages
// would show an empty cluster.
func (d *Dashboard) serveReady(w http.ResponseWriter, _ *http.Request) {
	if d.synced != nil && !d.synced() {
		http.Error(w, "the informers have not synced yet", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
}
