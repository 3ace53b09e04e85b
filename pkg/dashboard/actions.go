package dashboard

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kctl"
)

// Actions: scale, delete a pod, cordon a node (and apply, apply.go). Each
// is one request to the apiserver with the viewer's own token, never the
// dashboard's identity: the dashboard may only read, and what a viewer may
// change is for RBAC to say. A viewer who has not signed in is told so.

// viewerAPI reaches the apiserver as a viewer: with the cluster's CA to
// check the apiserver, the viewer's token, and no client certificate of
// the dashboard's (which would authenticate the request as the dashboard).
type viewerAPI struct {
	server string
	http   *http.Client
}

// newViewerAPI shares one connection pool among all viewers. tc is the
// dashboard's own TLS configuration; only its CA is kept.
func newViewerAPI(server string, tc *tls.Config) viewerAPI {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if tc != nil {
		// InsecureSkipVerify only if the dashboard's kubeconfig says so.
		t.TLSClientConfig = &tls.Config{RootCAs: tc.RootCAs, ServerName: tc.ServerName, InsecureSkipVerify: tc.InsecureSkipVerify}
	}
	return viewerAPI{server: server, http: &http.Client{Transport: t}}
}

// as returns a client that sends token with every request.
func (v viewerAPI) as(token string) (*client.Client, error) {
	if v.http == nil {
		return nil, errors.New("the dashboard was started without an apiserver to act on")
	}
	return client.New(client.Config{Server: v.server, HTTPClient: v.http, BearerToken: token,
		UserAgent: "kubelab-dashboard (for a viewer)", Timeout: 30 * time.Second})
}

// whoAmI asks the apiserver whose token is (a SelfSubjectReview, as
// kctl auth whoami), which also checks that it accepts it.
func (v viewerAPI) whoAmI(ctx context.Context, token string) (string, error) {
	c, err := v.as(token)
	if err != nil {
		return "", err
	}
	review, _ := json.Marshal(api.SelfSubjectReview{TypeMeta: api.TypeMeta{APIVersion: api.AuthenticationGroup + "/v1", Kind: "SelfSubjectReview"}})
	b, err := c.Do(ctx, http.MethodPost, "/apis/"+api.AuthenticationGroup+"/v1/selfsubjectreviews", review, "")
	if err != nil {
		return "", err
	}
	var out api.SelfSubjectReview
	if err := json.Unmarshal(b, &out); err != nil {
		return "", fmt.Errorf("reading the SelfSubjectReview: %w", err)
	}
	if out.Status.UserInfo.Username == "" {
		return "", errors.New("the apiserver named no user for this token")
	}
	return out.Status.UserInfo.Username, nil
}

// errNotSignedIn is the answer to an action from no one.
var errNotSignedIn = errors.New("sign in first: actions go to the API as you, with your token (kctl create token NAME makes one for a ServiceAccount), and RBAC decides; the dashboard itself may only read")

// act runs one action as the viewer, tells the next page what came of
// it, and goes back to the page the form was on.
func (d *Dashboard) act(w http.ResponseWriter, r *http.Request, name string, fn func(ctx context.Context, c *client.Client) (string, error)) {
	back := returnPath(r.PostForm.Get("return"))
	done, err := d.actAs(r, fn)
	result := "ok"
	if err != nil {
		result = "error"
		setFlash(w, flash{Error: true, Text: errorLine(err)})
	} else {
		setFlash(w, flash{Text: done})
	}
	d.metrics.actions.WithLabelValues(name, result).Inc()
	d.log.Info("action", zap.String("action", name), zap.String("viewer", d.viewerName(r)), zap.String("result", result), zap.Error(err))
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (d *Dashboard) actAs(r *http.Request, fn func(ctx context.Context, c *client.Client) (string, error)) (string, error) {
	tok := viewerToken(r)
	if tok == "" {
		return "", errNotSignedIn
	}
	c, err := d.viewers.as(tok)
	if err != nil {
		return "", err
	}
	return fn(r.Context(), c)
}

// serveScale sets the replicas of a ReplicaSet, Deployment, StatefulSet
// or ReplicationController through its scale subresource, as kctl scale.
func (d *Dashboard) serveScale(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	d.act(w, r, "scale", func(ctx context.Context, c *client.Client) (string, error) {
		res, ok := api.Lookup(f.Get("resource"))
		if !ok || !res.HasSubresource("scale") {
			return "", fmt.Errorf("%q cannot be scaled", f.Get("resource"))
		}
		n, err := strconv.ParseInt(strings.TrimSpace(f.Get("replicas")), 10, 32)
		if err != nil || n < 0 {
			return "", fmt.Errorf("replicas must be a whole number, 0 or more, not %q", f.Get("replicas"))
		}
		ns, name := f.Get("namespace"), f.Get("name")
		patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"replicas": n}})
		if _, err := c.Resource(res).Namespace(ns).Raw(ctx, http.MethodPatch, name, "scale", nil, patch, client.MergePatch); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s scaled to %d", kctl.ObjectLabel(res, name), n), nil
	})
}

// serveDeletePod deletes a pod, gracefully, as kctl delete pod does; its
// controller, if it has one, makes another.
func (d *Dashboard) serveDeletePod(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	d.act(w, r, "delete-pod", func(ctx context.Context, c *client.Client) (string, error) {
		pods, _ := api.Lookup("pods")
		name := f.Get("name")
		if err := c.Resource(pods).Namespace(f.Get("namespace")).Delete(ctx, name, nil); err != nil {
			return "", err
		}
		return fmt.Sprintf("pod/%s deleted: watch it leave, and its controller, if it has one, make another", name), nil
	})
}

// serveCordon marks a node unschedulable, or schedulable again, as kctl
// cordon and uncordon.
func (d *Dashboard) serveCordon(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	d.act(w, r, "cordon", func(ctx context.Context, c *client.Client) (string, error) {
		nodes, _ := api.Lookup("nodes")
		name, on := f.Get("node"), f.Get("cordon") != "false"
		patch, word := `{"spec":{"unschedulable":true}}`, "cordoned"
		if !on {
			patch, word = `{"spec":{"unschedulable":null}}`, "uncordoned"
		}
		if _, err := c.Resource(nodes).Patch(ctx, name, client.MergePatch, []byte(patch), ""); err != nil {
			return "", err
		}
		return "node/" + name + " " + word, nil
	})
}

// errorLine is an error as kubectl prints it: a Status from the server is
// `Error from server (Forbidden): …`.
func errorLine(err error) string {
	if s, ok := client.StatusOf(err); ok {
		if s.Reason == "" {
			return "Error from server: " + s.Message
		}
		return fmt.Sprintf("Error from server (%s): %s", s.Reason, s.Message)
	}
	return "error: " + err.Error()
}
