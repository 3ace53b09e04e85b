package api

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// A field selector picks objects by a few of their fields, as in
// "?fieldSelector=spec.nodeName=node-1,status.phase!=Failed". Only equality
// and inequality exist, and only the fields FieldsOf lists can be used:
// the apiserver indexes no others. The kubelet uses spec.nodeName to watch
// its own pods; the scheduler uses spec.nodeName= (empty) to find pending
// ones.
//
// In a value, a backslash escapes ',', '=' and '\' itself.

// FieldSelector is a parsed field selector.
type FieldSelector interface {
	// Matches reports whether every requirement holds for fields; a field
	// missing from the map counts as the empty string.
	Matches(fields map[string]string) bool
	// Empty reports a selector with no requirements: it matches everything.
	Empty() bool
	// String returns the canonical form, sorted, with values escaped.
	String() string
	// Requirements returns a copy of the requirements, sorted.
	Requirements() []FieldRequirement
}

// FieldRequirement is one condition: Field Op Value, Op being "=" or "!=".
type FieldRequirement struct {
	Field, Op, Value string
}

type fieldSelector []FieldRequirement

func (s fieldSelector) Matches(fields map[string]string) bool {
	for _, r := range s {
		if (fields[r.Field] == r.Value) != (r.Op == "=") {
			return false
		}
	}
	return true
}

func (s fieldSelector) Empty() bool { return len(s) == 0 }

func (s fieldSelector) String() string {
	parts := make([]string, len(s))
	for i, r := range s {
		parts[i] = escapeFieldValue(r.Field) + r.Op + escapeFieldValue(r.Value)
	}
	return strings.Join(parts, ",")
}

func (s fieldSelector) Requirements() []FieldRequirement {
	return append([]FieldRequirement(nil), s...)
}

var fieldEscaper = strings.NewReplacer(`\`, `\\`, `,`, `\,`, `=`, `\=`)

func escapeFieldValue(s string) string { return fieldEscaper.Replace(s) }

// ParseFieldSelector parses "field=value,field!=value"; "==" means "=".
// The empty string selects everything.
func ParseFieldSelector(s string) (FieldSelector, error) {
	var sel fieldSelector
	terms, err := splitUnescaped(s)
	if err != nil {
		return nil, fmt.Errorf("invalid field selector %s: %w", Quote(s), err)
	}
	for _, term := range terms {
		if strings.TrimSpace(term) == "" {
			if len(terms) > 1 {
				return nil, fmt.Errorf("invalid field selector %s: empty requirement between commas", Quote(s))
			}
			continue
		}
		r, err := parseFieldTerm(term)
		if err != nil {
			return nil, fmt.Errorf("invalid field selector %s: %w", Quote(s), err)
		}
		sel = append(sel, r)
	}
	sort.Slice(sel, func(i, j int) bool {
		a, b := sel[i], sel[j]
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		if a.Op != b.Op {
			return a.Op < b.Op
		}
		return a.Value < b.Value
	})
	return sel, nil
}

// splitUnescaped cuts s at the commas not preceded by a backslash and
// checks that every backslash escapes something that needs it.
func splitUnescaped(s string) ([]string, error) {
	var terms []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) || !strings.ContainsRune(`\,=`, rune(s[i+1])) {
				return nil, fmt.Errorf(`at position %d: invalid escape sequence (only \\, \, and \= are allowed)`, i)
			}
			i++
		case ',':
			terms = append(terms, s[start:i])
			start = i + 1
		}
	}
	return append(terms, s[start:]), nil
}

// parseFieldTerm splits one "field op value" at its first unescaped
// operator and unescapes both sides.
func parseFieldTerm(term string) (FieldRequirement, error) {
	for i := 0; i < len(term); i++ {
		var op string
		switch {
		case term[i] == '\\':
			i++
			continue
		case strings.HasPrefix(term[i:], "!="):
			op = "!="
		case strings.HasPrefix(term[i:], "=="):
			op = "=="
		case term[i] == '=':
			op = "="
		default:
			continue
		}
		field := strings.TrimSpace(unescapeField(term[:i]))
		value := strings.TrimSpace(unescapeField(term[i+len(op):]))
		if field == "" {
			return FieldRequirement{}, fmt.Errorf("%q has no field name before %q", term, op)
		}
		if op == "==" {
			op = "="
		}
		return FieldRequirement{Field: field, Op: op, Value: value}, nil
	}
	return FieldRequirement{}, fmt.Errorf("%q has no operator: expected field=value, field==value or field!=value", strings.TrimSpace(term))
}

func unescapeField(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FieldsOf returns the fields of obj that field selectors can use: the name
// and namespace of every object, and a few more per kind, as Kubernetes
// offers them.
func FieldsOf(obj Object) map[string]string {
	m := obj.GetObjectMeta()
	f := map[string]string{"metadata.name": m.Name, "metadata.namespace": m.Namespace}
	switch o := obj.(type) {
	case *Pod:
		f["spec.nodeName"] = o.Spec.NodeName
		f["spec.restartPolicy"] = o.Spec.RestartPolicy
		f["spec.schedulerName"] = o.Spec.SchedulerName
		f["spec.serviceAccountName"] = o.Spec.ServiceAccountName
		f["spec.hostNetwork"] = strconv.FormatBool(o.Spec.HostNetwork)
		f["status.phase"] = o.Status.Phase
		f["status.podIP"] = o.Status.PodIP
	case *Event:
		io := o.InvolvedObject
		f["involvedObject.kind"] = io.Kind
		f["involvedObject.namespace"] = io.Namespace
		f["involvedObject.name"] = io.Name
		f["involvedObject.uid"] = io.UID
		f["involvedObject.apiVersion"] = io.APIVersion
		f["involvedObject.resourceVersion"] = io.ResourceVersion
		f["involvedObject.fieldPath"] = io.FieldPath
		f["reason"] = o.Reason
		f["source"] = o.Source.Component
		f["type"] = o.Type
	case *Node:
		f["spec.unschedulable"] = strconv.FormatBool(o.Spec.Unschedulable)
	case *Namespace:
		f["status.phase"] = o.Status.Phase
	case *Secret:
		f["type"] = o.Type
	case *Service:
		f["spec.clusterIP"] = o.Spec.ClusterIP
		f["spec.type"] = o.Spec.Type
	case *ReplicaSet:
		f["status.replicas"] = strconv.Itoa(int(o.Status.Replicas))
	case *ReplicationController:
		f["status.replicas"] = strconv.Itoa(int(o.Status.Replicas))
	}
	return f
}

// ValidateFieldSelector checks that sel uses only fields the resource (a
// plural such as "pods") offers, with Kubernetes' error otherwise:
// "field label not supported: spec.foo".
func ValidateFieldSelector(resource string, sel FieldSelector) error {
	if sel == nil {
		return nil
	}
	supported := map[string]string{"metadata.name": "", "metadata.namespace": ""}
	if r, ok := Lookup(resource); ok {
		supported = FieldsOf(r.New())
	}
	for _, r := range sel.Requirements() {
		if _, ok := supported[r.Field]; !ok {
			return fmt.Errorf("field label not supported: %s", r.Field)
		}
	}
	return nil
}
