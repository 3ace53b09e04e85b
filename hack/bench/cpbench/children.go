package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"go.uber.org/zap"

	"kubelab/hack/bench/benchpki"
	"kubelab/pkg/kubelet"
	"kubelab/pkg/store"
)

// serveEtcd is `cpbench etcd -dir DIR`: this tree's embedded etcd on its
// unix socket in DIR, until SIGTERM. It prints "endpoint <url>" once it
// serves.
func serveEtcd(args []string) error {
	fs := flag.NewFlagSet("etcd", flag.ExitOnError)
	dir := fs.String("dir", "", "data directory")
	fs.Parse(args)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	etcd, err := store.StartEmbedded(store.EmbeddedConfig{DataDir: *dir, Logger: zap.NewNop()})
	if err != nil {
		return err
	}
	defer etcd.Close()
	fmt.Println("endpoint", etcd.Endpoints()[0])
	<-ctx.Done()
	return nil
}

// runNodes is `cpbench nodes`: n kubelets with the fake runtime, each
// as system:node:<name> with its command's default rate limits, until
// SIGTERM. The PKI directory holds their kubeconfigs.
func runNodes(args []string) error {
	fs := flag.NewFlagSet("nodes", flag.ExitOnError)
	n := fs.Int("n", 100, "nodes")
	server := fs.String("server", "", "the apiserver's URL")
	pkiDir := fs.String("pki", "", "the benchmark's PKI directory")
	root := fs.String("root", "", "the kubelets' state directories go under this")
	fs.Parse(args)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	p := &benchpki.PKI{Dir: *pkiDir}
	errs := make(chan error, *n)
	var wg sync.WaitGroup
	for i := range *n {
		name := fmt.Sprintf("node-%03d", i)
		kubeconfig, err := p.KubeletKubeconfig(name)
		if err != nil {
			return err
		}
		wg.Go(func() {
			err := kubelet.Run(ctx, kubelet.Options{Kubeconfig: kubeconfig, Server: *server, NodeName: name,
				RuntimeName: "fake", Port: -1, RootDir: filepath.Join(*root, name), CPU: "4", Memory: "16Gi", MaxPods: 110,
				QPS: 50, Burst: 100, Logger: zap.NewNop()})
			if err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("kubelet %s: %w", name, err)
			}
		})
	}
	select {
	case err := <-errs:
		stop()
		wg.Wait()
		return err
	case <-ctx.Done():
		wg.Wait()
		return nil
	}
}
