package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"kubelab/pkg/api"
)

// Event is one change seen by a watch. Type is api.Added, api.Modified,
// api.Deleted or api.Bookmark; a bookmark's Object carries only a
// resourceVersion. An ERROR line from the server is not an Event: it ends
// the watch, and Err says why.
type Event struct {
	Type   string
	Object api.Object
}

// Watcher reads a watch stream: one JSON event per line, for as long as the
// server keeps the connection open.
type Watcher struct {
	result chan Event
	cancel context.CancelFunc
	done   chan struct{}

	mu  sync.Mutex
	err error
}

func newWatcher(ctx context.Context, cancel context.CancelFunc, body io.ReadCloser, decode func([]byte) (api.Object, error)) *Watcher {
	w := &Watcher{result: make(chan Event), cancel: cancel, done: make(chan struct{})}
	go w.receive(ctx, body, decode)
	return w
}

// ResultChan delivers the events in the order the server sent them. It is
// closed when the watch ends; then Err says why.
func (w *Watcher) ResultChan() <-chan Event { return w.result }

// Stop ends the watch and waits until the channel is closed. It may be
// called more than once.
func (w *Watcher) Stop() {
	w.cancel()
	<-w.done
}

// Err says why the watch ended, once ResultChan is closed: nil after Stop
// or when the context is done; an *api.Status when the server sent an ERROR
// event (410 Gone when the resourceVersion is too old: list again); io.EOF
// when the server closed the stream; otherwise the read error.
func (w *Watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *Watcher) receive(ctx context.Context, body io.ReadCloser, decode func([]byte) (api.Object, error)) {
	defer close(w.done)
	defer close(w.result)
	defer w.cancel() // the request's context, in case the stream ended on its own
	defer body.Close()
	dec := json.NewDecoder(body)
	for {
		var line api.WatchEvent
		if err := dec.Decode(&line); err != nil {
			if ctx.Err() == nil { // a Stop is not an error
				w.fail(readError(err))
			}
			return
		}
		ev, err := decodeEvent(line, decode)
		if err != nil {
			w.fail(err)
			return
		}
		select {
		case w.result <- ev:
		case <-ctx.Done():
			return
		}
	}
}

func (w *Watcher) fail(err error) {
	w.mu.Lock()
	w.err = err
	w.mu.Unlock()
}

func readError(err error) error {
	if errors.Is(err, io.EOF) {
		return io.EOF
	}
	return fmt.Errorf("reading the watch stream: %w", err)
}

// decodeEvent turns one line of the stream into an Event, or an ERROR line
// into the Status it carries.
func decodeEvent(line api.WatchEvent, decode func([]byte) (api.Object, error)) (Event, error) {
	switch line.Type {
	case api.Added, api.Modified, api.Deleted, api.Bookmark:
		obj, err := decode(line.Object)
		if err != nil {
			return Event{}, fmt.Errorf("watch %s event: %w", line.Type, err)
		}
		return Event{Type: line.Type, Object: obj}, nil
	case api.Error:
		s := &api.Status{}
		if err := json.Unmarshal(line.Object, s); err != nil {
			return Event{}, fmt.Errorf("watch ERROR event: %w", err)
		}
		return Event{}, normalizeStatus(s)
	default:
		return Event{}, fmt.Errorf("watch: unknown event type %q", line.Type)
	}
}
