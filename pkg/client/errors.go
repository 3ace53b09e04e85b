package client

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"kubelab/pkg/api"
)

// StatusOf returns the *api.Status inside err, if the error came from the
// server.
func StatusOf(err error) (*api.Status, bool) {
	var s *api.Status
	if errors.As(err, &s) {
		return s, true
	}
	return nil, false
}

// IsNotFound reports whether the object does not exist (404).
func IsNotFound(err error) bool { return hasReason(err, "NotFound", http.StatusNotFound) }

// IsAlreadyExists reports whether a create found the name taken (409).
func IsAlreadyExists(err error) bool { return hasReason(err, "AlreadyExists", http.StatusConflict) }

// IsConflict reports whether an update carried a stale resourceVersion
// (409): read the object again and retry.
func IsConflict(err error) bool { return hasReason(err, "Conflict", http.StatusConflict) }

// IsInvalid reports whether the server rejected the object's fields (422);
// the Status details list them.
func IsInvalid(err error) bool { return hasReason(err, "Invalid", http.StatusUnprocessableEntity) }

// IsGone reports whether a resourceVersion is older than the server still
// remembers (410, reason Expired or Gone): list again from scratch.
func IsGone(err error) bool {
	s, ok := StatusOf(err)
	return ok && (s.Code == http.StatusGone || s.Reason == "Expired" || s.Reason == "Gone")
}

// hasReason matches a Status by reason, or by code when the server gave no
// reason: a 409 may be AlreadyExists or Conflict, and the reason decides.
func hasReason(err error, reason string, code int32) bool {
	s, ok := StatusOf(err)
	if !ok {
		return false
	}
	if s.Reason != "" {
		return s.Reason == reason
	}
	return s.Code == code
}

// reasons are the Status reasons Kubernetes gives for each HTTP code, used
// when an answer has none (a proxy's plain-text 404, say).
var reasons = map[int32]string{
	400: "BadRequest",
	401: "Unauthorized",
	403: "Forbidden",
	404: "NotFound",
	405: "MethodNotAllowed",
	409: "Conflict",
	410: "Gone",
	415: "UnsupportedMediaType",
	422: "Invalid",
	429: "TooManyRequests",
	500: "InternalError",
	503: "ServiceUnavailable",
	504: "Timeout",
}

// statusError turns an error answer into a Status. The body normally is
// one; if it is not (a proxy or a panic page), the code and the first line
// of the body make one up.
func statusError(code int, body []byte) *api.Status {
	s := &api.Status{}
	if err := json.Unmarshal(body, s); err != nil || (s.Kind != "Status" && s.Message == "" && s.Reason == "") {
		msg, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
		if msg == "" {
			msg = http.StatusText(code)
		}
		s = &api.Status{Message: msg}
	}
	if s.Code == 0 {
		s.Code = int32(code)
	}
	return normalizeStatus(s)
}

// normalizeStatus fills in what a Status may leave out, so the Is…
// functions can rely on code and reason both.
func normalizeStatus(s *api.Status) *api.Status {
	s.APIVersion, s.Kind = "v1", "Status"
	if s.Status == "" {
		s.Status = "Failure"
	}
	if s.Code == 0 && (s.Reason == "Expired" || s.Reason == "Gone") {
		s.Code = http.StatusGone
	}
	if s.Reason == "" {
		s.Reason = reasons[s.Code]
	}
	if s.Message == "" {
		s.Message = strings.ToLower(http.StatusText(int(s.Code)))
	}
	return s
}
