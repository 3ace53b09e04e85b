package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// bookmarkEvery is how often an idle watch that asked for bookmarks gets one.
var bookmarkEvery = 30 * time.Second

// serveWatch streams changes as newline-delimited watch events.
//
// With resourceVersion N the stream starts with the first change after N;
// an N older than etcd's compaction gets an ERROR event with a 410 Status,
// after which the client lists again. With no resourceVersion (or "0"), or
// with sendInitialEvents=true, the stream first replays the current objects
// as ADDED events; sendInitialEvents ends that replay with a BOOKMARK
// annotated k8s.io/initial-events-end, as Kubernetes does.
func (s *Server) serveWatch(w http.ResponseWriter, r *http.Request, info requestInfo) {
	opts, st := parseListOptions(r, info.resource)
	if st != nil {
		writeStatus(w, st)
		return
	}
	if info.name != "" {
		sel, _ := api.ParseFieldSelector("metadata.name=" + info.name)
		opts.fields = sel
	}
	ctx := r.Context()
	if opts.timeoutSeconds > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(opts.timeoutSeconds)*time.Second)
		defer cancel()
	}
	res := info.resource
	var (
		initial []api.Object
		start   int64
	)
	replay := opts.resourceVersion == "" || opts.resourceVersion == "0" || opts.initialEvents
	if replay {
		var err error
		if initial, start, err = s.listObjects(ctx, res, info.namespace, opts); err != nil {
			writeStatus(w, internalError(err))
			return
		}
	} else {
		start, _ = strconv.ParseInt(opts.resourceVersion, 10, 64)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, errc, err := s.store.Watch(ctx, store.Prefix(res.Name, info.namespace), start)

	s.metrics.watchers.Inc()
	defer s.metrics.watchers.Dec()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	out := &eventWriter{w: w, rc: http.NewResponseController(w)}
	out.rc.Flush() // send the headers now: clients wait for them before reading events
	if err != nil {
		out.status(watchError(err))
		return
	}
	for _, obj := range initial {
		if out.send(api.Added, obj) != nil {
			return
		}
	}
	last := start
	if opts.initialEvents {
		if out.bookmark(res, last, true) != nil {
			return
		}
	}
	ticker := time.NewTicker(bookmarkEvery)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if opts.bookmarks && out.bookmark(res, last, false) != nil {
				return
			}
		case ev, ok := <-events:
			if !ok {
				if err := <-errc; err != nil {
					out.status(watchError(err))
				}
				return
			}
			typ, obj, err := translate(res, ev, opts)
			if err != nil {
				out.status(internalError(err))
				return
			}
			last = ev.KV.ModRevision
			if typ != "" && out.send(typ, obj) != nil {
				return
			}
		}
	}
}

// translate turns a store event into a watch event as the client's
// selectors see it: an object that stops matching is DELETED for this
// watcher, one that starts matching is ADDED. An empty type means skip.
func translate(res api.Resource, ev store.Event, opts listOptions) (string, api.Object, error) {
	cur, err := decodeStored(res, ev.KV)
	if err != nil {
		return "", nil, err
	}
	if ev.Type == store.Delete {
		if opts.matches(cur) {
			return api.Deleted, cur, nil
		}
		return "", nil, nil
	}
	now := opts.matches(cur)
	before := now
	if ev.Created {
		before = false
	} else if ev.PrevKV != nil {
		prev, err := decodeStored(res, *ev.PrevKV)
		if err != nil {
			return "", nil, err
		}
		before = opts.matches(prev)
	}
	switch {
	case now && before:
		return api.Modified, cur, nil
	case now:
		return api.Added, cur, nil
	case before:
		return api.Deleted, cur, nil
	}
	return "", nil, nil
}

func watchError(err error) *api.Status {
	var g *store.GoneError
	if errors.As(err, &g) {
		return gone(fmt.Sprintf("too old resource version: %d (%d)", g.Requested, g.Compacted))
	}
	return internalError(err)
}

// eventWriter writes one JSON line per event and flushes it out at once.
type eventWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (e *eventWriter) send(typ string, obj any) error {
	b, err := json.Marshal(struct {
		Type   string `json:"type"`
		Object any    `json:"object"`
	}{typ, obj})
	if err != nil {
		return err
	}
	if _, err := e.w.Write(append(b, '\n')); err != nil {
		return err
	}
	return e.rc.Flush()
}

func (e *eventWriter) status(st *api.Status) {
	st.APIVersion, st.Kind, st.Status = "v1", "Status", "Failure"
	e.send(api.Error, st)
}

// bookmark tells the client it has seen everything up to rev.
func (e *eventWriter) bookmark(res api.Resource, rev int64, initialEnd bool) error {
	obj := res.New()
	api.SetTypeMeta(obj)
	meta := obj.GetObjectMeta()
	meta.ResourceVersion = strconv.FormatInt(rev, 10)
	if initialEnd {
		meta.Annotations = map[string]string{"k8s.io/initial-events-end": "true"}
	}
	return e.send(api.Bookmark, obj)
}
