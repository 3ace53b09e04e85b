package apiserver

import (
	"net/http"
	"strings"
	"testing"
)

func TestWarningHeaders(t *testing.T) {
	long := strings.Repeat("w", 300)
	tests := []struct {
		name     string
		warnings []string
		want     []string
	}{
		{"quotes and backslashes are escaped", []string{`unknown field "a\"b\\c"`},
			[]string{`299 - "unknown field \"a\\\"b\\\\c\""`}},
		{"each once", []string{"a", "b", "a"}, []string{`299 - "a"`, `299 - "b"`}},
		{"control characters become spaces", []string{"a\nb\r\x00c"}, []string{`299 - "a b  c"`}},
		{"long ones are kept while they fit", []string{long}, []string{`299 - "` + long + `"`}},
		{"too many are cut, then dropped", func() []string {
			var ws []string
			for i := range 20 {
				ws = append(ws, string(rune('a'+i))+long)
			}
			return ws
		}(), func() []string {
			var ws []string
			for i := range maxWarningsLength / maxWarningLength {
				ws = append(ws, `299 - "`+string(rune('a'+i))+long[:maxWarningLength-4]+`..."`)
			}
			return ws
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			addWarnings(h, tc.warnings)
			got := h.Values("Warning")
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("got %d headers:\n%s\nwant %d:\n%s", len(got), strings.Join(got, "\n"), len(tc.want), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// The client reads back the text the server meant, escapes and all.
func TestWarningOverHTTP(t *testing.T) {
	ts := newTestServer(t)
	body := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"w"},"da\"ta\\":{}}`
	r := ts.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/configmaps", body)
	if got, want := r.headers.Values("Warning"), `299 - "unknown field \"da\\\"ta\\\\\""`; len(got) != 1 || got[0] != want {
		t.Fatalf("Warning = %q, want %q", got, want)
	}
}
