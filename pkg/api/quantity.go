package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
)

// Quantity is an amount of a resource written as Kubernetes writes it:
// "500m" (half a CPU), "2", "128Mi", "1G", "1e3". It is kept as thousandths
// (milli-units), which covers both fractional CPUs and byte counts up to
// about 9 PB; larger values are rejected when parsed.
type Quantity struct {
	milli  int64
	format string // the suffix family to print with: "" decimal, "i" binary
	text   string // as written, kept so a round trip does not rewrite it
}

var (
	binarySuffixes  = map[string]int64{"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "Ei": 1 << 60}
	decimalSuffixes = map[string]*big.Rat{
		"n": big.NewRat(1, 1e9), "u": big.NewRat(1, 1e6), "m": big.NewRat(1, 1e3), "": big.NewRat(1, 1),
		"k": big.NewRat(1e3, 1), "M": big.NewRat(1e6, 1), "G": big.NewRat(1e9, 1),
		"T": big.NewRat(1e12, 1), "P": big.NewRat(1e15, 1), "E": big.NewRat(1e18, 1),
	}
	errQuantityFormat = errors.New("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
)

// ParseQuantity parses s; the error says what is wrong with it.
func ParseQuantity(s string) (Quantity, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Quantity{}, errors.New("quantity is empty")
	}
	// Split the number from the suffix.
	i := 0
	if s[0] == '+' || s[0] == '-' {
		i++
	}
	digits := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		if s[i] != '.' {
			digits++
		}
		i++
	}
	if digits == 0 {
		return Quantity{}, errQuantityFormat
	}
	num, suffix := s[:i], s[i:]
	value, ok := new(big.Rat).SetString(num)
	if !ok {
		return Quantity{}, errQuantityFormat
	}
	format := ""
	switch {
	case binarySuffixes[suffix] != 0:
		value.Mul(value, new(big.Rat).SetInt64(binarySuffixes[suffix]))
		format = "i"
	case decimalSuffixes[suffix] != nil:
		value.Mul(value, decimalSuffixes[suffix])
	case suffix[0] == 'e' || suffix[0] == 'E':
		var exp int
		if _, err := fmt.Sscanf(suffix[1:], "%d", &exp); err != nil || fmt.Sprint(exp) != strings.TrimPrefix(suffix[1:], "+") {
			return Quantity{}, errQuantityFormat
		}
		if exp > 18 || exp < -9 {
			return Quantity{}, fmt.Errorf("quantity %s is out of range", Quote(s))
		}
		p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(exp))), nil))
		if exp < 0 {
			p.Inv(p)
		}
		value.Mul(value, p)
	default:
		return Quantity{}, fmt.Errorf("quantity %s has an unknown suffix %s", Quote(s), Quote(suffix))
	}
	// Round up to whole thousandths, as Kubernetes rounds up to its precision.
	milli := new(big.Rat).Mul(value, big.NewRat(1000, 1))
	n := new(big.Int).Quo(milli.Num(), milli.Denom())
	if new(big.Rat).SetInt(n).Cmp(milli) < 0 {
		n.Add(n, big.NewInt(1))
	}
	if !n.IsInt64() {
		return Quantity{}, fmt.Errorf("quantity %s is too large", Quote(s))
	}
	return Quantity{milli: n.Int64(), format: format, text: s}, nil
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// MustParse parses s and panics on error; for constants in code and tests.
func MustParse(s string) Quantity {
	q, err := ParseQuantity(s)
	if err != nil {
		panic(err)
	}
	return q
}

// NewMilliQuantity returns a decimal quantity of milli thousandths.
func NewMilliQuantity(milli int64) Quantity { return Quantity{milli: milli} }

// NewQuantity returns a quantity of v whole units; binary chooses Ki/Mi/…
// suffixes when printing.
func NewQuantity(v int64, binary bool) Quantity {
	q := Quantity{milli: v * 1000}
	if binary {
		q.format = "i"
	}
	return q
}

// MilliValue returns the quantity in thousandths (millicores for cpu).
func (q Quantity) MilliValue() int64 { return q.milli }

// Value returns the quantity in whole units, rounded up (bytes for memory).
func (q Quantity) Value() int64 {
	v := q.milli / 1000
	if q.milli%1000 > 0 {
		v++ // round up without adding first, which could overflow
	}
	return v
}

// IsZero reports a zero amount.
func (q Quantity) IsZero() bool { return q.milli == 0 }

// Cmp returns -1, 0 or 1 as q is less than, equal to or more than o.
func (q Quantity) Cmp(o Quantity) int {
	switch {
	case q.milli < o.milli:
		return -1
	case q.milli > o.milli:
		return 1
	}
	return 0
}

// Add returns q+o, saturating instead of overflowing.
func (q Quantity) Add(o Quantity) Quantity {
	sum := q.milli + o.milli
	if (o.milli > 0 && sum < q.milli) || (o.milli < 0 && sum > q.milli) {
		sum = math.MaxInt64
	}
	f := q.format
	if q.milli == 0 {
		f = o.format
	}
	return Quantity{milli: sum, format: f}
}

// Sub returns q-o.
func (q Quantity) Sub(o Quantity) Quantity {
	return q.Add(Quantity{milli: -o.milli, format: o.format})
}

// String returns the quantity as written, or in canonical form when it was
// computed: the largest suffix that keeps the number whole.
func (q Quantity) String() string {
	if q.text != "" {
		return q.text
	}
	if q.milli%1000 != 0 {
		return fmt.Sprintf("%dm", q.milli)
	}
	v := q.milli / 1000
	if v == 0 {
		return "0"
	}
	if q.format == "i" {
		for _, s := range []string{"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"} {
			if m := binarySuffixes[s]; v%m == 0 {
				return fmt.Sprintf("%d%s", v/m, s)
			}
		}
		return fmt.Sprint(v)
	}
	for _, s := range []string{"E", "P", "T", "G", "M", "k"} {
		m := decimalSuffixes[s].Num().Int64()
		if v%m == 0 {
			return fmt.Sprintf("%d%s", v/m, s)
		}
	}
	return fmt.Sprint(v)
}

// MarshalJSON writes the quantity as a JSON string.
func (q Quantity) MarshalJSON() ([]byte, error) { return json.Marshal(q.String()) }

// UnmarshalJSON reads a JSON string or number.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else {
		s = string(b)
	}
	if s == "null" {
		*q = Quantity{}
		return nil
	}
	v, err := ParseQuantity(s)
	if err != nil {
		return err
	}
	*q = v
	return nil
}
