package nodecheck

// Severity says how much a Finding matters.
type Severity string

// The severities, from fine to broken.
const (
	OK      Severity = "ok"
	Warning Severity = "warning" // works, but may surprise
	Problem Severity = "problem" // pod traffic breaks
)

// Finding is one line of a node's check-up.
type Finding struct {
	Severity Severity
	Message  string
}

func (f Finding) String() string { return string(f.Severity) + ": " + f.Message }
