package apiserver

import (
	"context"
	"fmt"
	"net/http"

	"kubelab/pkg/api"
	"kubelab/pkg/store"
)

// Server-side dry run (?dryRun=All, what kubectl apply --dry-run=server
// and kubectl diff send): the request goes through every step of a real
// one (decoding, defaults, generateName, uid, admission, validation, the
// choice of a ClusterIP or NodePort) and ends in the same store.Commit,
// but under a context marked store.WithDryRun. There Commit checks what
// the transaction would check (the name is free, the object unchanged
// since it was read, the address not held, the namespace there) and
// writes nothing: no object, no claim, no watch event. The answer is the
// object as it would have been stored, with the status code of a real
// write; a dry-run create has no resourceVersion yet, anything else keeps
// the one it had.
//
// So no handler tests for a dry run: there is one switch, in the context.

// dryRunAll is the one value of dryRun that Kubernetes accepts.
const dryRunAll = "All"

// dryRunContext returns ctx marked as a dry run when the request asks for
// one, and 422 for a dryRun other than All, as Kubernetes answers it
// (optionsKind names the options the value came in: CreateOptions,
// UpdateOptions, PatchOptions or DeleteOptions).
func dryRunContext(ctx context.Context, optionsKind string, dryRun []string) (context.Context, *api.Status) {
	if len(dryRun) == 0 {
		return ctx, nil
	}
	for _, v := range dryRun {
		if v != dryRunAll {
			detail := fmt.Sprintf("Unsupported value: %#v: supported values: %q", dryRun, dryRunAll)
			st := statusErr(http.StatusUnprocessableEntity, "Invalid",
				fmt.Sprintf("%s.meta.k8s.io \"\" is invalid: dryRun: %s", optionsKind, detail))
			st.Details = &api.StatusDetails{Group: "meta.k8s.io", Kind: optionsKind,
				Causes: []api.StatusCause{{Type: "FieldValueNotSupported", Message: detail, Field: "dryRun"}}}
			return ctx, st
		}
	}
	return store.WithDryRun(ctx), nil
}

// writeOptionsKind names the options a write verb takes its dryRun in;
// "" for a verb that takes none (reads, and delete, whose dryRun may also
// come in its DeleteOptions body: serveDelete reads it there).
func writeOptionsKind(verb string) string {
	switch verb {
	case "create":
		return "CreateOptions"
	case "update":
		return "UpdateOptions"
	case "patch":
		return "PatchOptions"
	}
	return ""
}

// withDryRun marks r's context when the query of a create, update or
// patch (of an object or a subresource) asks for a dry run.
func withDryRun(r *http.Request, info requestInfo) (*http.Request, *api.Status) {
	kind := writeOptionsKind(info.verb)
	if kind == "" {
		return r, nil
	}
	ctx, st := dryRunContext(r.Context(), kind, r.URL.Query()["dryRun"])
	if st != nil {
		return r, st
	}
	return r.WithContext(ctx), nil
}
