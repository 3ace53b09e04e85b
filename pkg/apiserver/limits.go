package apiserver

import "time"

// Limits bound what clients can make the apiserver hold, so that no client
// can make it use unbounded memory or file descriptors (DESIGN §10).
// Hitting one is a clear answer (429 Too Many Requests, an error naming
// the timeout) or a closed watch the client's informer recovers from,
// never a crash. The defaults are Kubernetes' where it has one; a zero
// field takes its default.
type Limits struct {
	// MaxRequestsInflight bounds the reads served at once, and
	// MaxMutatingRequestsInflight the writes; more get 429 Too Many
	// Requests with Retry-After (inflight.go). Defaults 400 and 200, as
	// kube-apiserver's --max-requests-inflight and
	// --max-mutating-requests-inflight. Long-running requests (watch, pod
	// log and exec) are not counted, as in Kubernetes: a watch is bounded
	// by its buffer, and every request by MaxConnections.
	MaxRequestsInflight         int
	MaxMutatingRequestsInflight int
	// MaxConnections bounds the open connections of both ports together;
	// more wait in the kernel's accept queue. Default: half the process's
	// file descriptor limit, so that a flood of clients can never take
	// the descriptors etcd needs (an embedded etcd that runs out stops
	// the process).
	MaxConnections int

	// ReadHeaderTimeout bounds how long a client may take to send a
	// request's headers, and BodyTimeout its body (deadlines.go).
	// Defaults 10 s and 30 s.
	ReadHeaderTimeout time.Duration
	BodyTimeout       time.Duration
	// RequestTimeout bounds how long a request other than a long-running
	// one may take, writing the answer included: its context ends then.
	// Default 60 s, as --request-timeout.
	RequestTimeout time.Duration
	// IdleTimeout closes a kept-alive connection that sends no new
	// request. Default 90 s, as Kubernetes.
	IdleTimeout time.Duration

	// WatchBuffer is how many events a watcher may fall behind before it
	// is closed (the client watches again from the last event it saw),
	// and WatchWriteTimeout how long one event may take to reach a client
	// that has stopped reading. Defaults 1000 and 60 s. The events are
	// shared by all watchers (store.Broadcaster): a watcher that falls
	// behind holds pointers, not copies.
	WatchBuffer       int
	WatchWriteTimeout time.Duration
}

// withDefaults fills in the zero fields.
func (l Limits) withDefaults() Limits {
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setD := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.MaxRequestsInflight, 400)
	set(&l.MaxMutatingRequestsInflight, 200)
	set(&l.MaxConnections, max(fileLimit()/2, 64))
	setD(&l.ReadHeaderTimeout, 10*time.Second)
	setD(&l.BodyTimeout, 30*time.Second)
	setD(&l.RequestTimeout, 60*time.Second)
	setD(&l.IdleTimeout, 90*time.Second)
	set(&l.WatchBuffer, 1000)
	setD(&l.WatchWriteTimeout, 60*time.Second)
	return l
}
