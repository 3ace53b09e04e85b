// Command kubia is the demo app of kubelab's examples, after the classic
// "kubia" of Kubernetes in Action: it answers every request with the name
// and IP of the pod that served it and a request count, so load balancing
// can be seen from the outside.
//
//	GET /               "You've hit kubia-x7k2p (10.244.1.5), request #3"
//	GET /healthy        200, or 500 after /set?healthy=false (liveness demos)
//	GET /ready          200, or 503 after /set?ready=false (readiness demos)
//	GET /set?healthy=false&ready=true   flips those switches
//
// kubelab/kubia:v2 (built with -ldflags -X main.version=v2) answers
// "This is v2 running in pod kubia-x7k2p (10.244.1.5), request #3", so a
// Deployment's rollout from one to the other can be watched request by
// request.
//
// On SIGTERM it turns not-ready and answers for $SHUTDOWN_DELAY more (3 s),
// so that a rollout loses no request, then exits.
//
// It listens on $PORT (default 8080) and reads its pod name and IP from
// $POD_NAME and $POD_IP (the downward API), else the hostname and the first
// non-loopback address.
package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// version is "" for the first kubia, "v2" for the second (build.sh sets it).
var version string

func main() {
	name := os.Getenv("POD_NAME")
	if name == "" {
		name, _ = os.Hostname()
	}
	ip := os.Getenv("POD_IP")
	if ip == "" {
		ip = firstAddress()
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	var requests atomic.Int64
	var healthy, ready atomic.Bool
	healthy.Store(true)
	ready.Store(true)

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		if version != "" {
			fmt.Fprintf(w, "This is %s running in pod %s (%s), request #%d\n", version, name, ip, n)
			return
		}
		fmt.Fprintf(w, "You've hit %s (%s), request #%d\n", name, ip, n)
	})
	mux.HandleFunc("/healthy", func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			http.Error(w, "unhealthy", http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "healthy")
	})
	mux.HandleFunc("/ready", func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		for key, flag := range map[string]*atomic.Bool{"healthy": &healthy, "ready": &ready} {
			if v := r.URL.Query().Get(key); v != "" {
				b, err := strconv.ParseBool(v)
				if err != nil {
					http.Error(w, key+" must be true or false", http.StatusBadRequest)
					return
				}
				flag.Store(b)
			}
		}
		fmt.Fprintf(w, "healthy=%t ready=%t\n", healthy.Load(), ready.Load())
	})

	srv := &http.Server{Addr: ":" + port, Handler: mux}
	stopped := make(chan struct{})
	go func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
		<-ch
		// A deleted pod gets SIGTERM at the moment its Service starts to
		// forget it: until every proxy has rewritten its rules, requests
		// still arrive. So kubia answers on for a while (what a Kubernetes
		// app gets from a preStop sleep), then finishes the requests in
		// flight and exits.
		ready.Store(false)
		time.Sleep(shutdownDelay())
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		close(stopped)
	}()
	log.Printf("kubia %s (%s) listening on :%s", name, ip, port)
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
	<-stopped
}

// shutdownDelay is how long kubia answers after SIGTERM: $SHUTDOWN_DELAY
// (a Go duration), 3 s by default.
func shutdownDelay() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("SHUTDOWN_DELAY")); err == nil {
		return d
	}
	return 3 * time.Second
}

func firstAddress() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return "unknown"
}
