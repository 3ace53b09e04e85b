package api

import (
	"fmt"
	"unicode/utf8"
)

// MaxShownValue is how many characters of a value a message shows. A
// client may send a 1 MB label value; the error names it, it does not
// echo it (twice: once in the message, once in its cause).
const MaxShownValue = 64

// Shorten returns s, or if it is longer than MaxShownValue characters,
// its start and its length: `aaaa... (1048576 characters)`.
func Shorten(s string) string {
	start, n := cut(s)
	if start == s {
		return s
	}
	return fmt.Sprintf("%s... (%d characters)", start, n)
}

// Quote is %q of a value shortened as Shorten does: `"aaaa"... (1048576 characters)`.
func Quote(s string) string {
	start, n := cut(s)
	if start == s {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q... (%d characters)", start, n)
}

// cut returns the first MaxShownValue characters of s and how many s has.
func cut(s string) (string, int) {
	n := 0
	for i := range s {
		if n == MaxShownValue {
			return s[:i], utf8.RuneCountInString(s)
		}
		n++
	}
	return s, n
}
