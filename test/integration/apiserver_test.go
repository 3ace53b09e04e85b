package integration

import (
	"context"
	"net"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/apiserver"
	"kubelab/pkg/auth"
	"kubelab/pkg/client"
	"kubelab/pkg/store"
)

// controlPlane is an apiserver in the test process over an embedded etcd,
// serving HTTPS with the run's PKI (pki_test.go); it can be stopped and
// started again on the same address and data.
type controlPlane struct {
	t      *testing.T
	etcd   *store.Embedded
	store  *store.Store
	addr   string
	cancel context.CancelFunc
	done   chan struct{}
}

func startControlPlane(t *testing.T) *controlPlane {
	t.Helper()
	etcd, err := store.StartEmbedded(store.EmbeddedConfig{DataDir: t.TempDir(), Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(etcd.Close)
	cp := &controlPlane{t: t, etcd: etcd, store: store.New(etcd.Client(), "/registry"), addr: freeAddr(t)}
	cp.startAPIServer()
	t.Cleanup(cp.stopAPIServer)
	return cp
}

func (cp *controlPlane) startAPIServer() {
	cp.t.Helper()
	srv, err := apiserver.New(apiserver.Config{Store: cp.store, TLS: servingTLS(cp.t), Authenticator: auth.X509Authenticator{}})
	if err != nil {
		cp.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := srv.Bootstrap(ctx); err != nil {
		cancel()
		cp.t.Fatal(err)
	}
	var ln net.Listener
	for i := 0; i < 50; i++ { // the port may linger for a moment after a stop
		if ln, err = net.Listen("tcp", cp.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		cancel()
		cp.t.Fatal(err)
	}
	cp.cancel, cp.done = cancel, make(chan struct{})
	caches := make(chan struct{})
	go func() { srv.RunAuthorizerCaches(ctx); close(caches) }()
	go func() { srv.Serve(ctx, ln); <-caches; close(cp.done) }()
}

// stopAPIServer stops serving, cutting every open watch, and stops the
// authorizers' caches.
func (cp *controlPlane) stopAPIServer() {
	if cp.cancel != nil {
		cp.cancel()
		<-cp.done
		cp.cancel = nil
	}
}

// client is the admin's client of this apiserver.
func (cp *controlPlane) client() *client.Client {
	cp.t.Helper()
	return adminClient(cp.t, cp.addr)
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startSecondAPIServer serves the same etcd on another address, as a
// second apiserver of an HA control plane would.
func startSecondAPIServer(t *testing.T, cp *controlPlane) *client.Client {
	t.Helper()
	second := &controlPlane{t: t, etcd: cp.etcd, store: cp.store, addr: freeAddr(t)}
	second.startAPIServer()
	t.Cleanup(second.stopAPIServer)
	return second.client()
}
