package api

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// agree fails t unless decodeClean, when it takes data, gives what the
// careful path gives: the same object, and no warning or error.
func agree(t *testing.T, data []byte, newObj func() Object) (took bool) {
	t.Helper()
	careful, clean := newObj(), newObj()
	warnings, err := decodeCareful(data, careful)
	if !decodeClean(data, clean) {
		if !reflect.DeepEqual(clean, newObj()) {
			t.Errorf("%s: decodeClean refused it but left %+v", data, clean)
		}
		return false
	}
	if err != nil || len(warnings) > 0 {
		t.Errorf("%s: decodeClean took it, the careful path says %v %q", data, err, warnings)
	}
	if !reflect.DeepEqual(careful, clean) {
		t.Errorf("%s: decoded differently:\n careful %+v\n clean   %+v", data, careful, clean)
	}
	return true
}

// cleanCorpus is every manifest of the examples and of testdata/good as
// JSON, as sent by a client that encodes the object it holds.
func cleanCorpus(t *testing.T) (docs [][]byte, kinds []Resource) {
	t.Helper()
	files, _ := filepath.Glob("testdata/good/*")
	examples, _ := filepath.Glob("../../examples/*.yaml")
	for _, f := range append(files, examples...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		split, err := SplitDocuments(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, doc := range split {
			obj, res, _, err := Decode(doc)
			if err != nil {
				continue // testdata/good may hold kinds that are refused later, not here
			}
			j, err := json.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			docs, kinds = append(docs, j), append(kinds, res)
		}
	}
	if len(docs) < 20 {
		t.Fatalf("only %d manifests found", len(docs))
	}
	return docs, kinds
}

func TestDecodeCleanAgrees(t *testing.T) {
	docs, kinds := cleanCorpus(t)
	for i, doc := range docs {
		res := kinds[i]
		if !agree(t, doc, res.New) {
			t.Errorf("%s: a clean manifest took the careful path", doc)
		}
		// Each change below gives the careful path something to say, or
		// nothing; either way the two must agree.
		s := string(doc)
		for _, changed := range []string{
			strings.Replace(s, `"metadata":`, `"Metadata":`, 1),               // another case
			strings.Replace(s, `"name":`, `"name":"x","name":`, 1),            // a duplicate
			strings.Replace(s, `"name":`, `"n\u0061me":`, 1),                  // an escaped key
			strings.Replace(s, `{"apiVersion":`, `{"zzz":1,"apiVersion":`, 1), // an unknown field
			strings.Replace(s, `"kind":"`, `"kind":"X`, 1),                    // another kind
			strings.Replace(s, `"name":"`, `"name":7,"x":"`, 1),               // a wrong type
			"\xef\xbb\xbf" + s,                  // a byte-order mark
			s + " {}",                           // data after the object
			" \n" + s + "\n ",                   // white space around it
			s[:len(s)/2],                        // cut short
			strings.ReplaceAll(s, `":`, `" : `), // white space inside
		} {
			agree(t, []byte(changed), res.New)
		}
	}
}

func TestDecodeCleanCases(t *testing.T) {
	tests := []struct {
		name, input string
		obj         func() Object
		took        bool
	}{
		{"configmap", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"app":"b"}},"data":{"k":"v\n\u003c"}}`, newConfigMap, true},
		{"no type", `{"metadata":{"name":"a"}}`, newConfigMap, true},
		{"nulls", `{"metadata":null,"data":{"k":null}}`, newConfigMap, true},
		{"a key in another case", `{"metadata":{"Name":"a"}}`, newConfigMap, false},
		{"a duplicate in a map", `{"data":{"k":"1","k":"2"}}`, newConfigMap, false},
		{"a duplicate among many", `{"data":{` + manyKeys(40) + `,"kaa":"x"}}`, newConfigMap, false},
		{"many keys", `{"data":{` + manyKeys(40) + `}}`, newConfigMap, true},
		{"a non-ASCII key", `{"data":{"é":"1"}}`, newConfigMap, false},
		{"an array for bytes", `{"data":{"k":[1,2]}}`, func() Object { return &Secret{} }, false},
		{"base64 bytes", `{"data":{"k":"YWJj"}}`, func() Object { return &Secret{} }, true},
		{"bad base64", `{"data":{"k":"!"}}`, func() Object { return &Secret{} }, false},
		{"another kind", `{"kind":"Pod"}`, newConfigMap, false},
		{"a number for a string", `{"metadata":{"name":1}}`, newConfigMap, false},
		{"too deep", `{"metadata":{"annotations":null}, "data":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`, newConfigMap, false},
		{"yaml flow", `{metadata: {name: a}}`, newConfigMap, false},
		{"quantity and int-or-string", `{"spec":{"containers":[{"name":"c","image":"i","resources":{"requests":{"cpu":"100m","memory":1024}},` +
			`"readinessProbe":{"httpGet":{"port":"http"}}}]}}`, func() Object { return &Pod{} }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if took := agree(t, []byte(tt.input), tt.obj); took != tt.took {
				t.Errorf("decodeClean took it: %v, want %v", took, tt.took)
			}
		})
	}
}

func newConfigMap() Object { return &ConfigMap{} }

func manyKeys(n int) string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = `"k` + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `":"v"`
	}
	return strings.Join(keys, ",")
}

// FuzzCleanDecode checks that whatever decodeClean takes, the careful
// path decodes to the same object without a word.
func FuzzCleanDecode(f *testing.F) {
	for _, s := range []string{
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"i"}]}}`,
		`{"metadata":{"name":"a","labels":{"a":"b","a":"c"}},"data":{"k":"v"}}`,
		`{"data":{"k":"YWJj"},"stringData":{"x":"y"}}`,
		`{"spec":{"ports":[{"port":80,"targetPort":"http"}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, obj := range []func() Object{func() Object { return &Pod{} }, newConfigMap,
			func() Object { return &Secret{} }, func() Object { return &Service{} }} {
			agree(t, data, obj)
		}
	})
}
