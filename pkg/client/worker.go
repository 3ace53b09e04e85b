package client

import (
	"context"
	"sync"

	"go.uber.org/zap"
)

// RunWorkers runs n workers that take keys off q and call syncKey for each,
// and blocks until ctx is done and every worker has finished its key.
//
// This is the one worker loop of kubelab: a sync that fails is logged here,
// once, and its key comes back after a growing delay; a sync that succeeds
// resets the delay. syncKey should therefore return its errors rather than
// log them. When ctx is done, RunWorkers shuts q down.
func RunWorkers(ctx context.Context, q *Queue, n int, syncKey func(ctx context.Context, key string) error, log *zap.Logger) {
	if log == nil {
		log = zap.NewNop()
	}
	log = log.With(zap.String("queue", q.name))

	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
			q.ShutDown()
		case <-stopped: // someone else shut the queue down
		}
	}()

	var wg sync.WaitGroup
	for range max(n, 1) {
		wg.Go(func() {
			for processNext(ctx, q, syncKey, log) {
			}
		})
	}
	wg.Wait()
}

// processNext syncs one key. It returns false once the queue is shut down.
func processNext(ctx context.Context, q *Queue, syncKey func(context.Context, string) error, log *zap.Logger) bool {
	key, shutdown := q.Get()
	if shutdown {
		return false
	}
	defer q.Done(key)

	if err := syncKey(ctx, key); err != nil {
		if ctx.Err() != nil {
			return true // stopping: the error is the cancellation itself
		}
		q.AddRateLimited(key)
		log.Error("sync failed; will retry", zap.String("key", key), zap.Int("failures", q.NumRequeues(key)), zap.Error(err))
		return true
	}
	q.Forget(key)
	return true
}
