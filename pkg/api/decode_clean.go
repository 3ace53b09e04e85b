package api

import (
	"encoding/json"
	"reflect"
)

// DecodeInto reads a body the careful way (decode.go) five times: into a
// generic tree, a walk of that tree against the Go type, a re-encoding of
// the cleaned tree, the decoding proper, and a token-by-token scan for
// duplicate fields. Almost every body the apiserver receives has nothing
// to report: every field known, none given twice, every value of the
// right type. decodeClean recognises those in one pass over the bytes
// that allocates next to nothing, then decodes them with one
// json.Unmarshal, which checks the values' types. That saves about a
// third of the apiserver's own CPU time for a create (BenchmarkCreate in
// pkg/apiserver; hack/bench/api.sh).
//
// Anything else takes the careful path, which words the warnings and the
// errors: an unknown field, or one spelled in another case (which
// json.Unmarshal would accept), a key given twice or written with escapes
// or non-ASCII letters, a value json.Unmarshal refuses, YAML, a byte-order
// mark, data after the object. So the object, the warnings and the errors
// are the same whichever path a body takes (TestDecodeCleanAgrees).

// decodeClean decodes data into obj and returns true when data is a JSON
// object with nothing to warn about or refuse; otherwise it leaves obj
// empty and returns false.
func decodeClean(data []byte, obj Object) bool {
	s := keyScan{data: data}
	s.space()
	if s.i == len(data) || data[s.i] != '{' || !s.value(typeOfValue(obj), 0) {
		return false
	}
	if s.space(); s.i != len(data) {
		return false
	}
	if err := json.Unmarshal(data, obj); err != nil {
		reflect.ValueOf(obj).Elem().SetZero()
		return false
	}
	if res, ok := ResourceOf(obj); ok {
		tm := obj.GetTypeMeta()
		if tm.APIVersion != "" && tm.APIVersion != res.APIVersion() || tm.Kind != "" && tm.Kind != res.Kind {
			reflect.ValueOf(obj).Elem().SetZero() // the careful path says which
			return false
		}
	}
	return true
}

// keyScan walks JSON bytes alongside a Go type, as the walker walks the
// decoded tree, and fails at the first key the type does not have spelled
// exactly so, or that its object already had. It checks the syntax only
// as far as it needs to find the keys: json.Unmarshal checks the rest.
type keyScan struct {
	data []byte
	i    int
}

// maxScanDepth bounds the recursion: a body nested deeper than any
// object is takes the careful path, whose decoder has its own limit.
const maxScanDepth = 100

// value scans one value of type t; t is nil where any keys go (a map
// value, an interface, a type with its own UnmarshalJSON), and then only
// duplicates are looked for.
func (s *keyScan) value(t reflect.Type, depth int) bool {
	if depth > maxScanDepth {
		return false
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && reflect.PointerTo(t).Implements(unmarshalerType) {
		t = nil // a leaf to the walker too
	}
	s.space()
	if s.i == len(s.data) {
		return false
	}
	switch s.data[s.i] {
	case '{':
		return s.object(t, depth)
	case '[':
		if t != nil && t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return false // json.Unmarshal takes an array of numbers for []byte; the walker wants base64
		}
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		return s.array(elem, depth)
	case '"':
		_, _, ok := s.str()
		return ok
	}
	return s.literal()
}

func (s *keyScan) object(t reflect.Type, depth int) bool {
	var fields map[string]reflect.Type // a struct's: keys must name one
	var elem reflect.Type              // a map's values
	if t != nil {
		switch t.Kind() {
		case reflect.Struct:
			fields = JSONFields(t)
		case reflect.Map:
			elem = t.Elem()
		}
	}
	s.i++ // {
	var seen keySet
	if s.space(); s.next('}') {
		return true
	}
	for {
		s.space()
		key, plain, ok := s.str()
		if !ok || !plain || !seen.add(key) {
			return false
		}
		child := elem
		if t != nil && t.Kind() == reflect.Struct {
			if child, ok = fields[string(key)]; !ok {
				return false
			}
		}
		if s.space(); !s.next(':') || !s.value(child, depth+1) {
			return false
		}
		if s.space(); s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

func (s *keyScan) array(elem reflect.Type, depth int) bool {
	s.i++ // [
	if s.space(); s.next(']') {
		return true
	}
	for {
		if !s.value(elem, depth+1) {
			return false
		}
		if s.space(); s.next(']') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// str scans a string and returns its bytes between the quotes; plain
// says they hold no escape and no byte outside ASCII, so that they are
// the string's value as json.Unmarshal reads it.
func (s *keyScan) str() (raw []byte, plain, ok bool) {
	if !s.next('"') {
		return nil, false, false
	}
	start, plain := s.i, true
	for ; s.i < len(s.data); s.i++ {
		switch c := s.data[s.i]; {
		case c == '"':
			s.i++
			return s.data[start : s.i-1], plain, true
		case c == '\\':
			plain = false
			s.i++ // the escaped byte, which may be a quote
		case c >= 0x80:
			plain = false
		}
	}
	return nil, false, false
}

// literal scans a number, true, false or null.
func (s *keyScan) literal() bool {
	start := s.i
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return s.i > start
		}
		s.i++
	}
	return s.i > start
}

func (s *keyScan) space() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next consumes c if it comes next.
func (s *keyScan) next(c byte) bool {
	if s.i < len(s.data) && s.data[s.i] == c {
		s.i++
		return true
	}
	return false
}

// keySet holds the keys of one object: a few in a slice, searched in
// order, and a map once there are many (a ConfigMap's data, labels).
type keySet struct {
	few  [][]byte
	many map[string]bool
}

// add adds key and says whether it was new.
func (k *keySet) add(key []byte) bool {
	if k.many != nil {
		if k.many[string(key)] {
			return false
		}
		k.many[string(key)] = true
		return true
	}
	for _, f := range k.few {
		if string(f) == string(key) {
			return false
		}
	}
	k.few = append(k.few, key)
	if len(k.few) > 16 {
		k.many = make(map[string]bool, 2*len(k.few))
		for _, f := range k.few {
			k.many[string(f)] = true
		}
	}
	return true
}
