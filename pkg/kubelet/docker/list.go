package docker

import (
	"context"
	"fmt"
	"slices"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"kubelab/pkg/kubelet/runtime"
)

// ListContainers implements runtime.Runtime: every container with this
// node's label, running or exited, oldest first.
//
// Docker's list does not say how a container exited, nor exactly when
// it started, so a container is inspected too, but only when the list
// shows it in a state it was not in at the last look: what inspect tells
// of a running container stays true while it runs, and of an exited one
// for good. The kubelet lists every second and on every pod sync, so this
// turns a call per container into one call in all, most of the time.
func (r *Runtime) ListContainers(ctx context.Context) ([]runtime.Container, error) {
	list, err := r.docker.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", runtime.LabelNode+"="+r.node),
	})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	out := make([]runtime.Container, 0, len(list.Items))
	seen := make(map[string]inspected, len(list.Items))
	for _, item := range list.Items {
		c, ok := r.inspected(item.ID, item.State)
		if !ok {
			res, err := r.docker.ContainerInspect(ctx, item.ID, client.ContainerInspectOptions{})
			if cerrdefs.IsNotFound(err) {
				continue // removed since the list
			}
			if err != nil {
				return nil, fmt.Errorf("inspect container %s: %w", item.ID, err)
			}
			if c, ok = fromInspect(r.node, res.Container); !ok {
				continue
			}
		}
		seen[item.ID] = inspected{state: item.State, c: c}
		out = append(out, c)
	}
	r.mu.Lock()
	r.inspections = seen // what is not listed any more is forgotten
	r.mu.Unlock()
	slices.SortStableFunc(out, func(a, b runtime.Container) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// inspected is what inspect said of a container, and its state in the
// list then.
type inspected struct {
	state container.ContainerState
	c     runtime.Container
}

// inspected returns the container as last inspected, if the list still
// shows it in the same state.
func (r *Runtime) inspected(id string, state container.ContainerState) (runtime.Container, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	in, ok := r.inspections[id]
	if !ok || in.state != state || state == container.StateCreated {
		return runtime.Container{}, false // created: about to start or failed to, ask again
	}
	return in.c, true
}

// fromInspect translates what Docker knows of a container into what the
// kubelet needs. ok is false for a container that is not node's.
func fromInspect(node string, in container.InspectResponse) (c runtime.Container, ok bool) {
	if in.Config == nil || in.State == nil {
		return runtime.Container{}, false
	}
	c, ok = runtime.ContainerFromLabels(node, in.Config.Labels)
	if !ok {
		return runtime.Container{}, false
	}
	c.ID = idPrefix + in.ID
	c.Image = in.Config.Image // as the pod spec named it
	c.ImageID = in.Image      // sha256:… it resolved to
	c.CreatedAt = parseTime(in.Created)
	c.StartedAt = parseTime(in.State.StartedAt)
	if in.State.Running { // also paused or restarting: the process is there
		c.State = runtime.ContainerRunning
		return c, true
	}
	c.State = runtime.ContainerExited
	c.ExitCode = int32(in.State.ExitCode)
	c.FinishedAt = parseTime(in.State.FinishedAt)
	switch {
	case c.StartedAt.IsZero():
		// Created, never started: the command was not found, a mount
		// failed … Docker says 127 or 126 here; Kubernetes says 128 and
		// StartError, and so does runtime.Runtime. A container caught
		// between create and start looks the same for a moment.
		c.ExitCode, c.Reason, c.Message = 128, "StartError", in.State.Error
		if c.Message == "" {
			c.Message = "created but not started"
		}
		if c.FinishedAt.IsZero() {
			c.FinishedAt = c.CreatedAt // back-off counts from here
		}
	case in.State.OOMKilled:
		c.Reason = "OOMKilled"
	}
	return c, true
}

// parseTime reads Docker's RFC 3339 times; Docker's "not yet"
// (0001-01-01T00:00:00Z) and anything unreadable are the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}
