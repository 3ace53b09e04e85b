package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/client"
	"kubelab/pkg/component"
)

// Options are the dashboard's command-line settings.
type Options struct {
	Kubeconfig string // the dashboard's own identity (make up writes .kubelab/dashboard.conf)
	Server     string // the apiserver's URL; overrides the kubeconfig's
	Listen     string // where the web UI is served: 127.0.0.1:8080
	// Listener, when set, is served instead of opening Listen: a test or
	// a benchmark runs the dashboard in its own process on a free port.
	Listener     net.Listener
	AllowedHosts []string // host names the UI answers to besides IP addresses and localhost
	QPS          float64
	Burst        int
	LogLevel     string
	Logger       *zap.Logger // in-process use; else built from LogLevel
}

// Run is the dashboard program: it lists and watches the cluster as its
// own identity and serves the web UI, with /healthz, /readyz and
// /metrics, until ctx ends.
func Run(ctx context.Context, o Options) error {
	log := o.Logger
	if log == nil {
		var err error
		if log, err = component.NewLogger("dashboard", o.LogLevel); err != nil {
			return err
		}
		defer log.Sync()
	}
	cfg, err := client.Load(o.Kubeconfig, o.Server)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst, cfg.UserAgent = o.QPS, o.Burst, "kubelab-dashboard"
	c, err := client.New(cfg)
	if err != nil {
		return err
	}
	ln := o.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", o.Listen); err != nil {
			return fmt.Errorf("--listen: %w", err)
		}
	}
	defer ln.Close()

	h := newHub()
	cs, synced, err := startInformers(ctx, c, h, log)
	if err != nil {
		return err
	}
	d, err := newDashboard(deps{caches: cs, hub: h, synced: synced, reader: c, viewers: newViewerAPI(cfg.Server, cfg.TLS),
		hosts: o.AllowedHosts, reg: component.NewRegistry(), log: log})
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		<-ctx.Done()
		// Event streams never end by themselves: close them with the rest.
		shut, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if srv.Shutdown(shut) != nil {
			srv.Close()
		}
	}()
	log.Info("serving the dashboard", zap.String("url", "http://"+ln.Addr().String()), zap.String("apiserver", cfg.Server))
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
