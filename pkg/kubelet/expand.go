package kubelet

import "strings"

// Kubernetes expands $(VAR) in a container's env values, command and
// args, with the variables of its environment:
//
//	$(GREETING) world    hello world               GREETING=hello
//	$(MISSING)           $(MISSING)                 left as written
//	$$(GREETING)         $(GREETING)                $$ is one $, escaped
//	cost: $5             cost: $5                   a lone $ stays
//	$(UNCLOSED           $(UNCLOSED
//
// so that a manifest may say `args: ["--ip=$(POD_IP)"]`. No shell is
// involved: nothing else is expanded, and nothing is ever run.

// expand replaces the $(VAR) references in s with what lookup says of
// VAR, as Kubernetes' third_party/forked/golang/expansion does.
func expand(s string, lookup func(name string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch next := s[i+1]; {
		case next == '$': // an escaped $
			b.WriteByte('$')
			i++
		case next == '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 { // no closing parenthesis: as written
				b.WriteString("$(")
				i++
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default: // a $ before anything else stays
			b.WriteByte('$')
		}
	}
	return b.String()
}

// expandAll expands each of args.
func expandAll(args []string, lookup func(name string) (string, bool)) []string {
	if args == nil {
		return nil
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = expand(a, lookup)
	}
	return out
}
