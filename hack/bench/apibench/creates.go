package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"kubelab/hack/bench/benchpki"
	"kubelab/pkg/apiserver"
	"kubelab/pkg/pki"
)

// A create through the apiserver is measured against two baselines, in
// turns, so that a change in what else the machine runs weighs on all
// three alike:
//
//	etcd        a raw etcd put of the same JSON, in-process: the goal's baseline;
//	transport   the same HTTPS request, with the same client, to a handler
//	            that only reads the body, puts it into etcd and echoes it:
//	            what any API over HTTPS and etcd pays, whatever it does;
//	apiserver   the create as a client makes it.
//
// The gap between the last two is what the apiserver's own steps cost
// (authentication, authorization, decoding, admission, validation, the
// transaction, the answer); the gap between the first two is the price
// of HTTPS and of the client.

// op is one create of object i.
type op func(i int) error

// measured is one rate: operations per second, and the CPU time of the
// whole process (client, server and etcd) per operation in µs: the
// machine's other programs change the rates much more than that.
type measured struct{ perSecond, cpuPerOp float64 }

// rounds measures each op on n objects at concurrency conc, in turns of
// n/turns objects each, after a warm-up that opens the clients'
// connections (and makes their TLS handshakes), as a component's are
// open. Object numbers [0, n) are measured, [n, n+2·conc) warm up.
func rounds(n, conc, turns int, ops []op) []measured {
	for _, o := range ops {
		each(n, n+2*conc, conc, o)
	}
	wall := make([]time.Duration, len(ops))
	cpu := make([]time.Duration, len(ops))
	per := n / turns
	for t := range turns {
		from, to := t*per, (t+1)*per
		if t == turns-1 {
			to = n
		}
		for k, o := range ops {
			start, c := time.Now(), cpuTime()
			each(from, to, conc, o)
			wall[k] += time.Since(start)
			cpu[k] += cpuTime() - c
		}
	}
	out := make([]measured, len(ops))
	for k := range ops {
		out[k] = measured{float64(n) / wall[k].Seconds(), cpu[k].Seconds() / float64(n) * 1e6}
	}
	return out
}

// profileOp runs op on objects [from, from+n) at concurrency conc with a
// CPU profile written to path.
func profileOp(path string, from, n, conc int, o op) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	each(from, from+n, conc, o)
	pprof.StopCPUProfile()
	return nil
}

// each runs o(i) for i in [from, to) on conc goroutines.
func each(from, to, conc int, o op) {
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < to; i = int(next.Add(1)) - 1 {
				if err := o(i); err != nil {
					fmt.Fprintln(os.Stderr, "apibench:", err)
					os.Exit(1)
				}
			}
		})
	}
	wg.Wait()
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// post is a create of a ConfigMap through url with client.
func post(client *http.Client, url, prefix string) op {
	return func(i int) error {
		resp, err := client.Post(url, "application/json", strings.NewReader(configMap(fmt.Sprintf("%s-%d", prefix, i))))
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body) // drain, so that the connection is reused
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("create: %s", resp.Status)
		}
		return nil
	}
}

// serveTransport serves the transport baseline over HTTPS with the
// apiserver's certificate, asking for client certificates the same way,
// until ctx ends, and returns its URL.
func serveTransport(ctx context.Context, p *benchpki.PKI, etcd *clientv3.Client) (string, error) {
	tc, err := apiserver.ServingTLS(p.File(pki.APIServerCertFile), p.File(pki.APIServerKeyFile), p.File(pki.CACertFile))
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	var seq atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 3<<20))
		if err == nil {
			_, err = etcd.Put(r.Context(), fmt.Sprintf("/transport/%d", seq.Add(1)), string(body))
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write(body)
	})}
	go srv.Serve(tls.NewListener(ln, tc))
	go func() { <-ctx.Done(); srv.Close() }()
	return "https://" + ln.Addr().String(), nil
}
