package apiserver

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// kubectlAccept is what kubectl get sends.
const kubectlAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"

// getAccept sends a GET with an Accept header and returns the code and
// the body decoded loosely.
func (ts *testServer) getAccept(path, accept string) (int, map[string]any) {
	ts.t.Helper()
	req, _ := http.NewRequest("GET", ts.http.URL+path, nil)
	req.Header.Set("Accept", accept)
	resp, err := ts.client.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		ts.t.Fatalf("GET %s: %v: %s", path, err, b)
	}
	return resp.StatusCode, out
}

// tableShape sums a Table up in one line: kind and apiVersion, column
// names (wide ones marked *), then each row's cells and object kind.
func tableShape(t map[string]any) string {
	var b strings.Builder
	b.WriteString(t["kind"].(string) + " " + t["apiVersion"].(string) + " |")
	cols, _ := t["columnDefinitions"].([]any)
	for _, c := range cols {
		c := c.(map[string]any)
		b.WriteString(" " + c["name"].(string))
		if c["priority"].(float64) == 1 {
			b.WriteString("*")
		}
	}
	rows, _ := t["rows"].([]any)
	for _, r := range rows {
		r := r.(map[string]any)
		b.WriteString(" |")
		for _, cell := range r["cells"].([]any) {
			b.WriteString(" " + strings.TrimSpace(strings.ReplaceAll(jsonText(cell), "\n", "")))
		}
		if obj, ok := r["object"].(map[string]any); ok {
			b.WriteString(" @" + obj["kind"].(string))
		}
	}
	return b.String()
}

func jsonText(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestTables(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", podsPath, testPod("kubia"))
	ts.must(http.StatusCreated, "POST", podsPath, testPod("web"))
	const podColumns = "Name Ready Status Restarts Age IP* Node* Nominated Node* Readiness Gates*"
	// Ages are a few seconds at most: the pods were just made.
	row := func(name string) string {
		return ` | "` + name + `" "0/1" "Pending" "0" "AGE" "\u003cnone\u003e" "\u003cnone\u003e" "\u003cnone\u003e" "\u003cnone\u003e"`
	}
	tests := []struct {
		name, path, accept string
		code               int
		want               string
	}{
		{"list as kubectl asks", podsPath, kubectlAccept, 200,
			"Table meta.k8s.io/v1 | " + podColumns + row("kubia") + " @PartialObjectMetadata" + row("web") + " @PartialObjectMetadata"},
		{"get", podsPath + "/web", kubectlAccept, 200, "Table meta.k8s.io/v1 | " + podColumns + row("web") + " @PartialObjectMetadata"},
		{"whole objects", podsPath + "/web?includeObject=Object", kubectlAccept, 200,
			"Table meta.k8s.io/v1 | " + podColumns + row("web") + " @Pod"},
		{"no objects", podsPath + "/web?includeObject=None", kubectlAccept, 200, "Table meta.k8s.io/v1 | " + podColumns + row("web")},
		{"v1beta1", podsPath + "/web", "application/json;as=Table;v=v1beta1;g=meta.k8s.io", 200,
			"Table meta.k8s.io/v1beta1 | " + podColumns + row("web") + " @PartialObjectMetadata"},
		{"protobuf passed over", podsPath + "/web",
			"application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io", 200,
			"Table meta.k8s.io/v1 | " + podColumns + row("web") + " @PartialObjectMetadata"},
		{"metadata of a list", podsPath, "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json", 200,
			"PartialObjectMetadataList meta.k8s.io/v1 |"},
		{"metadata of one", podsPath + "/web", "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json", 200,
			"PartialObjectMetadata meta.k8s.io/v1 |"},
		{"plain JSON", podsPath, "application/json", 200, "PodList v1 |"},
		{"no Accept", podsPath, "", 200, "PodList v1 |"},
		{"a list is not one object's metadata", podsPath, "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1", 406, ""},
		{"unknown kind only", podsPath, "application/json;as=Foo;g=meta.k8s.io;v=v1", 406, ""},
		{"unknown includeObject", podsPath + "?includeObject=All", kubectlAccept, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := ts.getAccept(tt.path, tt.accept)
			if code != tt.code {
				t.Fatalf("code %d, want %d: %v", code, tt.code, body)
			}
			if code != 200 {
				return
			}
			got := tableShape(body)
			for _, age := range []string{`"0s"`, `"1s"`, `"2s"`, `"3s"`} {
				got = strings.ReplaceAll(got, age, `"AGE"`)
			}
			if got != tt.want {
				t.Errorf("got\n  %s\nwant\n  %s", got, tt.want)
			}
		})
	}

	t.Run("metadata and items", func(t *testing.T) {
		_, list := ts.getAccept(podsPath, "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")
		items := list["items"].([]any)
		item := items[1].(map[string]any)
		meta := item["metadata"].(map[string]any)
		if len(items) != 2 || item["kind"] != "PartialObjectMetadata" || meta["name"] != "web" ||
			list["metadata"].(map[string]any)["resourceVersion"] == "" {
			t.Errorf("list = %v", list)
		}
		if _, hasSpec := item["spec"]; hasSpec {
			t.Errorf("metadata only, got %v", item)
		}
	})
	t.Run("a page of a list", func(t *testing.T) {
		_, page := ts.getAccept(podsPath+"?limit=1", kubectlAccept)
		meta := page["metadata"].(map[string]any)
		if rows := page["rows"].([]any); len(rows) != 1 || meta["continue"] == nil || meta["continue"] == "" {
			t.Fatalf("first page %v", page)
		}
		_, next := ts.getAccept(podsPath+"?limit=1&continue="+url.QueryEscape(meta["continue"].(string)), kubectlAccept)
		if got := tableShape(next); !strings.Contains(got, `"web"`) {
			t.Errorf("second page %s", got)
		}
	})
	t.Run("the table of one object is at its version", func(t *testing.T) {
		var pod struct {
			Metadata struct{ ResourceVersion string } `json:"metadata"`
		}
		ts.must(http.StatusOK, "GET", podsPath+"/web", nil).into(t, &pod)
		_, table := ts.getAccept(podsPath+"/web", kubectlAccept)
		if rv := table["metadata"].(map[string]any)["resourceVersion"]; rv != pod.Metadata.ResourceVersion {
			t.Errorf("table at %v, pod at %s", rv, pod.Metadata.ResourceVersion)
		}
	})
}

// A watch asked for Tables sends each event's object as a Table of one
// row, with the column definitions in the first event only.
func TestTableWatch(t *testing.T) {
	ts := newTestServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.http.URL+podsPath+"?watch=true", nil)
	req.Header.Set("Accept", kubectlAccept)
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("watch: %d", resp.StatusCode)
	}
	events := bufio.NewScanner(resp.Body)
	next := func() (string, map[string]any) {
		t.Helper()
		done := make(chan bool)
		go func() { done <- events.Scan() }()
		select {
		case ok := <-done:
			if !ok {
				t.Fatal("watch ended")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no event within 5s")
		}
		var ev struct {
			Type   string         `json:"type"`
			Object map[string]any `json:"object"`
		}
		if err := json.Unmarshal(events.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		return ev.Type, ev.Object
	}
	ts.must(http.StatusCreated, "POST", podsPath, testPod("kubia"))
	typ, first := next()
	if got := tableShape(first); typ != "ADDED" || !strings.HasPrefix(got, "Table meta.k8s.io/v1 | Name Ready") ||
		!strings.Contains(got, `| "kubia" "0/1" "Pending"`) {
		t.Errorf("first event %s %s", typ, got)
	}
	ts.must(http.StatusOK, "DELETE", podsPath+"/kubia", nil)
	for typ != "DELETED" {
		var second map[string]any
		typ, second = next()
		got := tableShape(second)
		if !strings.HasPrefix(got, `Table meta.k8s.io/v1 | | "kubia"`) {
			t.Errorf("later event %s: %s, want a row without columns", typ, got)
		}
		if rv := second["metadata"].(map[string]any)["resourceVersion"]; rv == "" || rv == nil {
			t.Errorf("later event %s: no resourceVersion", typ)
		}
	}
}
