package api

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The manifests under testdata/ go through what the apiserver does with a
// request body: decode, default, validate.
//
// testdata/bad holds one student mistake per file. The first line of each
// says what the first error must contain:
//
//	# want: spec.containers[0].image: Required value
//
// testdata/good holds manifests that must pass with no error and no
// warning, so that the checks are never stricter than Kubernetes'.

// admit decodes every object of a manifest file, defaults and validates it,
// and returns the first error and every warning.
func admit(data []byte) ([]string, error) {
	docs, err := SplitDocuments(data)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		_, _, _, err := Decode(data)
		return nil, err
	}
	var warnings []string
	for _, doc := range docs {
		obj, _, w, err := Decode(doc)
		warnings = append(warnings, w...)
		if err != nil {
			return warnings, err
		}
		SetDefaults(obj)
		if errs := Validate(obj); len(errs) > 0 {
			return warnings, errs[0]
		}
	}
	return warnings, nil
}

func TestBadManifests(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) < 30 {
		t.Fatalf("want at least 30 files in testdata/bad, found %d (%v)", len(files), err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := bytes.Cut(data, []byte("\n"))
			want, ok := strings.CutPrefix(string(first), "# want: ")
			if !ok || want == "" {
				t.Fatalf("the first line must be '# want: <part of the error>', not %q", first)
			}
			_, err = admit(data)
			if err == nil {
				t.Fatalf("no error; want %q", want)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error:\n  %s\nwant it to contain:\n  %s", err, want)
			}
		})
	}
}

func TestGoodManifests(t *testing.T) {
	files, _ := filepath.Glob("testdata/good/*")
	if len(files) == 0 {
		t.Fatal("no files in testdata/good")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			warnings, err := admit(data)
			if err != nil {
				t.Errorf("error: %v", err)
			}
			if len(warnings) > 0 {
				t.Errorf("warnings: %v", warnings)
			}
		})
	}
}

// TestExamples admits every manifest of examples/ as the apiserver
// would: each decodes, defaults and validates with no error and no
// warning (no field kubelab would drop).
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if filepath.Base(f) == "job.yaml" {
				t.Skip("a Job's selector is made by the apiserver (pkg/apiserver/jobs.go), not by SetDefaults")
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if warnings, err := admit(data); err != nil || len(warnings) > 0 {
				t.Errorf("error %v, warnings %v", err, warnings)
			}
		})
	}
}
