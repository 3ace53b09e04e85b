package api

import (
	"fmt"
	"net"
	"regexp"
	"strings"
)

// The name checks below return a list of reasons a string is not valid,
// empty when it is. The wording is Kubernetes', so a student can search for
// an error message and find the Kubernetes documentation that explains it.

const (
	dns1123LabelFmt     = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
	dns1123SubdomainFmt = dns1123LabelFmt + "(\\." + dns1123LabelFmt + ")*"
	dns1035LabelFmt     = "[a-z]([-a-z0-9]*[a-z0-9])?"
	qualifiedNameFmt    = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
	labelValueFmt       = "(" + qualifiedNameFmt + ")?"
	envVarNameFmt       = "[-._a-zA-Z][-._a-zA-Z0-9]*"
	configKeyFmt        = "[-._a-zA-Z0-9]+"

	dns1123LabelMaxLength     = 63
	dns1123SubdomainMaxLength = 253
	qualifiedNameMaxLength    = 63
	labelValueMaxLength       = 63
	portNameMaxLength         = 15
)

var (
	dns1123LabelRE     = regexp.MustCompile("^" + dns1123LabelFmt + "$")
	dns1123SubdomainRE = regexp.MustCompile("^" + dns1123SubdomainFmt + "$")
	dns1035LabelRE     = regexp.MustCompile("^" + dns1035LabelFmt + "$")
	qualifiedNameRE    = regexp.MustCompile("^" + qualifiedNameFmt + "$")
	labelValueRE       = regexp.MustCompile("^" + labelValueFmt + "$")
	envVarNameRE       = regexp.MustCompile("^" + envVarNameFmt + "$")
	configKeyRE        = regexp.MustCompile("^" + configKeyFmt + "$")
	portNameCharsRE    = regexp.MustCompile("^[-a-z0-9]+$")
	portNameLetterRE   = regexp.MustCompile("[a-z]")
)

// regexError builds Kubernetes' "must consist of … (e.g. …, regex used for
// validation is '…')" message.
func regexError(msg, format string, examples ...string) string {
	if len(examples) == 0 {
		return msg + " (regex used for validation is '" + format + "')"
	}
	msg += " (e.g. "
	for i, e := range examples {
		if i > 0 {
			msg += " or "
		}
		msg += "'" + e + "', "
	}
	return msg + "regex used for validation is '" + format + "')"
}

func maxLenError(n int) string { return fmt.Sprintf("must be no more than %d characters", n) }

// IsDNS1123Label checks a name used as a DNS label: namespaces, container
// and volume names, port names of Services.
func IsDNS1123Label(s string) []string {
	var errs []string
	if len(s) > dns1123LabelMaxLength {
		errs = append(errs, maxLenError(dns1123LabelMaxLength))
	}
	if !dns1123LabelRE.MatchString(s) {
		errs = append(errs, regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
			dns1123LabelFmt, "my-name", "123-abc"))
	}
	return errs
}

// IsDNS1123Subdomain checks a name that may contain dots: the names of
// most objects (pods, nodes, replica sets, …).
func IsDNS1123Subdomain(s string) []string {
	var errs []string
	if len(s) > dns1123SubdomainMaxLength {
		errs = append(errs, maxLenError(dns1123SubdomainMaxLength))
	}
	if !dns1123SubdomainRE.MatchString(s) {
		errs = append(errs, regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
			dns1123SubdomainFmt, "example.com"))
	}
	return errs
}

// IsDNS1035Label checks a Service name: like a DNS-1123 label, but it must
// start with a letter, because Service names become environment variables
// and DNS names.
func IsDNS1035Label(s string) []string {
	var errs []string
	if len(s) > dns1123LabelMaxLength {
		errs = append(errs, maxLenError(dns1123LabelMaxLength))
	}
	if !dns1035LabelRE.MatchString(s) {
		errs = append(errs, regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
			dns1035LabelFmt, "my-name", "abc-123"))
	}
	return errs
}

// IsQualifiedName checks a label or annotation key: an optional DNS
// subdomain prefix and a slash, then a name of at most 63 characters
// ("app", "app.kubernetes.io/name").
func IsQualifiedName(s string) []string {
	var errs []string
	parts := strings.Split(s, "/")
	var name string
	switch len(parts) {
	case 1:
		name = parts[0]
	case 2:
		var prefix string
		prefix, name = parts[0], parts[1]
		if prefix == "" {
			errs = append(errs, "prefix part must be non-empty")
		} else {
			for _, msg := range IsDNS1123Subdomain(prefix) {
				errs = append(errs, "prefix part "+msg)
			}
		}
	default:
		return append(errs, regexError("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
			qualifiedNameFmt, "MyName", "my.name", "123-abc")+" with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")
	}
	switch {
	case name == "":
		errs = append(errs, "name part must be non-empty")
	case len(name) > qualifiedNameMaxLength:
		errs = append(errs, "name part "+maxLenError(qualifiedNameMaxLength))
	}
	if name != "" && !qualifiedNameRE.MatchString(name) {
		errs = append(errs, "name part "+regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
			qualifiedNameFmt, "MyName", "my.name", "123-abc"))
	}
	return errs
}

// IsValidLabelValue checks a label value: empty, or at most 63 characters
// of letters, digits, '-', '_' and '.', starting and ending alphanumeric.
func IsValidLabelValue(s string) []string {
	var errs []string
	if len(s) > labelValueMaxLength {
		errs = append(errs, maxLenError(labelValueMaxLength))
	}
	if !labelValueRE.MatchString(s) {
		errs = append(errs, regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
			labelValueFmt, "MyValue", "my_value", "12345"))
	}
	return errs
}

// IsValidPortName checks an IANA_SVC_NAME, the name of a container port:
// at most 15 lowercase letters, digits and single hyphens, with a letter.
func IsValidPortName(s string) []string {
	var errs []string
	if len(s) > portNameMaxLength {
		errs = append(errs, maxLenError(portNameMaxLength))
	}
	if !portNameCharsRE.MatchString(s) {
		errs = append(errs, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
	}
	if !portNameLetterRE.MatchString(s) {
		errs = append(errs, "must contain at least one letter (a-z)")
	}
	if strings.Contains(s, "--") {
		errs = append(errs, "must not contain consecutive hyphens")
	}
	if strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
		errs = append(errs, "must not begin or end with a hyphen")
	}
	return errs
}

// IsEnvVarName checks an environment variable name.
func IsEnvVarName(s string) []string {
	var errs []string
	if !envVarNameRE.MatchString(s) {
		errs = append(errs, regexError("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
			envVarNameFmt, "my.env-name", "MY_ENV.NAME", "MyEnvName1"))
	}
	return append(errs, dotErrors(s)...)
}

// IsConfigMapKey checks a key of a ConfigMap or Secret: it becomes a file
// name when the map is mounted as a volume.
func IsConfigMapKey(s string) []string {
	var errs []string
	if len(s) > dns1123SubdomainMaxLength {
		errs = append(errs, maxLenError(dns1123SubdomainMaxLength))
	}
	if !configKeyRE.MatchString(s) {
		errs = append(errs, regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
			configKeyFmt, "key.name", "KEY_NAME", "key-name"))
	}
	return append(errs, dotErrors(s)...)
}

// IsValidPathSegmentName is the loosest name check, for kinds whose names
// need only be one segment of a URL path: the RBAC kinds, whose names read
// like "system:controller:replicaset-controller".
func IsValidPathSegmentName(s string) []string {
	if s == "." || s == ".." {
		return []string{fmt.Sprintf("may not be '%s'", s)}
	}
	var errs []string
	for _, c := range []string{"/", "%"} {
		if strings.Contains(s, c) {
			errs = append(errs, fmt.Sprintf("may not contain '%s'", c))
		}
	}
	return errs
}

func dotErrors(s string) []string {
	switch {
	case s == ".":
		return []string{"must not be '.'"}
	case s == "..":
		return []string{"must not be '..'"}
	case strings.HasPrefix(s, ".."):
		return []string{"must not start with '..'"}
	}
	return nil
}

// isValidIP reports an IPv4 or IPv6 address in its usual text form.
func isValidIP(s string) bool { return net.ParseIP(s) != nil }

// isValidCIDR reports an address range such as 10.244.1.0/24.
func isValidCIDR(s string) bool {
	_, _, err := net.ParseCIDR(s)
	return err == nil
}

const (
	ipErrorDetail   = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
	cidrErrorDetail = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
)
