package apiserver

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// bookmarkEvery is how often an idle watch that asked for bookmarks gets one.
var bookmarkEvery = 30 * time.Second

// serveWatch streams changes as newline-delimited watch events.
//
// With resourceVersion N the stream starts with the first change after N;
// an N older than etcd's compaction, or than the recent events the shared
// watch keeps (store.Broadcaster), gets an ERROR event with a 410 Status,
// after which the client lists again; an N etcd has not reached gets 504
// (resourceversion.go). With no resourceVersion (or "0"), or with
// sendInitialEvents=true, the stream first replays the current objects as
// ADDED events; sendInitialEvents ends that replay with a BOOKMARK
// annotated k8s.io/initial-events-end, as Kubernetes does.
//
// A client that does not keep up is dropped, so that it cannot make the
// apiserver hold unbounded memory: when it falls Limits.WatchBuffer events
// behind, or takes longer than Limits.WatchWriteTimeout to take one, the
// stream ends, apiserver_terminated_watchers_total counts it, and the
// client watches again from the last event it saw, or lists again, as
// Kubernetes' clients do when a watch closes.
func (s *Server) serveWatch(w http.ResponseWriter, r *http.Request, info requestInfo) {
	opts, st := parseListOptions(r, info.resource)
	if st != nil {
		writeStatus(w, st)
		return
	}
	form, st := negotiate(r, false) // objects, one-row Tables or metadata (table.go)
	if st != nil {
		writeStatus(w, st)
		return
	}
	if info.name != "" {
		opts.fields = nameSelector{FieldSelector: opts.fields, name: info.name}
	}
	ctx := r.Context()
	if opts.timeoutSeconds > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, seconds(opts.timeoutSeconds))
		defer cancel()
	}
	res := info.resource
	var (
		initial []api.Object
		start   int64
		err     error
	)
	if opts.resourceVersion == "" || opts.resourceVersion == "0" || opts.initialEvents {
		initial, start, err = s.listObjects(ctx, res, info.namespace, opts)
	} else {
		start, _ = strconv.ParseInt(opts.resourceVersion, 10, 64) // parsed already
		err = s.store.WaitForRevision(ctx, start, freshWait)
	}
	if err != nil {
		writeStatus(w, readError(err))
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var keep func(store.Event) bool
	if !opts.everything() {
		// The shared watch asks before it queues an event, so that the
		// pods of other nodes do not wake a kubelet's watch at all.
		keep = func(ev store.Event) bool {
			typ, _, err := s.translate(res, ev, opts)
			return err != nil || typ != ""
		}
	}
	events, errc, progress, err := s.watches.WatchMatching(ctx, store.Prefix(res.Name, info.namespace), start, s.limits.WatchBuffer, keep)

	s.metrics.watchers.Inc()
	defer s.metrics.watchers.Dec()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	out := &eventWriter{w: w, rc: http.NewResponseController(w), timeout: s.limits.WatchWriteTimeout, as: watchForm(form, res)}
	defer s.recoverStream(r, out)
	// Send the headers now: clients wait for them before reading events.
	if s.sent(r, res, out.flush()) != nil {
		return
	}
	if err != nil {
		out.status(watchError(err))
		return
	}
	for _, obj := range initial {
		if s.sent(r, res, out.send(api.Added, obj)) != nil {
			return
		}
	}
	last := start
	if opts.initialEvents {
		if s.sent(r, res, out.bookmark(res, last, true)) != nil {
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
			// Every event up to progress() has been looked at, kept or not.
			if opts.bookmarks && s.sent(r, res, out.bookmark(res, max(last, progress()), false)) != nil {
				return
			}
		case ev, ok := <-events:
			if !ok {
				err := <-errc
				switch {
				case errors.Is(err, store.ErrTooSlow):
					s.watcherTerminated(r, res, fmt.Sprintf("it fell %d events behind", s.limits.WatchBuffer))
				case err != nil:
					out.status(watchError(err))
				}
				return
			}
			typ, obj, err := s.translate(res, ev, opts)
			if err != nil {
				out.status(internalError(err))
				return
			}
			last = ev.KV.ModRevision
			if typ != "" && s.sent(r, res, out.sendShared(ev.Shared, typ, obj)) != nil {
				return
			}
		}
	}
}

// sent passes on the error of a write to a watch stream, after counting
// a client that took too long to take an event as a watcher terminated.
func (s *Server) sent(r *http.Request, res api.Resource, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		s.watcherTerminated(r, res, fmt.Sprintf("it took no event for %s", s.limits.WatchWriteTimeout))
	}
	return err
}

// watcherTerminated logs and counts a watch closed because its client
// could not keep up.
func (s *Server) watcherTerminated(r *http.Request, res api.Resource, why string) {
	s.metrics.terminatedWatchers.WithLabelValues(res.Name).Inc()
	s.log.Info("closed a watch that could not keep up; the client watches again", zap.String("resource", res.Name),
		zap.String("client", r.RemoteAddr), zap.String("why", why))
}

// seconds turns a client's timeoutSeconds, any int64, into a duration
// without overflow: past some 292 years, it is forever anyway.
func seconds(n int64) time.Duration {
	return time.Duration(min(n, math.MaxInt64/int64(time.Second))) * time.Second
}

// nameSelector is a client's field selector and metadata.name=name, for a
// watch whose path names one object (…/pods/p1?watch=true). It is built,
// not parsed, so that a name with ',' or '\' is matched as it is.
type nameSelector struct {
	api.FieldSelector
	name string
}

func (s nameSelector) Matches(fields map[string]string) bool {
	return fields["metadata.name"] == s.name && s.FieldSelector.Matches(fields)
}

func (s nameSelector) Empty() bool { return false }

// String is the canonical text form, as api.ParseFieldSelector's.
func (s nameSelector) String() string {
	escape := strings.NewReplacer(`\`, `\\`, `,`, `\,`, `=`, `\=`).Replace
	var parts []string
	for _, r := range s.Requirements() {
		parts = append(parts, escape(r.Field)+r.Op+escape(r.Value))
	}
	return strings.Join(parts, ",")
}

// Requirements are the client's and the name's, sorted.
func (s nameSelector) Requirements() []api.FieldRequirement {
	reqs := append(s.FieldSelector.Requirements(), api.FieldRequirement{Field: "metadata.name", Op: "=", Value: s.name})
	slices.SortFunc(reqs, func(a, b api.FieldRequirement) int {
		return cmp.Or(cmp.Compare(a.Field, b.Field), cmp.Compare(a.Op, b.Op), cmp.Compare(a.Value, b.Value))
	})
	return reqs
}

// translate turns a store event into a watch event as the client's
// selectors see it: an object that stops matching is DELETED for this
// watcher, one that starts matching is ADDED. An empty type means skip.
func (s *Server) translate(res api.Resource, ev store.Event, opts listOptions) (string, api.Object, error) {
	cur, err := s.eventObject(res, ev, false)
	if err != nil {
		return "", nil, err
	}
	if ev.Type == store.Delete {
		if opts.matchesEvent(cur, ev.Shared, false) {
			return api.Deleted, cur, nil
		}
		return "", nil, nil
	}
	now := opts.matchesEvent(cur, ev.Shared, false)
	before := now
	if ev.Created {
		before = false
	} else if ev.PrevKV != nil && !opts.everything() { // with no selector, it matched before as it does now
		prev, err := s.eventObject(res, ev, true)
		if err != nil {
			return "", nil, err
		}
		before = opts.matchesEvent(prev, ev.Shared, true)
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

// sharedKey names what watchers keep for each other in an event's
// store.Shared: its objects, decoded, their fields, and its JSON lines,
// by event type.
type sharedKey struct{ what, typ string }

type decoded struct {
	obj api.Object
	err error
}

// eventObject is the object of a watch event as stored, or with prev as
// it was before, decoded once for every watcher of the event and for the
// authorizers' caches (store.Shared). They only read it.
func (s *Server) eventObject(res api.Resource, ev store.Event, prev bool) (api.Object, error) {
	kv, what := ev.KV, "object"
	if prev {
		kv, what = *ev.PrevKV, "previous object"
	}
	d := ev.Shared.Do(sharedKey{what: what}, func() any {
		obj, err := s.decodeStored(res, kv)
		return decoded{obj, err}
	}).(decoded)
	return d.obj, d.err
}

// matchesEvent is matches for the object of a watch event (prev: as it
// was before), whose fields, for the field selectors of a hundred
// kubelets' watches (spec.nodeName=…), are worked out once for all of
// them (store.Shared).
func (o listOptions) matchesEvent(obj api.Object, shared *store.Shared, prev bool) bool {
	return o.matchesWith(obj, func() map[string]string {
		key := sharedKey{what: "fields"}
		if prev {
			key.what = "previous fields"
		}
		return shared.Do(key, func() any { return api.FieldsOf(obj) }).(map[string]string)
	})
}

func watchError(err error) *api.Status {
	var g *store.GoneError
	if errors.As(err, &g) {
		return gone(fmt.Sprintf("too old resource version: %d (%d)", g.Requested, g.Compacted))
	}
	return internalError(err)
}

// eventWriter writes one JSON line per event and flushes it out at once,
// within timeout.
type eventWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	// as turns the object of an event into the form the client asked
	// for (table.go's watchForm); nil sends it as it is.
	as func(typ string, obj any) (any, error)
}

func (e *eventWriter) send(typ string, obj any) error {
	if e.as != nil && typ != api.Error {
		var err error
		if obj, err = e.as(typ, obj); err != nil {
			return err
		}
	}
	line, err := eventLine(typ, obj)
	if err != nil {
		return err
	}
	return e.write(line)
}

// sendShared is send for the object of a store event: a watcher that
// takes objects as they are sends the line the first such watcher of the
// event encoded (store.Shared).
func (e *eventWriter) sendShared(shared *store.Shared, typ string, obj api.Object) error {
	if e.as != nil {
		return e.send(typ, obj)
	}
	type encoded struct {
		line []byte
		err  error
	}
	enc := shared.Do(sharedKey{what: "line", typ: typ}, func() any {
		line, err := eventLine(typ, obj)
		return encoded{line, err}
	}).(encoded)
	if enc.err != nil {
		return enc.err
	}
	return e.write(enc.line)
}

// eventLine is one watch event as a line of JSON.
func eventLine(typ string, obj any) ([]byte, error) {
	b, err := json.Marshal(struct {
		Type   string `json:"type"`
		Object any    `json:"object"`
	}{typ, obj})
	return append(b, '\n'), err
}

// write sends one line and flushes it out, within timeout.
func (e *eventWriter) write(line []byte) error {
	e.rc.SetWriteDeadline(time.Now().Add(e.timeout))
	if _, err := e.w.Write(line); err != nil {
		return err
	}
	return e.rc.Flush()
}

// flush sends what is written so far, within timeout.
func (e *eventWriter) flush() error {
	e.rc.SetWriteDeadline(time.Now().Add(e.timeout))
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
