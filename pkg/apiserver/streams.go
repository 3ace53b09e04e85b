package apiserver

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/auth"
)

// Exec, attach and port-forward reach the kubelet at Kubernetes' kubelet
// paths:
//
//	pods/{name}/exec?container=C&command=…   → /exec/{namespace}/{name}/{C}?…
//	pods/{name}/attach?container=C           → /attach/{namespace}/{name}/{C}?…
//	pods/{name}/portforward                  → /portForward/{namespace}/{name}
//	pods/{name}/log                          → /pods/{namespace}/{name}/log?…
//
// The apiserver names the container, as Kubernetes' streamLocation does:
// the one asked for, or the pod's only one. It does not speak the stream
// protocols itself: the client's upgrade passes through to the kubelet
// (nodeproxy.go), which answers 101 and serves the streams.

// kubeletPath is where on the kubelet info's subresource of pod is
// served, or why the request names no container of pod.
func kubeletPath(pod *api.Pod, info requestInfo, container string) (string, *api.Status) {
	switch info.subresource {
	case "portforward":
		return fmt.Sprintf("/portForward/%s/%s", info.namespace, info.name), nil
	case "exec", "attach":
		c, st := podContainer(pod, container)
		if st != nil {
			return "", st
		}
		return fmt.Sprintf("/%s/%s/%s/%s", info.subresource, info.namespace, info.name, c), nil
	}
	return fmt.Sprintf("/pods/%s/%s/%s", info.namespace, info.name, info.subresource), nil
}

// podContainer is the container a request names, or the pod's only one,
// with Kubernetes' messages for neither.
func podContainer(pod *api.Pod, name string) (string, *api.Status) {
	if name == "" {
		if len(pod.Spec.Containers) == 1 {
			return pod.Spec.Containers[0].Name, nil
		}
		names := func(cs []api.Container) string {
			var out []string
			for _, c := range cs {
				out = append(out, c.Name)
			}
			return "[" + strings.Join(out, " ") + "]"
		}
		msg := fmt.Sprintf("a container name must be specified for pod %s, choose one of: %s", pod.Name, names(pod.Spec.Containers))
		if len(pod.Spec.InitContainers) > 0 {
			msg += " or one of the init containers: " + names(pod.Spec.InitContainers)
		}
		return "", badRequest(msg)
	}
	is := func(c api.Container) bool { return c.Name == name }
	if !slices.ContainsFunc(pod.Spec.Containers, is) && !slices.ContainsFunc(pod.Spec.InitContainers, is) {
		return "", badRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod.Name))
	}
	return name, nil
}

// authorizeStreamUpgrade asks, for a GET to exec, attach or portforward,
// whether the user may also create that subresource. A WebSocket
// handshake must be a GET, which RBAC would judge as "get"; but what it
// opens runs commands in the pod just as the SPDY POST does, so
// Kubernetes (AuthorizePodWebsocketUpgradeCreatePermission, on by
// default since 1.35) checks "create" too, and so does kubelab: a role
// that grants only get on pods/exec reads nothing through it.
func (s *Server) authorizeStreamUpgrade(r *http.Request, info requestInfo) *api.Status {
	if r.Method != http.MethodGet || info.subresource == "log" {
		return nil
	}
	u := userFrom(r.Context())
	if u == nil || s.authz == nil { // no authentication configured
		return nil
	}
	a := attributesOf(r, u)
	a.Verb = "create"
	d, reason, err := s.authz.Authorize(r.Context(), a)
	if d != auth.Allow {
		d, reason, _ = s.authorizeNodeAfresh(r.Context(), a, d, reason, err)
	}
	if d != auth.Allow {
		return forbiddenFor(a, reason)
	}
	return nil
}
