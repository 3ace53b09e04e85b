package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// The images of the rollout; the fake runtime runs any image.
const (
	imageV1 = "kubelab/kubia:v1"
	imageV2 = "kubelab/kubia:v2"
)

// phaseTimeout bounds each wait: a stuck phase fails the run.
const phaseTimeout = 3 * time.Minute

var (
	podsRes, _        = api.Lookup("pods")
	deploymentsRes, _ = api.Lookup("deployments")
	replicaSetsRes, _ = api.Lookup("replicasets")
)

// floor creates n pods labelled app=name, waits until all are Running
// and Ready, deletes them and waits until they are gone, and returns how
// long all of it took. direct binds them to the nodes round robin.
func (c *cluster) floor(ctx context.Context, name string, n int, direct bool) (time.Duration, error) {
	pods := c.admin.Resource(podsRes).Namespace("default")
	t0 := time.Now()
	err := parallel(n, 16, func(i int) error {
		pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("%s-%03d", name, i), Labels: map[string]string{"app": name}},
			Spec: podSpec(imageV1)}
		if direct {
			pod.Spec.NodeName = c.nodes[i%len(c.nodes)]
		}
		_, err := pods.Create(ctx, pod)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("floor: create pods: %w", err)
	}
	if err := c.poll(ctx, phaseTimeout, fmt.Sprintf("%d Ready pods of %s", n, name), func() (bool, error) {
		ready, _, err := c.podsOf(ctx, name, "")
		return ready == n, err
	}); err != nil {
		return 0, err
	}
	err = parallel(n, 16, func(i int) error {
		return pods.Delete(ctx, fmt.Sprintf("%s-%03d", name, i), nil)
	})
	if err != nil {
		return 0, fmt.Errorf("floor: delete pods: %w", err)
	}
	if err := c.waitNoPods(ctx, name); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// rollout creates a Deployment of n replicas on imageV1 and waits until it
// is Ready, then times the rolling update to imageV2, and deletes it.
func (c *cluster) rollout(ctx context.Context, name string, n int) (time.Duration, error) {
	deployments := c.admin.Resource(deploymentsRes).Namespace("default")
	quarter := api.FromString("25%")
	d := &api.Deployment{ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.DeploymentSpec{Replicas: api.Int32(int32(n)), Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": name}}, Spec: podSpec(imageV1)},
			Strategy: api.DeploymentStrategy{Type: api.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &api.RollingUpdateDeployment{MaxSurge: &quarter, MaxUnavailable: &quarter}}}}
	if _, err := deployments.Create(ctx, d); err != nil {
		return 0, fmt.Errorf("rollout: create the Deployment: %w", err)
	}
	if err := c.waitRolledOut(ctx, name, n, imageV1); err != nil {
		return 0, err
	}

	t0 := time.Now()
	for {
		obj, err := deployments.Get(ctx, name)
		if err != nil {
			return 0, err
		}
		d = obj.(*api.Deployment)
		d.Spec.Template.Spec.Containers[0].Image = imageV2
		if _, err = deployments.Update(ctx, d); !client.IsConflict(err) {
			if err != nil {
				return 0, fmt.Errorf("rollout: change the image: %w", err)
			}
			break
		}
	}
	if err := c.waitRolledOut(ctx, name, n, imageV2); err != nil {
		return 0, err
	}
	elapsed := time.Since(t0)

	if err := deployments.Delete(ctx, name, &api.DeleteOptions{PropagationPolicy: api.String("Background")}); err != nil {
		return 0, fmt.Errorf("rollout: delete the Deployment: %w", err)
	}
	return elapsed, c.waitNoPods(ctx, name)
}

// waitRolledOut waits until Deployment name has observed its spec and
// says n replicas, all updated and available, its ReplicaSets of other
// images are at 0, and every pod left runs image.
func (c *cluster) waitRolledOut(ctx context.Context, name string, n int, image string) error {
	deployments := c.admin.Resource(deploymentsRes).Namespace("default")
	replicaSets := c.admin.Resource(replicaSetsRes).Namespace("default")
	return c.poll(ctx, phaseTimeout, fmt.Sprintf("Deployment %s on %s", name, image), func() (bool, error) {
		obj, err := deployments.Get(ctx, name)
		if err != nil {
			return false, err
		}
		d := obj.(*api.Deployment)
		s, want := d.Status, int32(n)
		if s.ObservedGeneration < d.Generation || s.Replicas != want || s.UpdatedReplicas != want || s.AvailableReplicas != want {
			return false, nil
		}
		rss, _, err := replicaSets.List(ctx, client.ListOptions{LabelSelector: "app=" + name})
		if err != nil {
			return false, err
		}
		for _, obj := range rss {
			rs := obj.(*api.ReplicaSet)
			if rs.Spec.Template.Spec.Containers[0].Image != image && (rs.Spec.Replicas == nil || *rs.Spec.Replicas != 0 || rs.Status.Replicas != 0) {
				return false, nil
			}
		}
		ready, others, err := c.podsOf(ctx, name, image)
		return ready == n && others == 0, err
	})
}

// podsOf counts the pods labelled app=name that are Ready, and those
// that run another image than image ("" counts none), terminating or not.
func (c *cluster) podsOf(ctx context.Context, name, image string) (ready, others int, err error) {
	objs, _, err := c.admin.Resource(podsRes).Namespace("default").List(ctx, client.ListOptions{LabelSelector: "app=" + name})
	if err != nil {
		return 0, 0, err
	}
	for _, obj := range objs {
		pod := obj.(*api.Pod)
		if image != "" && pod.Spec.Containers[0].Image != image {
			others++
		}
		if pod.DeletionTimestamp != nil || pod.Status.Phase != api.PodRunning {
			continue
		}
		for _, cond := range pod.Status.Conditions {
			if cond.Type == api.PodReady && cond.Status == api.ConditionTrue {
				ready++
			}
		}
	}
	return ready, others, nil
}

// waitNoPods waits until no pod labelled app=name is left.
func (c *cluster) waitNoPods(ctx context.Context, name string) error {
	pods := c.admin.Resource(podsRes).Namespace("default")
	return c.poll(ctx, phaseTimeout, "the pods of "+name+" to go", func() (bool, error) {
		objs, _, err := pods.List(ctx, client.ListOptions{LabelSelector: "app=" + name})
		return len(objs) == 0, err
	})
}

// podSpec is one container of image, with no requests: the nodes' pods
// capacity is what limits them.
func podSpec(image string) api.PodSpec {
	return api.PodSpec{Containers: []api.Container{{Name: "app", Image: image}}}
}

// parallel runs fn(0..n-1) on conc goroutines and returns the errors.
func parallel(n, conc int, fn func(i int) error) error {
	var next atomic.Int64
	var mu sync.Mutex
	var errs error
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				if err := fn(i); err != nil {
					mu.Lock()
					errs = errors.Join(errs, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return errs
}
