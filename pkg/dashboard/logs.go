package dashboard

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// A pod's logs, followed: GET /pods/{ns}/{name}/log?container=c is an
// event stream of the container's lines, read from the apiserver's
// pods/log with follow=true, which the apiserver passes on to the pod's
// kubelet. Logs are a read, so they go as the dashboard's identity (its
// role grants pods/log); the page asks for them only when the pod runs on
// a real node (model_pod.go, logsFor).
//
//	event: line      data: {"text":"…"}     one per line the container wrote
//	event: end       data: {"text":"…"}     the stream ended, and why

// tailLines is how much of the log a page starts with.
const tailLines = 500

// maxLogLine bounds one line; a longer one is cut.
const maxLogLine = 64 << 10

func (d *Dashboard) serveLog(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	q := url.Values{"follow": {"true"}, "tailLines": {fmt.Sprint(tailLines)}}
	if c := r.URL.Query().Get("container"); c != "" {
		q.Set("container", c)
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	// A log that ended stays ended: the page reconnects only when asked.
	fmt.Fprint(w, "retry: 86400000\n\n")
	send := func(event, text string) error {
		b, _ := json.Marshal(map[string]string{"text": text})
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return err
		}
		return rc.Flush()
	}
	if d.reader == nil {
		send("end", "the dashboard has no apiserver to read logs from")
		return
	}
	path := "/api/v1/namespaces/" + url.PathEscape(ns) + "/pods/" + url.PathEscape(name) + "/log?" + q.Encode()
	body, err := d.reader.Stream(r.Context(), path)
	if err != nil {
		send("end", errorLine(err))
		return
	}
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 4096), maxLogLine)
	for sc.Scan() {
		if send("line", strings.TrimRight(sc.Text(), "\r")) != nil {
			return
		}
	}
	why := "the log ended: the container stopped"
	if err := sc.Err(); err != nil {
		why = "the log ended: " + err.Error()
	}
	send("end", why)
}
