package dashboard

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"
)

// Live updates: each page opens one event stream (Server-Sent Events,
// GET /live?view=…&since=N) and keeps it for as long as it is open. The
// dashboard's informers publish every change to the hub; the stream
// works out which of its view's fragments the changes touch, renders
// them from the caches, and sends them:
//
//	event: fragment
//	data: {"id":"node-sim-1","html":"<section id=\"node-sim-1\" …"}
//
// and the page's script puts each in place of the element with that id.
// The browser never asks the apiserver anything, and the dashboard asks
// it nothing per page: the informers' one watch per resource serves every
// page open. A page that loses its stream gets it back by itself
// (EventSource reconnects), and the stream then sends the whole view,
// since changes may have come meanwhile.

// keepAlive is how often an idle stream sends a comment, so that a closed
// page is noticed and nothing in between drops the connection.
const keepAlive = 15 * time.Second

func (d *Dashboard) serveLive(w http.ResponseWriter, r *http.Request) {
	v, ok := viewFromQuery(r.URL.Query())
	if !ok {
		http.Error(w, "unknown view: /live needs ?view=map|workloads|services|events, or view=pod with ns and pod", http.StatusBadRequest)
		return
	}
	since, err := strconv.ParseUint(r.URL.Query().Get("since"), 10, 64)
	if err != nil {
		since = 0 // a hand-made URL: send the view first
	}
	rc := http.NewResponseController(w)
	sub, seq := d.hub.subscribe()
	defer d.hub.unsubscribe(sub)

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 500\n\n") // reconnect after half a second, not EventSource's default of about three
	data := fragData{CSRF: d.csrfCookie(r), Return: v.path(), Namespace: v.namespace, Signed: d.viewerName(r) != ""}
	if seq != since {
		if err := d.sendFragments(w, v, data, []string{v.root()}); err != nil {
			return
		}
	}
	if err := rc.Flush(); err != nil {
		return
	}

	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		case <-sub.wake:
			changes, overflow := sub.take()
			var ids []string
			if overflow {
				ids = []string{v.root()}
			}
			for _, c := range changes {
				ids = v.merge(ids, v.affected(c))
			}
			if len(ids) == 0 {
				continue
			}
			if err := d.sendFragments(w, v, data, ids); err != nil {
				return
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// fragmentEvent is the data of one fragment event.
type fragmentEvent struct {
	ID   string `json:"id"`
	HTML string `json:"html"`
}

// sendFragments renders the fragments ids of v and writes them as events.
// A fragment the view no longer has is replaced by the view's root.
func (d *Dashboard) sendFragments(w io.Writer, v view, data fragData, ids []string) error {
	r := &renderer{d: d, v: v, data: data, now: d.now()}
	for _, id := range ids {
		html, ok, err := r.fragment(id)
		if err == nil && !ok && id != v.root() {
			id = v.root()
			html, ok, err = r.fragment(id)
		}
		if err != nil {
			d.log.Error("rendering a fragment", zap.String("view", v.name), zap.String("fragment", id), zap.Error(err))
			continue
		}
		if !ok {
			continue
		}
		b, _ := json.Marshal(fragmentEvent{ID: id, HTML: html}) // strings only: cannot fail
		if _, err := fmt.Fprintf(w, "event: fragment\ndata: %s\n\n", b); err != nil {
			return err
		}
		d.metrics.fragments.Inc()
		if id == v.root() {
			return nil // the root holds every other fragment
		}
	}
	return nil
}
