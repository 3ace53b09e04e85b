package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestGeneratedFileIsFresh fails when pkg/api's comments changed and
// comments_generated.go was not regenerated.
func TestGeneratedFileIsFresh(t *testing.T) {
	want, err := generate("../../api")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../comments_generated.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("pkg/openapi/comments_generated.go is stale: run `go generate ./pkg/openapi` (or make generate)")
	}
}

func TestDescription(t *testing.T) {
	tests := []struct {
		name string
		src  string
		typ  string
		want string
	}{
		{"paragraph joined", "// Pod is a group\n// of containers.\n//\n// Second paragraph.\ntype Pod struct{}", "Pod",
			"Pod is a group of containers.\n\nSecond paragraph."},
		{"code kept", "// Selector matches:\n//\n//\tapp=web\ntype Selector struct{}", "Selector",
			"Selector matches:\n\n\tapp=web"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(dir+"/a.go", []byte("package api\n\n"+tt.src+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			src, err := generate(dir)
			if err != nil {
				t.Fatal(err)
			}
			if want := strconv.Quote(tt.want); !strings.Contains(string(src), want) {
				t.Fatalf("generated:\n%s\nwant it to contain %s", src, want)
			}
		})
	}
}

func TestFieldComments(t *testing.T) {
	dir := t.TempDir()
	src := `package api

type Container struct {
	// Image is the image to run.
	Image string
	Policy string // Always, Never
	Lifecycle *int // lifecycle.go
	Bare string
}
`
	if err := os.WriteFile(dir+"/a.go", []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"Container.Image":  "Image is the image to run."`, `"Container.Policy": "Always, Never"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("generated:\n%s\nwant it to contain %s", out, want)
		}
	}
	for _, absent := range []string{"Container.Lifecycle", "Container.Bare"} {
		if strings.Contains(string(out), absent) {
			t.Errorf("generated:\n%s\nwant no %s", out, absent)
		}
	}
}
