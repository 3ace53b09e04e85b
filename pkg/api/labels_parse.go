package api

import (
	"fmt"
	"strings"
)

// The label selector parser: a lexer that cuts the input into tokens and a
// recursive-descent parser over them. The grammar is
//
//	selector    = [ requirement { "," requirement } ]
//	requirement = "!" key
//	            | key [ ( "=" | "==" | "!=" ) [ value ]
//	                  | ( "in" | "notin" ) "(" [ value ] { "," [ value ] } ")" ]
//
// A missing value is the empty string, which is a valid label value.

type tokenKind int

const (
	tokEnd tokenKind = iota
	tokIdent
	tokComma
	tokOpenParen
	tokCloseParen
	tokEquals    // = or ==
	tokNotEquals // !=
	tokBang      // ! before a key
	tokCompare   // < or >, which kubelab does not support
)

type token struct {
	kind tokenKind
	text string
	pos  int // byte offset in the input
}

func (t token) describe() string {
	if t.kind == tokEnd {
		return "end of input"
	}
	return fmt.Sprintf("%q", t.text)
}

// lexSelector never fails: every byte is part of some token, and anything
// that is not punctuation or space is part of an identifier, so that a bad
// key or value is reported by the key and value checks with their reasons.
func lexSelector(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == ',':
			toks = append(toks, token{tokComma, ",", i})
			i++
		case c == '(':
			toks = append(toks, token{tokOpenParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tokCloseParen, ")", i})
			i++
		case c == '<' || c == '>':
			toks = append(toks, token{tokCompare, string(c), i})
			i++
		case strings.HasPrefix(s[i:], "=="):
			toks = append(toks, token{tokEquals, "==", i})
			i += 2
		case c == '=':
			toks = append(toks, token{tokEquals, "=", i})
			i++
		case strings.HasPrefix(s[i:], "!="):
			toks = append(toks, token{tokNotEquals, "!=", i})
			i += 2
		case c == '!':
			toks = append(toks, token{tokBang, "!", i})
			i++
		default:
			start := i
			for i < len(s) && !strings.ContainsRune(" \t\n\r,()<>=!", rune(s[i])) {
				i++
			}
			toks = append(toks, token{tokIdent, s[start:i], start})
		}
	}
	return append(toks, token{tokEnd, "", len(s)})
}

type selectorParser struct {
	tokens []token
	next   int
}

func (p *selectorParser) peek() token { return p.tokens[p.next] }

func (p *selectorParser) take() token {
	t := p.tokens[p.next]
	if t.kind != tokEnd {
		p.next++
	}
	return t
}

func errorAt(t token, format string, args ...any) error {
	return fmt.Errorf("at position %d: %s", t.pos, fmt.Sprintf(format, args...))
}

func (p *selectorParser) parse() ([]requirement, error) {
	if p.peek().kind == tokEnd {
		return nil, nil
	}
	var reqs []requirement
	for {
		r, err := p.requirement()
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, r)
		switch t := p.take(); t.kind {
		case tokEnd:
			return reqs, nil
		case tokComma:
		default:
			return nil, errorAt(t, "expected ',' or end of input after %s, found %s", r, t.describe())
		}
	}
}

func (p *selectorParser) requirement() (requirement, error) {
	t := p.take()
	if t.kind == tokBang {
		k := p.take()
		if k.kind != tokIdent {
			return requirement{}, errorAt(k, "expected a label key after '!', found %s", k.describe())
		}
		return requirement{key: k.text, op: opDoesNotExist}, p.checkKeyAt(k)
	}
	if t.kind != tokIdent {
		return requirement{}, errorAt(t, "expected a label key, found %s", t.describe())
	}
	if err := p.checkKeyAt(t); err != nil {
		return requirement{}, err
	}
	r := requirement{key: t.text}
	switch op := p.peek(); {
	case op.kind == tokEnd || op.kind == tokComma:
		r.op = opExists
	case op.kind == tokEquals || op.kind == tokNotEquals:
		p.take()
		r.op = opEquals
		if op.kind == tokNotEquals {
			r.op = opNotEquals
		}
		v, err := p.value(fmt.Sprintf("after %q", op.text))
		if err != nil {
			return r, err
		}
		r.values = []string{v}
	case op.kind == tokIdent && (op.text == opIn || op.text == opNotIn):
		p.take()
		r.op = op.text
		values, err := p.valueSet(op)
		if err != nil {
			return r, err
		}
		r.values = values
	case op.kind == tokCompare:
		return r, errorAt(op, "operator %q is not supported; use =, ==, !=, in, notin, a bare key (exists) or !key (does not exist)", op.text)
	default:
		return r, errorAt(op, "expected an operator (=, ==, !=, in, notin), ',' or end of input after key %q, found %s", t.text, op.describe())
	}
	return r, nil
}

// value reads an optional value: a ',' ,')' or the end leave it empty.
func (p *selectorParser) value(where string) (string, error) {
	switch t := p.peek(); t.kind {
	case tokIdent:
		p.take()
		if msgs := IsValidLabelValue(t.text); len(msgs) > 0 {
			return "", errorAt(t, "invalid label value %s: %s", Quote(t.text), strings.Join(msgs, "; "))
		}
		return t.text, nil
	case tokEnd, tokComma, tokCloseParen:
		return "", nil
	default:
		return "", errorAt(t, "expected a label value %s, found %s", where, t.describe())
	}
}

// valueSet reads "(a,b,c)" after in or notin.
func (p *selectorParser) valueSet(op token) ([]string, error) {
	if t := p.take(); t.kind != tokOpenParen {
		return nil, errorAt(t, "expected '(' after %q, found %s", op.text, t.describe())
	}
	var values []string
	for {
		v, err := p.value("in the list")
		if err != nil {
			return nil, err
		}
		values = append(values, v)
		switch t := p.take(); t.kind {
		case tokCloseParen:
			return values, nil
		case tokComma:
		default:
			return nil, errorAt(t, "expected ',' or ')' in the list of values after %q, found %s", op.text, t.describe())
		}
	}
}

func (p *selectorParser) checkKeyAt(t token) error {
	if msgs := IsQualifiedName(t.text); len(msgs) > 0 {
		return errorAt(t, "invalid label key %s: %s", Quote(t.text), strings.Join(msgs, "; "))
	}
	return nil
}
