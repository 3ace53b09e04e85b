package dashboard

import (
	"cmp"
	"net/http"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kctl"
)

// The apply form: a manifest pasted in is applied as `kctl apply -f`
// would (kctl.ApplyObject: create, or patch what changed since the last
// apply), with the viewer's token. The server's validation errors name
// fields; each is shown beside the line of the manifest it is about.

// applyPage is the model of the apply page.
type applyPage struct {
	Manifest  string
	Namespace string // for objects that name none
	Tried     bool
	Results   []applyResult
	Warnings  []string
	Errors    []string       // errors about no line in particular
	Lines     []manifestLine // the manifest, annotated, when an error names a line
}

type applyResult struct {
	Text  string
	Error bool
}

// manifestLine is one line of the manifest and the errors about it.
type manifestLine struct {
	N      int
	Text   string
	Errors []string
}

func (d *Dashboard) serveApplyForm(w http.ResponseWriter, r *http.Request) {
	ns := namespaceParam(r)
	d.renderPlain(w, r, "apply", "Apply", "apply", applyPage{Namespace: cmp.Or(ns, "default")}, http.StatusOK)
}

func (d *Dashboard) serveApply(w http.ResponseWriter, r *http.Request) {
	pg := applyPage{Manifest: r.PostForm.Get("manifest"), Namespace: cmp.Or(strings.TrimSpace(r.PostForm.Get("namespace")), "default"), Tried: true}
	status := http.StatusOK
	c, err := d.viewerClient(r)
	if err != nil {
		pg.Errors = append(pg.Errors, err.Error())
		d.renderPlain(w, r, "apply", "Apply", "apply", pg, http.StatusForbidden)
		return
	}
	if d.applyAll(r, c, &pg) {
		status = http.StatusUnprocessableEntity
	}
	result := "ok"
	if status != http.StatusOK {
		result = "error"
	}
	d.metrics.actions.WithLabelValues("apply", result).Inc()
	d.renderPlain(w, r, "apply", "Apply", "apply", pg, status)
}

// viewerClient is a client as the signed-in viewer.
func (d *Dashboard) viewerClient(r *http.Request) (*client.Client, error) {
	tok := viewerToken(r)
	if tok == "" {
		return nil, errNotSignedIn
	}
	return d.viewers.as(tok)
}

// applyAll applies every object of pg.Manifest in order, as kctl apply
// does: one that fails does not stop the others. It reports whether any
// failed.
func (d *Dashboard) applyAll(r *http.Request, c *client.Client, pg *applyPage) (failed bool) {
	text := []byte(pg.Manifest)
	docs, err := api.SplitDocuments(text)
	if err != nil {
		pg.Errors = append(pg.Errors, "error parsing the manifest: "+err.Error())
		return true
	}
	if len(docs) == 0 {
		pg.Errors = append(pg.Errors, "no objects passed to apply: paste a manifest")
		return true
	}
	// The nodes give each field's line. They are only trusted when they
	// are one per object, as the documents are.
	nodes, _ := manifestNodes(text)
	if len(nodes) != len(docs) {
		nodes = nil
	}
	lineErrors := map[int][]string{}
	fail := func(i int, msg string, causes []api.StatusCause) {
		failed = true
		pg.Results = append(pg.Results, applyResult{Text: msg, Error: true})
		if nodes == nil {
			return
		}
		if len(causes) == 0 {
			lineErrors[nodes[i].Line] = append(lineErrors[nodes[i].Line], msg)
		}
		for _, cause := range causes {
			line, _ := fieldLine(nodes[i], cause.Field)
			text := cause.Message
			if cause.Field != "" && !strings.HasPrefix(text, cause.Field) {
				text = cause.Field + ": " + text
			}
			lineErrors[line] = append(lineErrors[line], text)
		}
	}
	warn := func(s string) { pg.Warnings = append(pg.Warnings, s) }
	for i, doc := range docs {
		obj, res, warnings, err := api.Decode(doc)
		for _, w := range warnings {
			warn(w)
		}
		if err != nil {
			fail(i, "error parsing the manifest: "+err.Error(), nil)
			continue
		}
		meta := obj.GetObjectMeta()
		switch {
		case !res.Namespaced:
			meta.Namespace = ""
		case meta.Namespace == "":
			meta.Namespace = pg.Namespace
		}
		action, err := kctl.ApplyObject(r.Context(), c, obj, res, warn)
		if err != nil {
			var causes []api.StatusCause
			if s, ok := client.StatusOf(err); ok && s.Details != nil {
				causes = s.Details.Causes
			}
			fail(i, errorLine(err), causes)
			continue
		}
		pg.Results = append(pg.Results, applyResult{Text: kctl.ObjectLabel(res, meta.Name) + " " + action})
	}
	if len(lineErrors) > 0 {
		pg.Lines = annotate(pg.Manifest, lineErrors)
	}
	return failed
}

// annotate splits the manifest into numbered lines with their errors.
func annotate(manifest string, errs map[int][]string) []manifestLine {
	lines := strings.Split(strings.TrimRight(manifest, "\n"), "\n")
	out := make([]manifestLine, len(lines))
	for i, l := range lines {
		out[i] = manifestLine{N: i + 1, Text: strings.TrimRight(l, "\r"), Errors: errs[i+1]}
	}
	return out
}
