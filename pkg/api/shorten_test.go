package api

import (
	"strings"
	"testing"
)

func TestShorten(t *testing.T) {
	tests := []struct{ name, in, short, quoted string }{
		{"short", "abc", "abc", `"abc"`},
		{"at the limit", strings.Repeat("a", 64), strings.Repeat("a", 64), `"` + strings.Repeat("a", 64) + `"`},
		{"one over", strings.Repeat("a", 65), strings.Repeat("a", 64) + "... (65 characters)", `"` + strings.Repeat("a", 64) + `"... (65 characters)`},
		{"counts characters, not bytes", strings.Repeat("é", 100), strings.Repeat("é", 64) + "... (100 characters)", `"` + strings.Repeat("é", 64) + `"... (100 characters)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Shorten(tc.in); got != tc.short {
				t.Errorf("Shorten = %q, want %q", got, tc.short)
			}
			if got := Quote(tc.in); got != tc.quoted {
				t.Errorf("Quote = %q, want %q", got, tc.quoted)
			}
		})
	}
}
