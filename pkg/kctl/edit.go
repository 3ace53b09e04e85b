package kctl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// kctl edit opens objects in the user's editor as YAML and writes back
// what changed, as kubectl edit does. Several objects are edited together,
// as one List. The loop, kubectl's:
//
//  1. Write the objects (or, after a failure, the user's last version with
//     the reasons on top, as # comments) to a temporary file and open it.
//  2. Nothing changed: "Edit cancelled, no changes made." An empty file:
//     "Edit cancelled, saved file was empty." Either way nothing is sent.
//  3. Bad YAML, or an object the server finds invalid: back to 1 with the
//     reasons. Saving that unchanged gives up, keeping the file.
//  4. Anything else the server refuses (a conflict: someone changed the
//     object meanwhile): give up, keeping the file.
//
// Each changed object is sent back whole, with a PUT carrying the
// resourceVersion that was read, so a change made by someone else in
// between is a conflict rather than silently undone. (kubectl sends a
// patch of the difference instead.)

func newEditCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "edit (TYPE NAME | TYPE/NAME)",
		Short: "Edit objects in your editor ($KUBE_EDITOR, $EDITOR or vi) and save them",
		Long: "Edit opens objects as YAML in $KUBE_EDITOR, else $EDITOR, else vi, and saves what\n" +
			"you changed when the editor exits. If the server refuses the change, the file opens\n" +
			"again with the reasons on top; save it unchanged to give up. A copy of a change that\n" +
			"could not be saved is kept, and its path printed.",
		Example: "  kctl edit rs kubia\n  KUBE_EDITOR=nano kctl edit svc/kubia",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEdit(cmd.Context(), g, args)
		},
	}
}

// editObject is one object being edited.
type editObject struct {
	rc    *client.ResourceClient
	res   api.Resource
	name  string
	ns    string
	saved map[string]any // the object as read, then as last written
	// seenRV is the resourceVersion in the file; currentRV the one the
	// server last answered with, sent in its place when the file's is
	// left alone (a List saved in part, then edited again).
	seenRV, currentRV string
}

func runEdit(ctx context.Context, g *globals, args []string) error {
	targets, err := parseTargets("edit", args)
	if err != nil {
		return err
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	var objs []*editObject
	for _, t := range targets {
		found, errs := fetch(ctx, c, t, g.namespace, getOptions{})
		if len(errs) > 0 {
			return errs[0]
		}
		for _, obj := range found {
			m, err := toGeneric(obj)
			if err != nil {
				return err
			}
			meta := obj.GetObjectMeta()
			objs = append(objs, &editObject{rc: c.Resource(t.res).Namespace(namespaceFor(t.res, g.namespace)),
				res: t.res, name: meta.Name, ns: meta.Namespace, saved: m.(map[string]any),
				seenRV: meta.ResourceVersion, currentRV: meta.ResourceVersion})
		}
	}
	if len(objs) == 0 {
		return errors.New("edit cancelled, no objects found")
	}
	return (&editSession{g: g, ed: findEditor(g.getenv), objs: objs}).run(ctx)
}

// editSession is one run of kctl edit.
type editSession struct {
	g    *globals
	ed   editor
	objs []*editObject
}

// editReason is one failure written on top of the file: a line, and the
// server's causes below it.
type editReason struct {
	head  string
	other []string
}

func (s *editSession) run(ctx context.Context) error {
	original, err := yaml.Marshal(s.document())
	if err != nil {
		return err
	}
	var reasons []editReason
	var edited []byte
	kept := "" // the file of the last failed attempt
	for {
		var buf bytes.Buffer
		writeEditHeader(&buf, reasons)
		if reasons == nil {
			buf.Write(original)
		} else {
			buf.Write(manualStrip(edited))
		}
		previous := edited
		var file string
		edited, file, err = s.ed.editTempFile(buf.Bytes(), s.g.in, s.g.out, s.g.errOut)
		if err != nil {
			return s.preserved(err, kept)
		}
		if kept != "" {
			os.Remove(kept) // the new file holds what it held
		}
		if reasons != nil && bytes.Equal(stripComments(previous), stripComments(edited)) {
			return s.preserved(errors.New("Edit cancelled, no valid changes were saved."), file)
		}
		switch {
		case bytes.Equal(stripComments(original), stripComments(edited)):
			os.Remove(file)
			fmt.Fprintln(s.g.errOut, "Edit cancelled, no changes made.")
			return nil
		case !hasLines(edited):
			os.Remove(file)
			fmt.Fprintln(s.g.errOut, "Edit cancelled, saved file was empty.")
			return nil
		}
		kept = file
		items, err := parseEdited(edited)
		if err != nil {
			reasons = []editReason{{head: "The edited file had a syntax error: " + err.Error()}}
			continue
		}
		invalid, notFound, err := s.save(ctx, items)
		if err != nil {
			return s.preserved(err, file)
		}
		if notFound {
			fmt.Fprintf(s.g.errOut, "The edits you made on deleted resources have been saved to %q\n", file)
			return errReported
		}
		if len(invalid) == 0 {
			os.Remove(file)
			return nil
		}
		reasons = invalid
	}
}

// document is what the file shows: the object, or a List of them.
func (s *editSession) document() any {
	if len(s.objs) == 1 {
		return s.objs[0].saved
	}
	items := make([]any, len(s.objs))
	for i, o := range s.objs {
		items[i] = o.saved
	}
	return map[string]any{"apiVersion": "v1", "kind": "List", "items": items, "metadata": map[string]any{"resourceVersion": ""}}
}

// save sends each changed object. It returns the reasons of those the
// server found invalid, to edit again; whether any was deleted meanwhile;
// and an error for anything else that ends the edit: an object renamed,
// or a refusal such as a conflict (reported here).
func (s *editSession) save(ctx context.Context, items []map[string]any) (invalid []editReason, notFound bool, err error) {
	failed := false
	for _, item := range items {
		o, err := s.original(item)
		if err != nil {
			return nil, false, err
		}
		if reflect.DeepEqual(item, o.saved) {
			fmt.Fprintf(s.g.out, "%s skipped\n", objectLabel(o.res, o.name))
			continue
		}
		answer, err := o.put(ctx, item)
		resource := o.res.Name
		if o.res.Group != "" {
			resource += "." + o.res.Group
		}
		switch {
		case err == nil:
			o.saved, o.currentRV = item, answer
			fmt.Fprintf(s.g.out, "%s edited\n", objectLabel(o.res, o.name))
		case client.IsInvalid(err):
			r := editReason{head: fmt.Sprintf("%s %q was not valid", resource, o.name)}
			if st, _ := client.StatusOf(err); st.Details != nil {
				for _, c := range st.Details.Causes {
					msg := c.Message
					if c.Field != "" && !strings.HasPrefix(msg, c.Field) { // kubelab's messages name the field
						msg = c.Field + ": " + msg
					}
					r.other = append(r.other, msg)
				}
			}
			invalid = append(invalid, r)
			fmt.Fprintf(s.g.errOut, "error: %s %q is invalid\n", resource, o.name)
		case client.IsNotFound(err):
			fmt.Fprintf(s.g.errOut, "error: %s %q could not be found on the server\n", resource, o.name)
			notFound = true
		default:
			fmt.Fprintf(s.g.errOut, "error: %s %q could not be patched: %v\n", resource, o.name, err)
			failed = true
		}
	}
	if failed {
		return nil, false, errReported
	}
	return invalid, notFound, nil
}

// original finds the object an edited one is: the same apiVersion, kind
// and name, which an edit may not change, in the same namespace.
func (s *editSession) original(item map[string]any) (*editObject, error) {
	meta, _ := item["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	for _, o := range s.objs {
		if item["apiVersion"] != o.saved["apiVersion"] || item["kind"] != o.saved["kind"] || name != o.name {
			continue
		}
		if ns, _ := meta["namespace"].(string); ns != "" && ns != o.ns {
			return nil, fmt.Errorf("the namespace from the provided object %q does not match the namespace %q. You must pass '--namespace=%s' to perform this operation.", ns, o.ns, ns)
		}
		return o, nil
	}
	return nil, errors.New("At least one of apiVersion, kind and name was changed")
}

// put writes item over the object and returns the new resourceVersion.
func (o *editObject) put(ctx context.Context, item map[string]any) (string, error) {
	send := item
	if meta, _ := item["metadata"].(map[string]any); meta != nil && meta["resourceVersion"] == o.seenRV && o.currentRV != o.seenRV {
		send = copyMap(item)
		m := copyMap(meta)
		m["resourceVersion"] = o.currentRV
		send["metadata"] = m
	}
	body, err := json.Marshal(send)
	if err != nil {
		return "", err
	}
	b, err := o.rc.Raw(ctx, http.MethodPut, o.name, "", nil, body, "application/json")
	if err != nil {
		return "", err
	}
	var answer struct {
		Metadata struct{ ResourceVersion string } `json:"metadata"`
	}
	_ = json.Unmarshal(b, &answer)
	return answer.Metadata.ResourceVersion, nil
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// preserved reports err after saying where the user's changes are kept.
func (s *editSession) preserved(err error, path string) error {
	if path != "" {
		if _, statErr := os.Stat(path); statErr == nil {
			fmt.Fprintf(s.g.errOut, "A copy of your changes has been stored to %q\n", path)
		}
	}
	return err
}

// parseEdited reads the edited file: one object, or a List of them.
func parseEdited(edited []byte) ([]map[string]any, error) {
	j, err := yaml.YAMLToJSON(edited)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(j, &doc); err != nil {
		return nil, fmt.Errorf("the file does not hold an object: %v", err)
	}
	if doc["kind"] != "List" {
		return []map[string]any{doc}, nil
	}
	list, _ := doc["items"].([]any)
	items := make([]map[string]any, 0, len(list))
	for i, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("items[%d] is not an object", i)
		}
		items = append(items, m)
	}
	return items, nil
}

// writeEditHeader writes the comment on top of the file, and the reasons
// of the last failure.
func writeEditHeader(w io.Writer, reasons []editReason) {
	fmt.Fprint(w, `# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
`)
	comment := func(s string) string { return strings.ReplaceAll(s, "\n", "\n# ") }
	for _, r := range reasons {
		if len(r.other) > 0 {
			fmt.Fprintf(w, "# %s:\n", comment(r.head))
		} else {
			fmt.Fprintf(w, "# %s\n", comment(r.head))
		}
		for _, o := range r.other {
			fmt.Fprintf(w, "# * %s\n", comment(o))
		}
		fmt.Fprintln(w, "#")
	}
}

// stripComments is the content of a file without its comments, for
// comparing two versions: as JSON when it parses, else the lines that are
// not comments.
func stripComments(b []byte) []byte {
	if j, err := yaml.YAMLToJSON(b); err == nil {
		return j
	}
	return manualStrip(b)
}

// manualStrip drops the comment lines (# but not #!) of a file.
func manualStrip(b []byte) []byte {
	lines := bytes.Split(b, []byte("\n"))
	var out [][]byte
	for _, l := range lines {
		t := bytes.TrimSpace(l)
		if bytes.HasPrefix(t, []byte("#")) && !bytes.HasPrefix(t, []byte("#!")) {
			continue
		}
		out = append(out, l)
	}
	return bytes.Join(out, []byte("\n"))
}

// hasLines reports whether a file holds anything but comments and blanks.
func hasLines(b []byte) bool {
	for _, l := range bytes.Split(b, []byte("\n")) {
		t := bytes.TrimSpace(l)
		if len(t) > 0 && t[0] != '#' {
			return true
		}
	}
	return false
}
