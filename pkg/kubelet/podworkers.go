package kubelet

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kubelet/runtime"
)

// podLister reads the pods bound to this node from the informer's cache.
// Pods are shared with the cache: copy before changing one.
type podLister interface {
	Get(key string) (api.Object, bool)
	List() []api.Object
}

var _ podLister = (*client.Informer)(nil)

// objectGetter reads one object of an informer's cache by key.
type objectGetter interface {
	Get(key string) (api.Object, bool)
}

// podAPI is every write the pod workers make: a pod's status, and the final
// delete of a pod whose containers are gone.
type podAPI interface {
	UpdatePodStatus(ctx context.Context, pod *api.Pod) (*api.Pod, error)
	DeletePod(ctx context.Context, namespace, name string, opts *api.DeleteOptions) error
}

// eventRecorder says what the kubelet did to a pod, as Events.
type eventRecorder interface {
	Eventf(obj api.Object, eventType, reason, format string, args ...any)
}

var _ eventRecorder = (*client.Recorder)(nil)

// How long to wait before looking at a pod again when a container could not
// start for a reason no event will announce the end of (an image that
// might appear, a config error the user might fix).
const retryPeriod = 10 * time.Second

// orphanGrace is the grace period of containers whose pod is gone from the
// API, so their grace period is unknown (Kubernetes' minimum, 2 s).
const orphanGrace = 2 * time.Second

// podWorkers run the pods bound to this node. Their heart is sync, called
// with a pod key by the worker loop; everything it needs is passed in, so
// tests drive it with a FakeRuntime and fakes of the API.
type podWorkers struct {
	hostIP  string // the node's InternalIP: status.hostIP, and hostNetwork pods' IP
	runtime runtime.Runtime
	pods    podLister
	api     podAPI
	events  eventRecorder
	ipam    *IPAM
	metrics *metrics
	log     *zap.Logger
	now     func() time.Time
	requeue func(key string, after time.Duration) // the queue's AddAfter

	// Optional: a runtime of real processes brings them; the fake runtime
	// none, and then pods are not wired, not probed, and have no
	// directories to remove.
	network    runtime.PodNetwork                                // wires each sandbox's eth0
	sandboxPID func(ctx context.Context, id string) (int, error) // where a sandbox's namespace is; set with network
	probes     *probeManager                                     // nil: a running container is started and ready
	hooks      hookFunc                                          // runs lifecycle hooks (lifecycle.go); nil: none run
	podDirs    runtime.PodDirRemover

	// Optional: what containers learn of the cluster. nil services: no
	// KUBERNETES_SERVICE_* variables; nil dns: an empty ResolvConf.
	services    objectGetter // the kubernetes Service in namespace default, from an informer
	dns         *podDNS
	volumes     *projectedVolumes // writes the files of volumes from the API (projected.go); nil: they stay unwritten
	hostVolumes *hostVolumes      // hostPath checks and claims followed to their volumes (volumes_pvc.go); nil: neither
	config      configAPI         // ConfigMaps and Secrets for env; nil: a container that needs one cannot start
	allocatable api.ResourceList  // the node's, the limits of a container that sets none (env_resources.go)

	crashBackoff  *backoff // per pod UID and container name
	pullBackoff   *backoff // per pod UID and image
	configBackoff *backoff // per pod UID and container name, while its environment cannot be made

	mu        sync.Mutex
	sent      map[string]sentStatus // pod UID → the status last written
	uids      map[string]string     // pod key → UID last seen, to clean up after a pod that vanished
	firstSeen map[string]time.Time  // pod UID → when first seen, for the start-latency metric
	wired     map[string]string     // pod UID → the sandbox this kubelet wired, or found wired
}

// sentStatus is a status written for a pod read at resourceVersion basedOn.
// Until the informer brings a newer pod, the same status is not sent again.
type sentStatus struct {
	basedOn string
	status  api.PodStatus
}

// newPodWorkers fills in the rest of w, whose dependencies are set.
func newPodWorkers(w *podWorkers) *podWorkers {
	w.crashBackoff = newBackoff(backoffInitial, backoffMax)
	w.pullBackoff = newBackoff(backoffInitial, backoffMax)
	w.configBackoff = newBackoff(configRetryInitial, configRetryMax)
	w.sent, w.uids, w.firstSeen, w.wired = map[string]sentStatus{}, map[string]string{}, map[string]time.Time{}, map[string]string{}
	if w.log == nil {
		w.log = zap.NewNop()
	}
	if w.now == nil {
		w.now = time.Now
	}
	if w.requeue == nil {
		w.requeue = func(string, time.Duration) {}
	}
	return w
}

// sync makes the runtime match one pod, level-triggered: desired is the pod
// in the informer's cache (or its absence), actual is what the runtime
// lists for it. Whatever happened before, and however many events led
// here, one call moves actual one step toward desired and reports status:
//
//	pod gone, containers left     → stop and remove them, release the IP
//	pod being deleted             → stop (grace), remove, release, delete grace 0
//	pod finished (Succeeded/Failed) → stop the sandbox, release the IP
//	otherwise                     → sandbox, init containers, containers, status
func (w *podWorkers) sync(ctx context.Context, key string) error {
	all, err := w.runtime.ListContainers(ctx)
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	var pod *api.Pod
	if obj, ok := w.pods.Get(key); ok {
		pod = obj.(*api.Pod)
	}
	var mine []runtime.Container
	orphans := map[string][]runtime.Container{} // by pod UID
	for _, c := range all {
		switch {
		case c.PodKey() != key:
		case pod != nil && c.PodUID == pod.UID:
			mine = append(mine, c)
		default:
			orphans[c.PodUID] = append(orphans[c.PodUID], c)
		}
	}
	w.mu.Lock()
	if uid, ok := w.uids[key]; ok && (pod == nil || pod.UID != uid) && orphans[uid] == nil {
		orphans[uid] = nil // gone before it had containers: still holds an IP
	}
	if pod != nil {
		w.uids[key] = pod.UID
	} else {
		delete(w.uids, key)
	}
	w.mu.Unlock()

	// Containers of a pod the API no longer has, or of an earlier pod of the
	// same name (deleted and created again while the kubelet was away).
	for uid, cs := range orphans {
		if len(cs) > 0 {
			w.log.Info("removing the containers of a pod that is gone", zap.String("pod", key), zap.String("uid", uid), zap.Int("containers", len(cs)))
		}
		if err := w.killPod(ctx, nil, uid, cs, orphanGrace); err != nil {
			return err
		}
	}
	switch {
	case pod == nil:
		return nil
	case pod.DeletionTimestamp != nil:
		return w.terminate(ctx, pod, mine)
	case isTerminal(pod.Status.Phase):
		return w.finish(ctx, pod, mine)
	}
	return w.run(ctx, key, pod, mine)
}

// run starts what is missing of a pod and reports its status.
func (w *podWorkers) run(ctx context.Context, key string, pod *api.Pod, cs []runtime.Container) error {
	w.noteFirstSeen(pod, cs)
	step := &syncStep{waiting: map[string]api.ContainerStateWaiting{}}
	podIP, err := w.podIP(pod)
	if err != nil {
		w.events.Eventf(pod, api.EventWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: %v", err)
	} else {
		err = w.start(ctx, pod, podIP, cs, step)
	}
	// Report what the runtime has now, including what was just started,
	// even if a step failed: the status should say how far the pod got.
	cs, lerr := w.podContainers(ctx, pod.UID)
	if lerr != nil {
		return fmt.Errorf("list containers: %w", lerr)
	}
	st := computePodStatus(statusInput{pod: pod, containers: cs, waiting: step.waiting, probes: w.probeContainers(pod, podIP, cs),
		podIP: podIP, hostIP: w.hostIP, now: w.now()})
	if werr := w.writeStatus(ctx, pod, st); werr != nil && err == nil {
		err = werr
	}
	if step.retryAfter > 0 {
		w.requeue(key, step.retryAfter)
	}
	return err
}

// syncStep collects what one sync could not do yet: why each container
// that should run does not, and when to look again.
type syncStep struct {
	waiting    map[string]api.ContainerStateWaiting
	retryAfter time.Duration // 0: nothing to wait for
}

func (s *syncStep) wait(container, reason, message string, retry time.Duration) {
	s.waiting[container] = api.ContainerStateWaiting{Reason: reason, Message: message}
	s.after(retry)
}

// after asks to look at the pod again within retry (0: no need).
func (s *syncStep) after(retry time.Duration) {
	if retry > 0 && (s.retryAfter == 0 || retry < s.retryAfter) {
		s.retryAfter = retry
	}
}

// podIP is the pod's address: the node's own for a hostNetwork pod, else
// one from the node's pod CIDR, allocated on first use.
func (w *podWorkers) podIP(pod *api.Pod) (string, error) {
	if pod.Spec.HostNetwork {
		return w.hostIP, nil
	}
	ip, err := w.ipam.Allocate(pod.UID)
	if err != nil {
		return "", fmt.Errorf("allocate an IP for pod %s: %w", client.KeyOf(pod), err)
	}
	return ip, nil
}

// probeContainers starts and stops the probes of the pod's containers as
// they run and stop, and says what the probes found of each running one.
// nil means no prober: every running container is started and ready.
func (w *podWorkers) probeContainers(pod *api.Pod, podIP string, cs []runtime.Container) map[string]probeStatus {
	if w.probes == nil {
		return nil
	}
	running := map[string]runtime.Container{}
	for name, runs := range containerHistory(cs) {
		if runs[0].State == runtime.ContainerRunning {
			running[name] = runs[0]
		}
	}
	w.probes.ensure(pod, podIP, running)
	out := map[string]probeStatus{}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		if r, ok := running[c.Name]; ok {
			out[c.Name] = w.probes.status(pod.UID, c, r)
		}
	}
	return out
}

// podContainers lists the runtime's containers of the pod with uid.
func (w *podWorkers) podContainers(ctx context.Context, uid string) ([]runtime.Container, error) {
	all, err := w.runtime.ListContainers(ctx)
	if err != nil {
		return nil, err
	}
	var out []runtime.Container
	for _, c := range all {
		if c.PodUID == uid {
			out = append(out, c)
		}
	}
	return out, nil
}

// writeStatus sends st if the pod does not already have it. The pod is the
// informer's: the write carries its resourceVersion, so a status computed
// from a stale pod is refused (409) and the sync runs again on the new one.
func (w *podWorkers) writeStatus(ctx context.Context, pod *api.Pod, st api.PodStatus) error {
	w.observeStart(pod, st)
	if statusEqual(pod.Status, st) {
		return nil
	}
	w.mu.Lock()
	sent, ok := w.sent[pod.UID]
	w.mu.Unlock()
	if ok && sent.basedOn == pod.ResourceVersion && statusEqual(sent.status, st) {
		return nil // written already; the cache has not caught up yet
	}
	p := api.DeepCopy(pod)
	p.Status = st
	if _, err := w.api.UpdatePodStatus(ctx, p); err != nil {
		return fmt.Errorf("update status: %w", err)
	}
	w.mu.Lock()
	w.sent[pod.UID] = sentStatus{basedOn: pod.ResourceVersion, status: st}
	w.mu.Unlock()
	return nil
}

// noteFirstSeen starts the pod-start clock of a pod this kubelet has not
// started yet.
func (w *podWorkers) noteFirstSeen(pod *api.Pod, cs []runtime.Container) {
	if len(cs) > 0 || pod.Status.StartTime != nil {
		return // adopted, or started before a restart: its start was measured then
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.firstSeen[pod.UID]; !ok {
		w.firstSeen[pod.UID] = w.now()
	}
}

// observeStart records the pod-start latency once every container of the
// pod runs.
func (w *podWorkers) observeStart(pod *api.Pod, st api.PodStatus) {
	for _, cs := range st.ContainerStatuses {
		if cs.State.Running == nil {
			return
		}
	}
	w.mu.Lock()
	seen, ok := w.firstSeen[pod.UID]
	delete(w.firstSeen, pod.UID)
	w.mu.Unlock()
	if ok && w.metrics != nil {
		w.metrics.podStart.Observe(w.now().Sub(seen).Seconds())
	}
}

// forget drops what the workers remember of a pod that is gone.
func (w *podWorkers) forget(uid string) {
	if w.probes != nil {
		w.probes.forget(uid)
	}
	w.crashBackoff.forget(uid + "/")
	w.pullBackoff.forget(uid + "/")
	w.configBackoff.forget(uid + "/")
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.sent, uid)
	delete(w.firstSeen, uid)
	delete(w.wired, uid)
}

// podDesc names a pod in messages as Kubernetes does: name_namespace(uid).
func podDesc(pod *api.Pod) string {
	return fmt.Sprintf("%s_%s(%s)", pod.Name, pod.Namespace, pod.UID)
}
