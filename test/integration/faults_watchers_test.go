package integration

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/apiserver"
	"kubelab/pkg/client"
	"kubelab/pkg/store"
)

// blob makes a ConfigMap big enough that a few hundred of them fill a
// socket's buffers.
func bigConfigMap(name string, size int) *api.ConfigMap {
	cm := configMap(name)
	cm.Data = map[string]string{"blob": strings.Repeat("x", size)}
	return cm
}

// createConfigMaps creates n ConfigMaps named prefix-i with writers
// goroutines at once.
func createConfigMaps(t *testing.T, cms *client.ResourceClient, prefix string, n, size, writers int) {
	t.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				if _, err := cms.Create(context.Background(), bigConfigMap(fmt.Sprintf("%s-%04d", prefix, i), size)); err != nil {
					t.Errorf("create %d: %v", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// reader is a watcher that reads every event, and, like client-go's
// reflector, watches again from the last resourceVersion it saw when the
// apiserver closes its watch.
type reader struct {
	names   map[string]int // ConfigMap → times it was ADDED
	lastRV  int64
	resumed int // watches closed under it by the server
	err     error
}

// read watches from rv until it has seen n ADDED events or ctx ends.
func (r *reader) read(ctx context.Context, cms *client.ResourceClient, rv string, n int) {
	r.names = map[string]int{}
	for len(r.names) < n && ctx.Err() == nil {
		w, err := cms.Watch(ctx, client.ListOptions{ResourceVersion: rv})
		if err != nil {
			r.err = err
			return
		}
		for ev := range w.ResultChan() {
			got, _ := strconv.ParseInt(ev.Object.GetObjectMeta().ResourceVersion, 10, 64)
			if got <= r.lastRV {
				r.err = fmt.Errorf("resourceVersion %d after %d: out of order", got, r.lastRV)
			}
			r.lastRV, rv = got, ev.Object.GetObjectMeta().ResourceVersion
			if ev.Type == api.Added {
				r.names[ev.Object.GetObjectMeta().Name]++
			}
			if len(r.names) == n {
				w.Stop()
				return
			}
		}
		if w.Err() != nil && w.Err() != io.EOF {
			r.err = w.Err()
			return
		}
		r.resumed++
	}
}

// TestFaultWatchersThatNeverRead: 50 watchers that never read while 2,000
// events of 16 KB flow. Each is closed once it falls a buffer behind, and
// counted; memory stays bounded; watchers that read see every event,
// exactly once and in order. (Before watches were bounded, 100 such
// watchers took the apiserver from 155 MB to 1.2 GB, and none was
// dropped: each held every event.)
func TestFaultWatchersThatNeverRead(t *testing.T) {
	const stuck, readers, events, size = 50, 3, 2000, 16 << 10
	fs := startFaultServer(t, apiserver.Limits{WatchWriteTimeout: 2 * time.Second}, store.EmbeddedConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cms := fs.client(t).Resource(mustLookup(t, "configmaps")).Namespace("default")
	_, rv, err := cms.List(ctx, client.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	baseHeap := heapMB()

	stuckConns := make([]net.Conn, stuck)
	for i := range stuckConns {
		c := fs.dial(t)
		defer c.Close()
		fmt.Fprintf(c, "GET /api/v1/namespaces/default/configmaps?watch=true&resourceVersion=%s HTTP/1.1\r\nHost: x\r\n\r\n", rv)
		stuckConns[i] = c
	}
	rs := make([]reader, readers)
	var wg sync.WaitGroup
	for i := range rs {
		wg.Add(1)
		go func() { defer wg.Done(); rs[i].read(ctx, cms, rv, events) }()
	}
	eventually(t, "every watch to be registered", func() bool {
		return fs.metric(t, "apiserver_registered_watchers") == stuck+readers
	})

	stop := make(chan struct{})
	peak := peakHeap(stop)
	start := time.Now()
	createConfigMaps(t, cms, "cm", events, size, 16)
	wrote := time.Since(start)
	wg.Wait()
	eventually(t, "the 50 watchers that never read to be closed", func() bool {
		return fs.metric(t, "apiserver_terminated_watchers_total")-float64(rs[0].resumed+rs[1].resumed+rs[2].resumed) >= stuck
	})
	close(stop)
	peakMB, afterHeap := <-peak, heapMB()
	t.Logf("%d watchers that never read, %d that do, %d events of %d KB written in %s: live heap %.1f MB before, peak %.1f MB, %.1f MB after (etcd in this process keeps its recent raft log); %v watchers closed; the readers watched again %d, %d and %d times",
		stuck, readers, events, size>>10, wrote.Round(100*time.Millisecond), baseHeap, peakMB, afterHeap,
		fs.metric(t, "apiserver_terminated_watchers_total"), rs[0].resumed, rs[1].resumed, rs[2].resumed)
	for i, r := range rs {
		if r.err != nil || len(r.names) != events {
			t.Errorf("reader %d saw %d of %d ConfigMaps: %v", i, len(r.names), events, r.err)
		}
		for name, n := range r.names {
			if n != 1 {
				t.Errorf("reader %d saw %s ADDED %d times", i, name, n)
			}
		}
	}
	// Unbounded, each of the 50 would have held every event: 1.6 GB.
	if peakMB-baseHeap > 150 {
		t.Errorf("the live heap grew by %.1f MB at its peak: not bounded", peakMB-baseHeap)
	}
	// The server closed every stuck connection: what the kernel buffered
	// for it reads out, then it ends (cleanly, or in the middle of a TLS
	// record the server could not finish writing), before the deadline.
	for i, c := range stuckConns {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.Copy(io.Discard, c); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("stuck watcher %d: still open (%v)", i, err)
			}
		}
	}
}

// TestInformerRecoversFromSlowWatchDrop: an informer whose handler stalls
// falls behind, the apiserver closes its watch, and once the handler moves
// again the informer lists again and its cache holds every object.
func TestInformerRecoversFromSlowWatchDrop(t *testing.T) {
	const objects, size = 400, 32 << 10
	fs := startFaultServer(t, apiserver.Limits{WatchBuffer: 10, WatchWriteTimeout: time.Second}, store.EmbeddedConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := fs.client(t)
	inf := client.NewInformer(c.Resource(mustLookup(t, "configmaps")), client.ListOptions{}, zap.NewNop())
	stall := make(chan struct{})
	var once sync.Once
	inf.AddHandler(client.Handler{OnAdd: func(api.Object) {
		once.Do(func() { <-stall }) // the first event blocks the informer's only goroutine
	}})
	go inf.Run(ctx)
	if !inf.WaitForSync(ctx) {
		t.Fatal("the informer did not sync")
	}
	createConfigMaps(t, c.Resource(mustLookup(t, "configmaps")).Namespace("default"), "cm", objects, size, 8)
	eventually(t, "the stalled informer's watch to be closed", func() bool {
		return fs.metric(t, "apiserver_terminated_watchers_total") >= 1
	})
	close(stall)
	eventually(t, "the informer to list again and hold every object", func() bool {
		n := 0
		for _, obj := range inf.List() {
			if strings.HasPrefix(obj.GetObjectMeta().Name, "cm-") {
				n++
			}
		}
		return n == objects
	})
	// And it watches again: a change after the recovery arrives.
	if _, err := c.Resource(mustLookup(t, "configmaps")).Namespace("default").Create(ctx, configMap("after")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the informer to see a change made after it recovered", func() bool {
		_, ok := inf.Get("default/after")
		return ok
	})
}
