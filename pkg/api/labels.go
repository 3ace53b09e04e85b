package api

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// A label selector picks objects by their labels. Every requirement must
// hold (they are ANDed); there is no OR. In query-string form, as kctl -l
// and ?labelSelector= take it:
//
//	app=kubia              the label app has the value kubia ("==" also works)
//	tier!=frontend         tier is absent or has another value
//	env in (prod,staging)  env is present with one of the values
//	env notin (dev)        env is absent or has none of the values
//	canary                 the label canary is present, with any value
//	!canary                the label canary is absent
//
// Parsed selectors print themselves in a canonical form, sorted by key, so
// that two selectors meaning the same thing print the same.

// Selector is a parsed label selector.
type Selector interface {
	// Matches reports whether labels satisfy every requirement.
	Matches(labels map[string]string) bool
	// Empty reports a selector with no requirements: it matches everything.
	Empty() bool
	// String returns the canonical query-string form.
	String() string
}

// Requirement operators as they appear in the query string; exists and
// doesNotExist have no operator text of their own.
const (
	opEquals       = "="
	opNotEquals    = "!="
	opIn           = "in"
	opNotIn        = "notin"
	opExists       = "exists"
	opDoesNotExist = "!"
)

// requirement is one condition on one label.
type requirement struct {
	key    string
	op     string
	values []string // sorted and unique; one value for = and !=, none for exists
}

func (r requirement) matches(labels map[string]string) bool {
	v, ok := labels[r.key]
	switch r.op {
	case opEquals:
		return ok && v == r.values[0]
	case opNotEquals:
		return !ok || v != r.values[0]
	case opIn:
		return ok && slices.Contains(r.values, v)
	case opNotIn:
		return !ok || !slices.Contains(r.values, v)
	case opExists:
		return ok
	case opDoesNotExist:
		return !ok
	}
	return false
}

func (r requirement) String() string {
	switch r.op {
	case opEquals, opNotEquals:
		return r.key + r.op + r.values[0]
	case opIn, opNotIn:
		return r.key + " " + r.op + " (" + strings.Join(r.values, ",") + ")"
	case opExists:
		return r.key
	}
	return "!" + r.key
}

// labelSelector is the AND of its requirements, kept sorted.
type labelSelector []requirement

func (s labelSelector) Matches(labels map[string]string) bool {
	for _, r := range s {
		if !r.matches(labels) {
			return false
		}
	}
	return true
}

func (s labelSelector) Empty() bool { return len(s) == 0 }

func (s labelSelector) String() string {
	parts := make([]string, len(s))
	for i, r := range s {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

// newLabelSelector sorts the requirements into canonical order and drops
// exact repeats.
func newLabelSelector(reqs []requirement) labelSelector {
	for i := range reqs {
		v := append([]string(nil), reqs[i].values...)
		sort.Strings(v)
		reqs[i].values = slices.Compact(v)
	}
	sort.SliceStable(reqs, func(i, j int) bool {
		if reqs[i].key != reqs[j].key {
			return reqs[i].key < reqs[j].key
		}
		return reqs[i].String() < reqs[j].String()
	})
	return slices.CompactFunc(reqs, func(a, b requirement) bool { return a.String() == b.String() })
}

// nothingSelector is the selector of a nil LabelSelector: it matches no
// object. Its String is empty, as in Kubernetes; do not send it to the
// apiserver as a query, where empty means everything.
type nothingSelector struct{}

func (nothingSelector) Matches(map[string]string) bool { return false }
func (nothingSelector) Empty() bool                    { return false }
func (nothingSelector) String() string                 { return "" }

// SelectorFromSet returns the selector requiring each label of set to have
// its value. An empty set selects everything. The keys and values are not
// checked; they normally come from an object that was validated.
func SelectorFromSet(set map[string]string) Selector {
	reqs := make([]requirement, 0, len(set))
	for k, v := range set {
		reqs = append(reqs, requirement{key: k, op: opEquals, values: []string{v}})
	}
	return newLabelSelector(reqs)
}

// SelectorFromLabelSelector converts the selector of a ReplicaSet or
// DaemonSet. As in Kubernetes, a nil selector matches nothing and an empty
// one matches everything.
func SelectorFromLabelSelector(ls *LabelSelector) (Selector, error) {
	if ls == nil {
		return nothingSelector{}, nil
	}
	var reqs []requirement
	for _, k := range sortedKeys(ls.MatchLabels) {
		v := ls.MatchLabels[k]
		if err := checkKeyValue(k, v); err != nil {
			return nil, fmt.Errorf("matchLabels: %w", err)
		}
		reqs = append(reqs, requirement{key: k, op: opEquals, values: []string{v}})
	}
	for i, e := range ls.MatchExpressions {
		r, err := requirementFromExpression(e)
		if err != nil {
			return nil, fmt.Errorf("matchExpressions[%d]: %w", i, err)
		}
		reqs = append(reqs, r)
	}
	return newLabelSelector(reqs), nil
}

func requirementFromExpression(e LabelSelectorRequirement) (requirement, error) {
	if err := checkKey(e.Key); err != nil {
		return requirement{}, err
	}
	r := requirement{key: e.Key, values: e.Values}
	switch e.Operator {
	case "In", "NotIn":
		r.op = strings.ToLower(e.Operator)
		if len(e.Values) == 0 {
			return r, fmt.Errorf("operator %s needs at least one value", e.Operator)
		}
	case "Exists", "DoesNotExist":
		r.op = opExists
		if e.Operator == "DoesNotExist" {
			r.op = opDoesNotExist
		}
		if len(e.Values) > 0 {
			return r, fmt.Errorf("operator %s takes no values", e.Operator)
		}
	default:
		return r, fmt.Errorf("%q is not a valid label selector operator (In, NotIn, Exists, DoesNotExist)", e.Operator)
	}
	for _, v := range e.Values {
		if err := checkValue(v); err != nil {
			return r, err
		}
	}
	return r, nil
}

func checkKey(k string) error {
	if msgs := IsQualifiedName(k); len(msgs) > 0 {
		return fmt.Errorf("invalid label key %s: %s", Quote(k), strings.Join(msgs, "; "))
	}
	return nil
}

func checkValue(v string) error {
	if msgs := IsValidLabelValue(v); len(msgs) > 0 {
		return fmt.Errorf("invalid label value %s: %s", Quote(v), strings.Join(msgs, "; "))
	}
	return nil
}

func checkKeyValue(k, v string) error {
	if err := checkKey(k); err != nil {
		return err
	}
	return checkValue(v)
}

// ParseSelector parses the query-string form. The empty string selects
// everything. Errors give the byte position of the problem and say what
// was expected there.
func ParseSelector(s string) (Selector, error) {
	p := &selectorParser{tokens: lexSelector(s)}
	reqs, err := p.parse()
	if err != nil {
		return nil, fmt.Errorf("invalid label selector %s: %w", Quote(s), err)
	}
	return newLabelSelector(reqs), nil
}
