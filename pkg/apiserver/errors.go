package apiserver

import (
	"fmt"
	"net/http"
	"strings"

	"kubelab/pkg/api"
)

// Status errors, shaped as Kubernetes answers them so that its clients
// understand them.

func statusErr(code int, reason, msg string) *api.Status {
	return &api.Status{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status: "Failure", Code: int32(code), Reason: reason, Message: msg}
}

func qualified(r api.Resource) string {
	if r.Group == "" {
		return r.Name
	}
	return r.Name + "." + r.Group
}

func notFound(r api.Resource, name string) *api.Status {
	name = shownName(name)
	s := statusErr(http.StatusNotFound, "NotFound", fmt.Sprintf("%s %q not found", qualified(r), name))
	s.Details = &api.StatusDetails{Name: name, Group: r.Group, Kind: r.Name}
	return s
}

func notFoundPath(path string) *api.Status {
	return statusErr(http.StatusNotFound, "NotFound", fmt.Sprintf("the server could not find the requested resource (%s)", path))
}

func alreadyExists(r api.Resource, name string) *api.Status {
	name = shownName(name)
	s := statusErr(http.StatusConflict, "AlreadyExists", fmt.Sprintf("%s %q already exists", qualified(r), name))
	s.Details = &api.StatusDetails{Name: name, Group: r.Group, Kind: r.Name}
	return s
}

func conflict(r api.Resource, name, why string) *api.Status {
	name = shownName(name)
	s := statusErr(http.StatusConflict, "Conflict",
		fmt.Sprintf("Operation cannot be fulfilled on %s %q: %s", qualified(r), name, why))
	s.Details = &api.StatusDetails{Name: name, Group: r.Group, Kind: r.Name}
	return s
}

// shownName is a name as messages show it: whole if it could be the name
// of an object (at most 253 characters), else shortened, as any value a
// client sent (api.Shorten).
func shownName(name string) string {
	if len(name) <= 253 {
		return name
	}
	return api.Shorten(name)
}

func badRequest(msg string) *api.Status {
	return statusErr(http.StatusBadRequest, "BadRequest", msg)
}

// methodNotAllowed is the 405 for a verb the path does not serve; detail,
// when given, says what the path does serve.
func methodNotAllowed(detail string) *api.Status {
	msg := "the server does not allow this method on the requested resource"
	if detail != "" {
		msg += " (" + detail + ")"
	}
	return statusErr(http.StatusMethodNotAllowed, "MethodNotAllowed", msg)
}

// unsupportedMediaType is the 415 for a body of a type the request does
// not take, worded as Kubernetes words it (k8s.io/apiserver's
// negotiation.NewUnsupportedMediaTypeError): it lists the accepted types,
// in the order given, and does not repeat the one sent, which a client
// matching the message would not expect.
func unsupportedMediaType(_ string, accepted []string) *api.Status {
	return statusErr(http.StatusUnsupportedMediaType, "UnsupportedMediaType",
		"the body of the request was in an unknown format - accepted media types include: "+strings.Join(accepted, ", "))
}

// tooLarge is the 413 for a request or an object above a size limit.
func tooLarge(msg string) *api.Status {
	return statusErr(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request entity too large: "+msg)
}

func gone(msg string) *api.Status {
	return statusErr(http.StatusGone, "Expired", msg)
}

func forbidden(r api.Resource, name, why string) *api.Status {
	name = shownName(name)
	return statusErr(http.StatusForbidden, "Forbidden", fmt.Sprintf("%s %q is forbidden: %s", qualified(r), name, why))
}

func internalError(err error) *api.Status {
	return statusErr(http.StatusInternalServerError, "InternalError", "Internal error occurred: "+err.Error())
}

// invalid turns validation errors into a 422 naming every bad field.
func invalid(r api.Resource, name string, errs api.ErrorList) *api.Status {
	name = shownName(name)
	msgs := make([]string, 0, len(errs))
	causes := make([]api.StatusCause, 0, len(errs))
	for _, e := range errs {
		msgs = append(msgs, e.Error())
		causes = append(causes, api.StatusCause{Type: "Field" + strings.ReplaceAll(e.Type, " ", ""), Message: e.Error(), Field: e.Field})
	}
	msg := fmt.Sprintf("%s %q is invalid: %s", r.Kind, name, strings.Join(msgs, ", "))
	if len(msgs) > 1 {
		msg = fmt.Sprintf("%s %q is invalid: [%s]", r.Kind, name, strings.Join(msgs, ", "))
	}
	s := statusErr(http.StatusUnprocessableEntity, "Invalid", msg)
	s.Details = &api.StatusDetails{Name: name, Group: r.Group, Kind: r.Kind, Causes: causes}
	return s
}

// fieldInvalid is a 422 about one field, for checks made during admission.
func fieldInvalid(r api.Resource, name, field string, value any, detail string) *api.Status {
	return invalid(r, name, api.ErrorList{{Type: "Invalid value", Field: field, BadValue: value, Detail: detail}})
}
