package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Cluster is a connection to an etcd cluster that runs on its own
// (--etcd-servers): the lab and production setting.
type Cluster struct {
	cli *clientv3.Client
}

// Connect connects to an existing etcd cluster. It checks that the cluster
// answers a read within dialTimeout, so that a wrong address fails at
// startup with a clear error instead of later.
func Connect(endpoints []string, dialTimeout time.Duration) (*Cluster, error) {
	if len(endpoints) == 0 {
		return nil, errors.New("store: no etcd endpoints given")
	}
	if dialTimeout <= 0 {
		dialTimeout = 5 * time.Second
	}
	where := strings.Join(endpoints, ",")
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		DialTimeout: dialTimeout,
		Logger:      zap.NewNop(), // failures are returned, not logged
	})
	if err != nil {
		return nil, fmt.Errorf("store: connect to etcd at %s: %w", where, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	// A linearizable read needs a quorum, so it proves the cluster works,
	// not just that a port is open.
	if _, err := cli.Get(ctx, "/", clientv3.WithCountOnly()); err != nil {
		cli.Close()
		return nil, fmt.Errorf("store: cannot reach etcd at %s within %s: %w", where, dialTimeout, err)
	}
	return &Cluster{cli: cli}, nil
}

// Store returns a Store over the cluster that keeps its keys under prefix.
// Close closes it too.
func (c *Cluster) Store(prefix string) *Store { return New(c.cli, prefix) }

// Close closes the connection.
func (c *Cluster) Close() { c.cli.Close() }
