package client

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
)

// RunWorkers runs n workers that take keys off q and call syncKey for each,
// and blocks until ctx is done and every worker has finished its key.
//
// This is the one worker loop of kubelab: a sync that fails is logged here,
// once, and its key comes back after a growing delay; a sync that succeeds
// resets the delay. syncKey should therefore return its errors rather than
// log them. A 409 Conflict is routine (the sync wrote over a cache that
// was one step behind; the retry reads the fresh object) and is logged at
// debug level only; the queue's metrics count it. When ctx is done,
// RunWorkers shuts q down.
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

	start := time.Now()
	err := syncKey(ctx, key)
	if err != nil && ctx.Err() != nil {
		return true // stopping: the error is the cancellation itself
	}
	q.ObserveSync(time.Since(start), err)
	if err == nil {
		q.Forget(key)
		return true
	}
	q.AddRateLimited(key)
	level := zap.ErrorLevel
	if IsConflict(err) {
		level = zap.DebugLevel
	}
	log.Log(level, "sync failed; will retry", zap.String("key", key), zap.Int("failures", q.NumRequeues(key)), zap.Error(err))
	return true
}
