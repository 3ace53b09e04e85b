package kubelet

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kubelet/runtime"
)

// A projected volume is a directory the kubelet fills with files from the
// API: keys of ConfigMaps and Secrets, fields of the pod, and a token of
// the pod's ServiceAccount. Every pod gets one from the apiserver's
// ServiceAccount admission, mounted at
// /var/run/secrets/kubernetes.io/serviceaccount, with what client-go's
// rest.InClusterConfig reads: token, ca.crt (the kube-root-ca.crt
// ConfigMap) and namespace.
//
// Before a pod's containers start, the kubelet writes each of its
// projected volumes to
//
//	<root>/pods/<pod uid>/volumes/kubernetes.io~projected/<volume>
//
// (Kubernetes' own layout; configMap, secret and downwardAPI volumes go
// the same way, volumes_config.go) with atomicwriter.go, and the runtime
// bind-mounts that directory read-only (runtime.ContainerConfig's
// VolumeDirs). A volume it cannot write yet, say its ConfigMap does not
// exist, keeps the pod's containers from starting: they wait
// (ContainerCreating), an event says why (FailedMount, `configmap
// "settings" not found`), and the kubelet tries again with a back-off.
//
// While the pod runs, each sync writes the volume again when it is due:
// every minute (--sync-frequency), to follow its ConfigMaps, Secrets and
// labels, and when its token is due for a refresh (tokens.go); the pod
// is queued again for then. The files change only when
// their content does. A rewrite that fails leaves the files as they were.
// The directory goes with the pod (killPod).

// Timings of projected volumes. The files are written again every
// minute by default (Options.SyncFrequency, --sync-frequency, as
// Kubernetes' kubelet rereads its ConfigMaps and Secrets). The retry of a
// volume that could not be written yet doubles from half a second to
// 2 min 2 s, as Kubernetes' volume manager's does.
const (
	defaultVolumeReread = time.Minute
	mountRetryInitial   = 500 * time.Millisecond
	mountRetryMax       = 2*time.Minute + 2*time.Second
)

// volumeAPI is what the kubelet reads from the API to fill projected
// volumes. The node authorizer lets a kubelet read only the ConfigMaps
// and Secrets its pods name, and ask only for their ServiceAccounts'
// tokens.
type volumeAPI interface {
	tokenAPI
	configAPI
}

// projectedVolumes writes the projected volumes of this node's pods.
type projectedVolumes struct {
	podsDir  string // <root>/pods
	api      volumeAPI
	tokens   *tokenManager
	events   eventRecorder
	now      func() time.Time
	log      *zap.Logger
	reread   time.Duration // how long written files stand before the sources are read again
	failures *backoff      // by "uid/volume", for volumes not written yet

	// Optional: the node's allocatable, for a container without limits
	// (env_resources.go); and a tmpfs for Secrets (volumes_config.go).
	allocatable api.ResourceList
	tmpfs       runtime.TmpfsMounter

	mu   sync.Mutex
	next map[string]time.Time // "uid/volume" → when to write it again; absent: not written by this kubelet
}

// newProjectedVolumes writes volumes under podsDir, reading their sources
// again every reread (0: a minute).
func newProjectedVolumes(podsDir string, a volumeAPI, events eventRecorder, now func() time.Time, reread time.Duration, log *zap.Logger) *projectedVolumes {
	if abs, err := filepath.Abs(podsDir); err == nil {
		podsDir = abs // a runtime bind-mounts from absolute paths only
	}
	if reread <= 0 {
		reread = defaultVolumeReread
	}
	return &projectedVolumes{podsDir: podsDir, api: a, tokens: newTokenManager(a, now, log), events: events, now: now, log: log,
		reread: reread, failures: newBackoff(mountRetryInitial, mountRetryMax), next: map[string]time.Time{}}
}

// mountVolumes writes pod's projected volumes, and reports whether its
// containers may start. When they may not, each container that has not
// run yet waits, with the reason, until the next try.
func (w *podWorkers) mountVolumes(ctx context.Context, pod *api.Pod, cs []runtime.Container, step *syncStep) bool {
	retry, err := w.setUpVolumes(ctx, pod) // projected, then hostPath and claims (volumes_pvc.go)
	if err == nil {
		// Come back when a volume is due, to follow its sources.
		step.after(retry)
		return true
	}
	runs := containerHistory(cs)
	for _, c := range slices.Concat(pod.Spec.InitContainers, pod.Spec.Containers) {
		if len(runs[c.Name]) == 0 {
			step.wait(c.Name, reasonContainerCreating, err.Error(), retry)
		}
	}
	return false
}

// setUp writes each of pod's volumes from the API (projected, and
// configMap, secret and downwardAPI ones as the projection they stand
// for, volumes_config.go) that is due. A failure is an event
// (FailedMount). The error means a volume could not be written and has
// no files from before: the containers must not start; retry says when
// to try again. Without an error, retry is when the first volume is due
// again (0: none).
func (v *projectedVolumes) setUp(ctx context.Context, pod *api.Pod) (retry time.Duration, err error) {
	now := v.now()
	var first time.Time
	for i := range pod.Spec.Volumes {
		vol := &pod.Spec.Volumes[i]
		pr, plugin := asProjection(vol)
		if pr == nil {
			continue
		}
		key, dir := pod.UID+"/"+vol.Name, v.dir(pod.UID, plugin, vol.Name)
		v.mu.Lock()
		next, written := v.next[key]
		v.mu.Unlock()
		if written && now.Before(next) {
			if first.IsZero() || next.Before(first) {
				first = next
			}
			continue
		}
		var due time.Time
		err := v.prepare(plugin, dir)
		if err == nil {
			due, err = v.write(ctx, pod, pr, dir, now)
		}
		if err != nil {
			err = fmt.Errorf("MountVolume.SetUp failed for volume %q : %w", vol.Name, err)
			v.events.Eventf(pod, api.EventWarning, "FailedMount", "%v", err)
			if !written && !hasVersion(dir) {
				v.failures.next(key, now)
				return v.failures.delay(key), err
			}
			v.log.Warn("keeping a projected volume's files as they are", zap.String("pod", podDesc(pod)), zap.Error(err))
			due = now.Add(v.reread)
		}
		v.mu.Lock()
		v.next[key] = due
		v.mu.Unlock()
		if first.IsZero() || due.Before(first) {
			first = due
		}
	}
	if first.IsZero() {
		return 0, nil
	}
	return max(first.Sub(now), time.Millisecond), nil
}

// write writes one volume to dir, and returns when to write it again.
func (v *projectedVolumes) write(ctx context.Context, pod *api.Pod, pr *api.ProjectedVolumeSource, dir string, now time.Time) (time.Time, error) {
	files, due, err := v.files(ctx, pod, pr)
	if err != nil {
		return time.Time{}, err
	}
	if reread := now.Add(v.reread); due.IsZero() || reread.Before(due) {
		due = reread
	}
	changed, err := writeAtomic(dir, files, now)
	if err != nil {
		return time.Time{}, err
	}
	if changed {
		v.log.Debug("wrote a projected volume", zap.String("pod", podDesc(pod)), zap.String("dir", dir), zap.Int("files", len(files)))
	}
	return due, nil
}

// files works out a projected volume's files, source by source, and when
// its token (if it has one) is due for a refresh.
func (v *projectedVolumes) files(ctx context.Context, pod *api.Pod, pr *api.ProjectedVolumeSource) (map[string]volumeFile, time.Time, error) {
	mode := fs.FileMode(api.DefaultProjectedMode)
	if pr.DefaultMode != nil {
		mode = fs.FileMode(*pr.DefaultMode)
	}
	out := map[string]volumeFile{}
	var due time.Time
	for _, src := range pr.Sources {
		var err error
		switch {
		case src.ConfigMap != nil:
			err = v.configMapFiles(ctx, pod.Namespace, src.ConfigMap, mode, out)
		case src.Secret != nil:
			err = v.secretFiles(ctx, pod.Namespace, src.Secret, mode, out)
		case src.DownwardAPI != nil:
			err = downwardAPIFiles(pod, src.DownwardAPI, mode, v.allocatable, out)
		case src.ServiceAccountToken != nil:
			t := src.ServiceAccountToken
			seconds := api.DefaultTokenExpirationSeconds
			if t.ExpirationSeconds != nil {
				seconds = *t.ExpirationSeconds
			}
			var token string
			var refresh time.Time
			if token, refresh, err = v.tokens.get(ctx, pod, t.Audience, seconds); err == nil {
				out[t.Path] = volumeFile{data: []byte(token), mode: mode}
				if due.IsZero() || refresh.Before(due) {
					due = refresh
				}
			}
		}
		if err != nil {
			return nil, time.Time{}, err
		}
	}
	return out, due, nil
}

func (v *projectedVolumes) configMapFiles(ctx context.Context, namespace string, src *api.ConfigMapProjection, mode fs.FileMode, out map[string]volumeFile) error {
	optional := src.Optional != nil && *src.Optional
	cm, err := v.api.GetConfigMap(ctx, namespace, src.Name)
	switch {
	case client.IsNotFound(err) && optional:
		return nil
	case client.IsNotFound(err):
		return fmt.Errorf("configmap %q not found", src.Name)
	case err != nil:
		return fmt.Errorf("get configmap %q: %w", src.Name, err)
	}
	data := map[string][]byte{}
	for k, s := range cm.Data {
		data[k] = []byte(s)
	}
	for k, b := range cm.BinaryData {
		data[k] = b
	}
	return keyFiles(data, src.Items, optional, mode, out, "configmap references non-existent config key: %s")
}

func (v *projectedVolumes) secretFiles(ctx context.Context, namespace string, src *api.SecretProjection, mode fs.FileMode, out map[string]volumeFile) error {
	optional := src.Optional != nil && *src.Optional
	s, err := v.api.GetSecret(ctx, namespace, src.Name)
	switch {
	case client.IsNotFound(err) && optional:
		return nil
	case client.IsNotFound(err):
		return fmt.Errorf("secret %q not found", src.Name)
	case err != nil:
		return fmt.Errorf("get secret %q: %w", src.Name, err)
	}
	return keyFiles(s.Data, src.Items, optional, mode, out, "references non-existent secret key: %s")
}

// keyFiles puts keys of a ConfigMap or Secret into out: those items name,
// at their paths, or every key at a file of its name. missing is the
// message of a key an item names that data lacks; an optional source
// skips such a key.
func keyFiles(data map[string][]byte, items []api.KeyToPath, optional bool, mode fs.FileMode, out map[string]volumeFile, missing string) error {
	if len(items) == 0 {
		for k, b := range data {
			out[k] = volumeFile{data: b, mode: mode}
		}
		return nil
	}
	for _, it := range items {
		b, ok := data[it.Key]
		switch {
		case !ok && optional:
			continue
		case !ok:
			return fmt.Errorf(missing, it.Key)
		}
		m := mode
		if it.Mode != nil {
			m = fs.FileMode(*it.Mode)
		}
		out[it.Path] = volumeFile{data: b, mode: m}
	}
	return nil
}

// downwardAPIFiles writes fields of the pod, and limits and requests of
// its containers (with the node's allocatable for the limits they do not
// set).
func downwardAPIFiles(pod *api.Pod, src *api.DownwardAPIProjection, mode fs.FileMode, allocatable api.ResourceList, out map[string]volumeFile) error {
	for _, it := range src.Items {
		var s string
		var err error
		switch {
		case it.FieldRef != nil:
			s, err = volumeField(pod, it.FieldRef.FieldPath)
		case it.ResourceFieldRef != nil:
			s, err = containerResource(pod, nil, it.ResourceFieldRef, allocatable)
		}
		if err != nil {
			return fmt.Errorf("downwardAPI file %q: %w", it.Path, err)
		}
		m := mode
		if it.Mode != nil {
			m = fs.FileMode(*it.Mode)
		}
		out[it.Path] = volumeFile{data: []byte(s), mode: m}
	}
	return nil
}

// volumeField is a pod field as a downwardAPI file holds it: labels and
// annotations one key="value" a line, sorted, as Kubernetes' FormatMap
// writes them; one label or any other field, its value.
func volumeField(pod *api.Pod, path string) (string, error) {
	var m map[string]string
	switch path {
	case "metadata.labels":
		m = pod.Labels
	case "metadata.annotations":
		m = pod.Annotations
	default:
		return podField(pod, path, "", "")
	}
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		lines = append(lines, fmt.Sprintf("%s=%q", k, m[k]))
	}
	return strings.Join(lines, "\n"), nil
}

// dir is where volume name of the pod with uid is written, in the
// directory of its plugin (kubernetes.io~projected …).
func (v *projectedVolumes) dir(uid, plugin, name string) string {
	return filepath.Join(v.podsDir, uid, "volumes", plugin, name)
}

// dirs are the directories of pod's volumes from the API, by name, for
// the runtime to mount.
func (v *projectedVolumes) dirs(pod *api.Pod) map[string]string {
	var out map[string]string
	for i := range pod.Spec.Volumes {
		vol := &pod.Spec.Volumes[i]
		if pr, plugin := asProjection(vol); pr != nil {
			if out == nil {
				out = map[string]string{}
			}
			out[vol.Name] = v.dir(pod.UID, plugin, vol.Name)
		}
	}
	return out
}

// hasVersion reports whether dir holds files from an earlier write (of
// this kubelet, or of one before a restart).
func hasVersion(dir string) bool {
	_, err := os.Readlink(filepath.Join(dir, dataDirName))
	return err == nil
}

// tearDown removes the volumes from the API of the pod with uid (and
// the tmpfs of its Secrets), and forgets its tokens. The runtime's
// containers of the pod are gone by now.
func (v *projectedVolumes) tearDown(uid string) error {
	if uid == "" || !filepath.IsLocal(uid) || filepath.Base(uid) != uid {
		return fmt.Errorf("remove projected volumes: bad pod uid %q", uid)
	}
	v.tokens.forget(uid)
	v.failures.forget(uid + "/")
	v.mu.Lock()
	for key := range v.next {
		if strings.HasPrefix(key, uid+"/") {
			delete(v.next, key)
		}
	}
	v.mu.Unlock()
	podDir := filepath.Join(v.podsDir, uid)
	for _, plugin := range apiVolumePlugins {
		if err := v.removePlugin(filepath.Join(podDir, "volumes", plugin)); err != nil {
			return fmt.Errorf("remove projected volumes: %w", err)
		}
	}
	// What is left, when the runtime keeps nothing of its own there (the
	// fake runtime): removed if empty, kept if not.
	os.Remove(filepath.Join(podDir, "volumes"))
	os.Remove(podDir)
	return nil
}
