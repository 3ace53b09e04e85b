package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// Volume binding, the writer half. A claim of a WaitForFirstConsumer
// class gets its volume only once the scheduler has chosen a node for
// the first pod using it: the scheduler writes the choice on the claim
// (annotation volume.kubernetes.io/selected-node), the provisioner makes
// a volume on that node, and the PV controller binds the two. Only then
// is the pod bound, so that the kubelet never starts a pod whose volume
// does not exist yet. Kubernetes does this in VolumeBinding's PreBind,
// which holds a goroutine for up to ten minutes; kubelab keeps the pod
// assumed on its node (so no other pod takes its room) and takes its key
// back off the queue whenever a claim or volume changes:
//
//	decide    → filters pass on node-1; assume; claim "data" unbound
//	write     → patch claim data: selected-node=node-1;
//	            PodScheduled=False WaitingForVolumeBinding
//	          … provisioner makes pvc-<uid>; PV controller binds it …
//	decide    → the pod waits for volumes: all bound now
//	write     → bind the pod to node-1
//
// If the claims are not bound within bindTimeout, or the node or a claim
// stops fitting meanwhile, the wait is given up and the pod is decided
// afresh.

// ClaimPatcher changes a PersistentVolumeClaim with a merge patch.
type ClaimPatcher interface {
	PatchClaim(ctx context.Context, namespace, name string, mergePatch []byte) error
}

const (
	// bindTimeout is how long a pod waits on its node for its claims to
	// be bound (Kubernetes' bindTimeoutSeconds).
	bindTimeout = 10 * time.Minute
	// volumeRetry is how soon a waiting pod looks again when no claim
	// event has come; events usually bring it back sooner.
	volumeRetry = 5 * time.Second
	// ReasonWaitingForVolumes is the reason of the PodScheduled=False
	// condition of a pod waiting for its claims.
	ReasonWaitingForVolumes = "WaitingForVolumeBinding"
)

// volumeWait is a pod placed on a node, waiting for its claims.
type volumeWait struct {
	o     outcome
	first time.Time // when the pod was first seen pending
	since time.Time // when the wait began
}

// errWaitingForVolumes is the outcome of a write that left the pod
// waiting: not a failure, the pod comes back after volumeRetry.
type errWaitingForVolumes struct {
	node   string
	claims []string // unbound, by name
}

func (e *errWaitingForVolumes) Error() string {
	return fmt.Sprintf("waiting for volume binding on %s: persistentvolumeclaim %s not bound yet",
		e.node, strings.Join(quoteAll(e.claims), ", "))
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// unboundClaims names the claims of pod that are not bound yet.
func unboundClaims(pod *PodInfo) []string {
	var out []string
	for i := range pod.Claims {
		if !pod.Claims[i].Bound() {
			out = append(out, pod.Claims[i].Name)
		}
	}
	return out
}

// startVolumeWait, under s.mu, for a pod just assumed on o.node: if
// some of its claims are unbound, the pod waits for them, and the write
// returned asks for their volumes. nil means there is nothing to wait
// for.
func (s *Scheduler) startVolumeWait(pod *api.Pod, info *PodInfo, o outcome, first time.Time) func(context.Context) error {
	if len(unboundClaims(info)) == 0 {
		return nil
	}
	s.volumeWaits[client.KeyOf(pod)] = &volumeWait{o: o, first: first, since: s.now()}
	return func(ctx context.Context) error { return s.awaitVolumes(ctx, pod, info, o.node) }
}

// continueVolumeWait, under s.mu, for a pod that is waiting: bind it if
// its claims are bound, ask again if not, or give the wait up (and return
// nil, so that the pod is decided afresh) if the node or a claim no
// longer fits, or the wait has taken too long.
func (s *Scheduler) continueVolumeWait(pod *api.Pod, info *PodInfo, w *volumeWait) func(context.Context) error {
	key := client.KeyOf(pod)
	giveUp := func(why string) func(context.Context) error {
		s.snap.Forget(key)
		delete(s.volumeWaits, key)
		s.events.Eventf(pod, api.EventWarning, "FailedScheduling", "running PreBind plugin \"VolumeBinding\": %s", why)
		s.log.Info("volume binding given up", zap.String("pod", key), zap.String("node", w.o.node), zap.String("why", why))
		return nil
	}
	node := s.snap.Node(w.o.node)
	if node == nil {
		return giveUp(fmt.Sprintf("node %q is gone", w.o.node))
	}
	if ok, reason := VolumeBinding(info, node); !ok {
		return giveUp(reason)
	}
	if len(unboundClaims(info)) == 0 {
		delete(s.volumeWaits, key)
		return func(ctx context.Context) error { return s.bind(ctx, pod, w.o, w.first) }
	}
	if s.now().Sub(w.since) > bindTimeout {
		return giveUp("binding volumes: timed out waiting for the condition")
	}
	return func(ctx context.Context) error { return s.awaitVolumes(ctx, pod, info, w.o.node) }
}

// awaitVolumes writes the selected node on each unbound claim that does
// not name it yet, and says on the pod what it waits for.
func (s *Scheduler) awaitVolumes(ctx context.Context, pod *api.Pod, info *PodInfo, node string) error {
	for i := range info.Claims {
		c := &info.Claims[i]
		if c.Bound() || c.Claim.Annotations[api.SelectedNodeAnnotation] == node {
			continue
		}
		patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
			"annotations": map[string]string{api.SelectedNodeAnnotation: node}}})
		if err != nil {
			return err
		}
		if s.claims == nil {
			return fmt.Errorf("persistentvolumeclaim %q: the scheduler has no ClaimPatcher", c.Name)
		}
		if err := s.claims.PatchClaim(ctx, c.Claim.Namespace, c.Claim.Name, patch); err != nil {
			return fmt.Errorf("selecting node %s for persistentvolumeclaim %q: %w", node, c.Name, err)
		}
	}
	wait := &errWaitingForVolumes{node: node, claims: unboundClaims(info)}
	if err := s.setNotScheduled(ctx, pod, ReasonWaitingForVolumes, wait.Error()); err != nil {
		return fmt.Errorf("%s; setting the PodScheduled condition: %w", wait.Error(), err)
	}
	return wait
}

// VolumeHandler is the handler for informers of claims, volumes and
// storage classes: any change may let a waiting pod be bound, or a pod
// that fit nowhere fit somewhere.
func (s *Scheduler) VolumeHandler() client.Handler {
	return client.Handler{
		OnAdd:    func(api.Object) { s.volumesChanged() },
		OnUpdate: func(_, _ api.Object) { s.volumesChanged() },
		OnDelete: func(api.Object) { s.volumesChanged() },
	}
}

func (s *Scheduler) volumesChanged() {
	s.mu.Lock()
	keys := make([]string, 0, len(s.volumeWaits))
	for k := range s.volumeWaits {
		keys = append(keys, k)
	}
	s.mu.Unlock()
	for _, k := range keys {
		s.queue.Add(k)
	}
	s.retryUnschedulable()
}
