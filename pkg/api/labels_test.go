package api

import (
	"strings"
	"testing"
)

func TestParseSelector(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string // canonical form
	}{
		{"empty", "", ""},
		{"only spaces", "   ", ""},
		{"equals", "app=kubia", "app=kubia"},
		{"double equals", "app==kubia", "app=kubia"},
		{"not equals", "tier!=frontend", "tier!=frontend"},
		{"empty value", "app=", "app="},
		{"empty value not equals", "app!=", "app!="},
		{"in", "env in (prod,staging)", "env in (prod,staging)"},
		{"in sorts values", "env in (staging, prod, prod)", "env in (prod,staging)"},
		{"in without space", "env in(a)", "env in (a)"},
		{"notin", "env notin (dev)", "env notin (dev)"},
		{"in with empty value", "env in (a,)", "env in (,a)"},
		{"exists", "canary", "canary"},
		{"does not exist", "!canary", "!canary"},
		{"does not exist with space", "! canary", "!canary"},
		{"sorted by key", "z=1,a=2,m", "a=2,m,z=1"},
		{"all kinds", "a=b,c!=d,e in (x,y),f notin (z),g,!h", "a=b,c!=d,e in (x,y),f notin (z),g,!h"},
		{"spaces everywhere", " a = b , c != d ", "a=b,c!=d"},
		{"prefixed key", "app.kubernetes.io/name=web", "app.kubernetes.io/name=web"},
		{"repeated requirement dropped", "a=b,a=b", "a=b"},
		{"key named in", "in=x", "in=x"},
		{"value named in", "a=in", "a=in"},
		{"key named in with set", "in in (in)", "in in (in)"},
		{"same key twice", "a!=x,a", "a,a!=x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := ParseSelector(tt.input)
			if err != nil {
				t.Fatalf("ParseSelector(%q): %v", tt.input, err)
			}
			if got := sel.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if sel.Empty() != (tt.want == "") {
				t.Errorf("Empty() = %v", sel.Empty())
			}
			again, err := ParseSelector(sel.String())
			if err != nil || again.String() != tt.want {
				t.Errorf("re-parsing %q: %v, %v", sel.String(), again, err)
			}
		})
	}
}

func TestParseSelectorErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"trailing comma", "a=b,", `invalid label selector "a=b,": at position 4: expected a label key, found end of input`},
		{"leading comma", ",a", "at position 0: expected a label key, found \",\""},
		{"double comma", "a,,b", `at position 2: expected a label key, found ","`},
		{"missing operator", "a b", `at position 2: expected an operator (=, ==, !=, in, notin), ',' or end of input after key "a", found "b"`},
		{"in without parens", "a in x", `at position 5: expected '(' after "in", found "x"`},
		{"unclosed set", "a in (x", `at position 7: expected ',' or ')' in the list of values after "in", found end of input`},
		{"unclosed set with comma", "a in (x,", `at position 8: expected ',' or ')' in the list of values after "in", found end of input`},
		{"space in set", "a in (x y)", `at position 8: expected ',' or ')' in the list of values after "in", found "y"`},
		{"bang without key", "!", `at position 1: expected a label key after '!', found end of input`},
		{"bang with value", "!a=b", `at position 2: expected ',' or end of input after !a, found "="`},
		{"two values", "a=b=c", `at position 3: expected ',' or end of input after a=b, found "="`},
		{"greater than", "a>1", `at position 1: operator ">" is not supported`},
		{"bad key", "-a=b", `at position 0: invalid label key "-a": name part must consist of alphanumeric characters`},
		{"key with two slashes", "a/b/c=d", `invalid label key "a/b/c": a qualified name must consist of`},
		{"key with empty prefix", "/a=b", `invalid label key "/a": prefix part must be non-empty`},
		{"bad prefix", "Example.com/a=b", `prefix part a lowercase RFC 1123 subdomain`},
		{"key too long", strings.Repeat("k", 64) + "=v", "name part must be no more than 63 characters"},
		{"bad value", "a=b@c", `at position 2: invalid label value "b@c"`},
		{"value too long", "a=" + strings.Repeat("v", 64), "must be no more than 63 characters"},
		{"bad value in set", "a in (ok,-bad)", `at position 9: invalid label value "-bad"`},
		{"operator without key", "=b", `at position 0: expected a label key, found "="`},
		{"close paren alone", ")", `at position 0: expected a label key, found ")"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := ParseSelector(tt.input)
			if err == nil {
				t.Fatalf("ParseSelector(%q) = %q, want an error", tt.input, sel)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\ndoes not contain %q", err, tt.want)
			}
		})
	}
}

func TestSelectorMatches(t *testing.T) {
	labels := map[string]string{"app": "kubia", "tier": "backend", "empty": ""}
	tests := []struct {
		selector string
		want     bool
	}{
		{"", true},
		{"app=kubia", true},
		{"app==kubia", true},
		{"app=other", false},
		{"missing=x", false},
		{"app!=kubia", false},
		{"app!=other", true},
		{"missing!=x", true},
		{"empty=", true},
		{"missing=", false},
		{"tier in (frontend,backend)", true},
		{"tier in (frontend)", false},
		{"missing in (x)", false},
		{"tier notin (frontend)", true},
		{"tier notin (backend)", false},
		{"missing notin (x)", true},
		{"app", true},
		{"missing", false},
		{"!missing", true},
		{"!app", false},
		{"app=kubia,tier=backend", true},
		{"app=kubia,tier=frontend", false},
	}
	for _, tt := range tests {
		t.Run(tt.selector, func(t *testing.T) {
			sel, err := ParseSelector(tt.selector)
			if err != nil {
				t.Fatal(err)
			}
			if got := sel.Matches(labels); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("nil labels", func(t *testing.T) {
		sel, _ := ParseSelector("!a")
		if !sel.Matches(nil) {
			t.Error("!a should match no labels")
		}
	})
}

func TestSelectorFromSet(t *testing.T) {
	tests := []struct {
		name   string
		set    map[string]string
		want   string
		labels map[string]string
		match  bool
	}{
		{"nil set selects everything", nil, "", map[string]string{"a": "b"}, true},
		{"one pair", map[string]string{"app": "kubia"}, "app=kubia", map[string]string{"app": "kubia", "x": "y"}, true},
		{"sorted", map[string]string{"b": "2", "a": "1"}, "a=1,b=2", map[string]string{"a": "1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel := SelectorFromSet(tt.set)
			if sel.String() != tt.want {
				t.Errorf("String() = %q, want %q", sel.String(), tt.want)
			}
			if sel.Matches(tt.labels) != tt.match {
				t.Errorf("Matches(%v) = %v", tt.labels, !tt.match)
			}
		})
	}
}

func TestSelectorFromLabelSelector(t *testing.T) {
	tests := []struct {
		name    string
		ls      *LabelSelector
		want    string
		wantErr string
		matches map[string]string
		match   bool
	}{
		{name: "nil matches nothing", ls: nil, want: "", matches: map[string]string{}, match: false},
		{name: "empty matches everything", ls: &LabelSelector{}, want: "", matches: map[string]string{"a": "b"}, match: true},
		{name: "match labels", ls: &LabelSelector{MatchLabels: map[string]string{"app": "kubia"}}, want: "app=kubia",
			matches: map[string]string{"app": "kubia"}, match: true},
		{name: "expressions", ls: &LabelSelector{
			MatchLabels: map[string]string{"app": "kubia"},
			MatchExpressions: []LabelSelectorRequirement{
				{Key: "env", Operator: "In", Values: []string{"prod", "dev"}},
				{Key: "tier", Operator: "NotIn", Values: []string{"db"}},
				{Key: "canary", Operator: "DoesNotExist"},
				{Key: "team", Operator: "Exists"},
			}},
			want:    "app=kubia,!canary,env in (dev,prod),team,tier notin (db)",
			matches: map[string]string{"app": "kubia", "env": "dev", "team": "x"}, match: true},
		{name: "unknown operator", ls: &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "a", Operator: "Equals", Values: []string{"b"}}}},
			wantErr: `matchExpressions[0]: "Equals" is not a valid label selector operator`},
		{name: "in without values", ls: &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "a", Operator: "In"}}},
			wantErr: "matchExpressions[0]: operator In needs at least one value"},
		{name: "exists with values", ls: &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "a", Operator: "Exists", Values: []string{"b"}}}},
			wantErr: "operator Exists takes no values"},
		{name: "bad match label key", ls: &LabelSelector{MatchLabels: map[string]string{"a b": "c"}},
			wantErr: `matchLabels: invalid label key "a b"`},
		{name: "bad match label value", ls: &LabelSelector{MatchLabels: map[string]string{"a": "c d"}},
			wantErr: `matchLabels: invalid label value "c d"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := SelectorFromLabelSelector(tt.ls)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sel.String() != tt.want {
				t.Errorf("String() = %q, want %q", sel.String(), tt.want)
			}
			if sel.Matches(tt.matches) != tt.match {
				t.Errorf("Matches(%v) = %v", tt.matches, !tt.match)
			}
		})
	}
}

func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{"", "a=b", "a==b,c!=d", "e in (x,y),f notin (z)", "g,!h", "a in (,)", "a/b=c", "x>1", "!", "a=b,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := ParseSelector(s)
		if err != nil {
			return
		}
		canonical := sel.String()
		again, err := ParseSelector(canonical)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canonical, s, err)
		}
		if again.String() != canonical {
			t.Fatalf("canonical form not stable: %q then %q", canonical, again.String())
		}
		sel.Matches(map[string]string{"a": "b"})
	})
}
