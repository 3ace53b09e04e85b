package apiserver

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"kubelab/pkg/api"
)

// TestWatchOneObjectByName: a watch on an object's path sees that object
// only, whatever the name holds (',' and '\' once panicked the handler on
// a nil selector: such names cannot exist, and their watch sees nothing),
// and honours the client's own selectors as well.
func TestWatchOneObjectByName(t *testing.T) {
	tests := []struct {
		name  string
		query string // besides watch=true
		want  []string
	}{
		{name: `p1,x`},
		{name: `p1\x`},
		{name: `p1=x`},
		{name: "p1", want: []string{"ADDED p1", "MODIFIED p1"}},
		{name: "p1", query: "&fieldSelector=metadata.namespace%3Ddefault", want: []string{"ADDED p1", "MODIFIED p1"}},
		// The client's selector is ANDed with the name, not replaced by it.
		{name: "p1", query: "&fieldSelector=metadata.name%3Dother"},
		{name: "p1", query: "&labelSelector=v%3D2", want: []string{"ADDED p1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+tt.query, func(t *testing.T) {
			t.Parallel() // each waits a second for its stream to end
			ts := newTestServer(t)
			// The stream ends after a second: what it holds then is all.
			resp, err := ts.client.Get(ts.http.URL + podsPath + "/" + url.PathEscape(tt.name) + "?watch=true&timeoutSeconds=1" + tt.query)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("watch: %d", resp.StatusCode)
			}
			for _, name := range []string{"p1", "x", "p1-x"} {
				var p api.Pod
				ts.must(http.StatusCreated, "POST", podsPath, testPod(name)).into(t, &p)
				p.Labels["v"] = "2"
				ts.must(http.StatusOK, "PUT", podsPath+"/"+name, &p)
			}
			var got []string
			dec := json.NewDecoder(resp.Body)
			for {
				var ev struct {
					Type   string  `json:"type"`
					Object api.Pod `json:"object"`
				}
				if err := dec.Decode(&ev); err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
				got = append(got, ev.Type+" "+ev.Object.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("events %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNameSelector(t *testing.T) {
	user, err := api.ParseFieldSelector("status.phase=Running")
	if err != nil {
		t.Fatal(err)
	}
	sel := nameSelector{FieldSelector: user, name: `a,b\c`}
	if !sel.Matches(map[string]string{"metadata.name": `a,b\c`, "status.phase": "Running"}) ||
		sel.Matches(map[string]string{"metadata.name": `a,b\c`, "status.phase": "Pending"}) ||
		sel.Matches(map[string]string{"metadata.name": "a", "status.phase": "Running"}) {
		t.Error("Matches is not the name AND the client's selector")
	}
	// The text form parses back to the same selector.
	back, err := api.ParseFieldSelector(sel.String())
	if err != nil || back.String() != sel.String() || len(back.Requirements()) != 2 {
		t.Errorf("String %q parses back as %v, %v", sel.String(), back, err)
	}
}
