package apiserver

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// Warnings (an unknown field in a manifest, for instance) travel in
// Warning headers, in the format Kubernetes uses (RFC 7234's): `299 -
// "text"`, the text a quoted string in which `"` and `\` are escaped by
// a backslash. A client chooses much of their text (an unknown field is
// named by its path), so, as Kubernetes does, each warning is sent once,
// control characters become spaces, and their length is bounded: when
// they add up to more than maxWarningsLength characters, each is cut to
// maxWarningLength, and those that still do not fit are dropped.

const (
	maxWarningsLength = 4 << 10 // characters, all warnings of a response
	maxWarningLength  = 256     // characters, each one, when they are too many
)

// addWarnings adds warnings to h, each once, bounded as above. Call it
// once per response, with the warnings of the attempt that answered.
func addWarnings(h http.Header, warnings []string) {
	var texts []string
	total := 0
	for _, w := range warnings {
		w = strings.Map(printable, w)
		if !slices.Contains(texts, w) {
			texts = append(texts, w)
			total += utf8.RuneCountInString(w)
		}
	}
	if total > maxWarningsLength {
		for i, t := range texts {
			texts[i] = cutRunes(t, maxWarningLength)
		}
	}
	total = 0
	for _, t := range texts {
		if total += utf8.RuneCountInString(t); total > maxWarningsLength {
			return
		}
		h.Add("Warning", warningHeader(t))
	}
}

// warningHeader is one Warning header value: `299 - "text"`.
func warningHeader(text string) string {
	var b strings.Builder
	b.WriteString(`299 - "`)
	for _, r := range text {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// printable maps a control character, which a header may not carry, to a
// space.
func printable(r rune) rune {
	if r < ' ' || r == 0x7f {
		return ' '
	}
	return r
}

// cutRunes cuts s to at most n characters, the last three of them "...".
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-3]) + "..."
}

// A warning found deep in a request, by admission, reaches the response
// through the request's context, as in Kubernetes (k8s.io/apiserver's
// warning.AddWarning): serveResource puts the response's header there,
// warn adds to it, bounded as above.

type warningsKey struct{}

// withWarnings returns ctx carrying h, the header warn adds to.
func withWarnings(ctx context.Context, h http.Header) context.Context {
	return context.WithValue(ctx, warningsKey{}, h)
}

// warn adds a Warning header to the response of the request of ctx, once,
// and only while the warnings stay within maxWarningsLength; without a
// response (Bootstrap, say), it does nothing.
func warn(ctx context.Context, text string) {
	h, _ := ctx.Value(warningsKey{}).(http.Header)
	if h == nil {
		return
	}
	text = strings.Map(printable, text)
	total := 0
	for _, v := range h.Values("Warning") {
		if v == warningHeader(text) {
			return
		}
		total += utf8.RuneCountInString(v)
	}
	if total+utf8.RuneCountInString(text) > maxWarningsLength {
		text = cutRunes(text, maxWarningLength)
	}
	if total+utf8.RuneCountInString(text) <= maxWarningsLength {
		h.Add("Warning", warningHeader(text))
	}
}
