package api

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// A field given twice in one JSON object is a mistake that decoding
// hides: the last value silently wins. Kubernetes' strict decoder reports
// it as `duplicate field "metadata.name"`, beside the unknown fields, and
// so does Decode. (YAML is converted strictly, where a key given twice is
// an error: see yamlToJSON.)

// DuplicateFields returns, for every key that appears more than once in
// the same object of jsonData, `duplicate field "path"`, in the order
// found. It returns nil when jsonData is not valid JSON: the decoder
// reports that.
func DuplicateFields(jsonData []byte) []string {
	s := &dupScanner{dec: json.NewDecoder(bytes.NewReader(jsonData))}
	if s.value("") != nil {
		return nil
	}
	return s.found
}

type dupScanner struct {
	dec   *json.Decoder
	found []string
}

// value reads one JSON value whose path is path.
func (s *dupScanner) value(path string) error {
	tok, err := s.dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]int{}
		for s.dec.More() {
			key, err := s.dec.Token()
			if err != nil {
				return err
			}
			k, _ := key.(string)
			seen[k]++
			if seen[k] == 2 { // once, however many times it repeats
				s.found = append(s.found, fmt.Sprintf("duplicate field %q", joinPath(path, k)))
			}
			if err := s.value(joinPath(path, k)); err != nil {
				return err
			}
		}
	case json.Delim('['):
		for i := 0; s.dec.More(); i++ {
			if err := s.value(fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	default:
		return nil // a string, number, bool or null
	}
	_, err = s.dec.Token() // the closing } or ]
	return err
}
