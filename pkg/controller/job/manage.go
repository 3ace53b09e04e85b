package job

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// manage creates or deletes pods until the active ones number what the Job
// wants now (wantActive). New pods wait out the back-off after failures:
// the key comes back when it is over. Kubernetes caps one sync at 500
// creations and creates in batches of 1, 2, 4 … (manageJob in
// job_controller.go); here the first error stops the round.
func (c *Controller) manage(ctx context.Context, key string, j *api.Job, s *observed, now time.Time) error {
	if isIndexed(j) {
		return c.manageIndexed(ctx, key, j, s, now)
	}
	want := wantActive(j, s.succeeded, len(s.active))
	switch active := len(s.active); {
	case active > want:
		c.expectations.Expect(key, 0, keysOf(s.active[:active-want]))
		rest, err := c.deletePods(ctx, j, s.active[:active-want])
		s.active = append(rest, s.active[active-want:]...)
		return err
	case active < want:
		if wait := backoffRemaining(s, now); wait > 0 {
			c.after(key, wait)
			return nil
		}
		pods := make([]*api.Pod, want-active)
		for i := range pods {
			pods[i] = podFromTemplate(j, -1)
		}
		c.expectations.Expect(key, len(pods), nil)
		created, err := c.createPods(ctx, key, j, pods)
		s.active = append(s.active, created...)
		return err
	}
	return nil
}

// wantActive is how many pods should run now: parallelism, but no more
// than the completions still missing. A Job without completions is a work
// queue: once one pod has succeeded the work is done, and the others are
// left to finish.
func wantActive(j *api.Job, succeeded int32, active int) int {
	p := int(parallelism(j))
	if j.Spec.Completions == nil {
		if succeeded > 0 {
			return active
		}
		return p
	}
	return max(0, min(p, int(*j.Spec.Completions-succeeded)))
}

// manageIndexed runs one pod per missing index: it deletes pods whose index
// is done already, out of range or run twice, and the highest indexes
// beyond parallelism, then creates pods for the lowest indexes that
// neither succeeded nor run.
func (c *Controller) manageIndexed(ctx context.Context, key string, j *api.Job, s *observed, now time.Time) error {
	completions := *j.Spec.Completions
	running := map[int]*api.Pod{}
	var keep, extra []*api.Pod
	for _, p := range s.active {
		i, ok := indexOf(p, completions)
		if !ok || s.indexes.has(i) || running[i] != nil {
			extra = append(extra, p)
			continue
		}
		running[i] = p
		keep = append(keep, p)
	}
	slices.SortFunc(keep, func(a, b *api.Pod) int {
		ia, _ := indexOf(a, completions)
		ib, _ := indexOf(b, completions)
		return ia - ib
	})
	want := wantActive(j, s.succeeded, len(keep))
	if len(keep) > want {
		for _, p := range keep[want:] {
			i, _ := indexOf(p, completions)
			delete(running, i)
		}
		extra, keep = append(extra, keep[want:]...), keep[:want]
	}
	var pods []*api.Pod
	for i := 0; i < int(completions) && len(keep)+len(pods) < want; i++ {
		if !s.indexes.has(i) && running[i] == nil {
			pods = append(pods, podFromTemplate(j, i))
		}
	}
	if len(pods) > 0 {
		if wait := backoffRemaining(s, now); wait > 0 {
			c.after(key, wait)
			pods = nil
		}
	}
	if len(extra) == 0 && len(pods) == 0 {
		return nil
	}
	c.expectations.Expect(key, len(pods), keysOf(extra))
	rest, delErr := c.deletePods(ctx, j, extra)
	created, err := c.createPods(ctx, key, j, pods)
	s.active = slices.Concat(keep, rest, created)
	return errors.Join(delErr, err)
}

// podFromTemplate stamps a pod out of the Job's template: its labels,
// annotations and spec, a name generated from the Job's, and the
// controller reference. index ≥ 0 makes the pod of that completion index.
func podFromTemplate(j *api.Job, index int) *api.Pod {
	t := j.Spec.Template
	pod := api.DeepCopy(&api.Pod{ // the template's maps and slices belong to the cache
		TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{
			GenerateName:    j.Name + "-",
			Namespace:       j.Namespace,
			Labels:          t.Labels,
			Annotations:     t.Annotations,
			Finalizers:      t.Finalizers,
			OwnerReferences: []api.OwnerReference{controllerRef(j)},
		},
		Spec: t.Spec,
	})
	if j.Spec.Selector == nil {
		pod.Labels = withEntries(pod.Labels, generatedLabels(j))
	}
	if index < 0 {
		return pod
	}
	s := strconv.Itoa(index)
	pod.GenerateName = j.Name + "-" + s + "-"
	pod.Annotations = withEntries(pod.Annotations, map[string]string{api.JobCompletionIndexAnnotation: s})
	pod.Labels = withEntries(pod.Labels, map[string]string{api.JobCompletionIndexAnnotation: s})
	if pod.Spec.Hostname == "" {
		pod.Spec.Hostname = j.Name + "-" + s
	}
	env := api.EnvVar{Name: completionIndexEnv, ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{
		FieldPath: "metadata.annotations['" + api.JobCompletionIndexAnnotation + "']"}}}
	for i := range pod.Spec.InitContainers {
		pod.Spec.InitContainers[i].Env = append(pod.Spec.InitContainers[i].Env, env)
	}
	for i := range pod.Spec.Containers {
		pod.Spec.Containers[i].Env = append(pod.Spec.Containers[i].Env, env)
	}
	return pod
}

// createPods creates pods, stopping at the first error. The caller has
// expected them; those not created are crossed off again.
func (c *Controller) createPods(ctx context.Context, key string, j *api.Job, pods []*api.Pod) ([]*api.Pod, error) {
	var out []*api.Pod
	for i, p := range pods {
		created, err := c.w.Create(ctx, p)
		if err != nil {
			for range len(pods) - i {
				c.expectations.CreationObserved(key) // these will never show up
			}
			c.rec.Eventf(j, api.EventWarning, "FailedCreate", "Error creating: %v", err)
			return out, fmt.Errorf("create pod for %s: %w", key, err)
		}
		c.rec.Eventf(j, api.EventNormal, "SuccessfulCreate", "Created pod: %s", created.GetObjectMeta().Name)
		out = append(out, created.(*api.Pod))
	}
	return out, nil
}

// deletePods deletes pods and returns those it could not delete. The
// caller has expected the deletions; failed ones are crossed off again.
func (c *Controller) deletePods(ctx context.Context, j *api.Job, pods []*api.Pod) (rest []*api.Pod, err error) {
	key := client.KeyOf(j)
	var errs []error
	for _, p := range pods {
		err := c.w.Delete(ctx, podsResource, p.Namespace, p.Name, nil)
		if err != nil && !client.IsNotFound(err) {
			c.expectations.DeletionObserved(key, client.KeyOf(p)) // the informer will not see it go
			c.rec.Eventf(j, api.EventWarning, "FailedDelete", "Error deleting: %v", err)
			errs = append(errs, fmt.Errorf("delete pod %s: %w", client.KeyOf(p), err))
			rest = append(rest, p)
			continue
		}
		c.rec.Eventf(j, api.EventNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
	}
	return rest, errors.Join(errs...)
}

// deleteAll deletes every active pod: the Job failed or is suspended. It
// returns how many it deleted.
func (c *Controller) deleteAll(ctx context.Context, key string, j *api.Job, s *observed) (int, error) {
	if len(s.active) == 0 {
		return 0, nil
	}
	c.expectations.Expect(key, 0, keysOf(s.active))
	rest, err := c.deletePods(ctx, j, s.active)
	n := len(s.active) - len(rest)
	s.active = rest
	return n, err
}

// deleteLeftovers deletes what still runs of a Job that failed: a delete
// that failed in the sync that failed the Job is tried again.
func (c *Controller) deleteLeftovers(ctx context.Context, key string, j *api.Job, pods []*api.Pod) error {
	if cond, _ := finished(j); cond != api.JobFailed || !c.expectations.Satisfied(key) {
		return nil
	}
	s := observe(j, pods)
	_, err := c.deleteAll(ctx, key, j, s)
	return err
}

func keysOf(pods []*api.Pod) []string {
	keys := make([]string, len(pods))
	for i, p := range pods {
		keys[i] = client.KeyOf(p)
	}
	return keys
}

// withEntries returns m with the entries of add (a new map if m is nil).
func withEntries(m, add map[string]string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	for k, v := range add {
		m[k] = v
	}
	return m
}
