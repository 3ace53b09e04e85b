package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// The load: two Deployments, "bulk" and "web", whose pods the scheduler
// places and the simulated nodes run; then web changes its image and
// rolls out, maxSurge and maxUnavailable 25%. The fake runtime runs any
// image.
const (
	imageV1 = "kubelab/kubia:v1"
	imageV2 = "kubelab/kubia:v2"
)

// pollEvery is how often the benchmark looks at the cluster: seldom, so
// that its own reads cost the apiserver little next to the load.
const pollEvery = 500 * time.Millisecond

var (
	nodesRes, _       = api.Lookup("nodes")
	podsRes, _        = api.Lookup("pods")
	deploymentsRes, _ = api.Lookup("deployments")
	replicaSetsRes, _ = api.Lookup("replicasets")
)

// cluster is a running cluster as the benchmark sees it.
type cluster struct {
	admin *client.Client
	procs map[string]*proc
}

// poll calls done every pollEvery until it is true, a part has exited, or
// ctx ends.
func (c *cluster) poll(ctx context.Context, what string, procs map[string]*proc, done func() (bool, error)) error {
	for {
		ok, err := done()
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		for _, p := range procs {
			if err := p.exited(); err != nil {
				return fmt.Errorf("waiting for %s: %w", what, err)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// healthy says whether the apiserver answers /healthz.
func (c *cluster) healthy(ctx context.Context) bool {
	resp, err := c.admin.Raw(ctx, "GET", "/healthz", nil)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

// profile writes a CPU profile of the apiserver, taken for d, to path.
func (c *cluster) profile(ctx context.Context, path string, d time.Duration) error {
	resp, err := c.admin.Raw(ctx, "GET", fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(d.Seconds())), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET /debug/pprof/profile: %s (does this build serve --profiling?)", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readyNodes counts the nodes that say Ready and have a pod CIDR.
func (c *cluster) readyNodes(ctx context.Context) (int, error) {
	objs, _, err := c.admin.Resource(nodesRes).List(ctx, client.ListOptions{})
	if err != nil {
		return 0, err
	}
	ready := 0
	for _, obj := range objs {
		node := obj.(*api.Node)
		for _, cond := range node.Status.Conditions {
			if cond.Type == api.NodeReady && cond.Status == api.ConditionTrue && node.Spec.PodCIDR != "" {
				ready++
			}
		}
	}
	return ready, nil
}

// scaleUp creates the Deployments bulk and web and waits until all their
// pods are available.
func (c *cluster) scaleUp(ctx context.Context, bulk, web int) error {
	deployments := c.admin.Resource(deploymentsRes).Namespace("default")
	for _, d := range []struct {
		name string
		n    int
	}{{"bulk", bulk}, {"web", web}} {
		if _, err := deployments.Create(ctx, deployment(d.name, d.n)); err != nil {
			return fmt.Errorf("create Deployment %s: %w", d.name, err)
		}
	}
	return c.poll(ctx, fmt.Sprintf("%d available pods", bulk+web), c.procs, func() (bool, error) {
		a, err := c.rolledOut(ctx, "bulk", bulk)
		if !a || err != nil {
			return false, err
		}
		return c.rolledOut(ctx, "web", web)
	})
}

// rollOut changes web's image and waits until its n pods all run the new
// one and no pod of the old one is left.
func (c *cluster) rollOut(ctx context.Context, n int) error {
	deployments := c.admin.Resource(deploymentsRes).Namespace("default")
	for {
		obj, err := deployments.Get(ctx, "web")
		if err != nil {
			return err
		}
		d := obj.(*api.Deployment)
		d.Spec.Template.Spec.Containers[0].Image = imageV2
		if _, err = deployments.Update(ctx, d); !client.IsConflict(err) {
			if err != nil {
				return fmt.Errorf("change the image: %w", err)
			}
			break
		}
	}
	if err := c.poll(ctx, "the rollout of web", c.procs, func() (bool, error) { return c.rolledOut(ctx, "web", n) }); err != nil {
		return err
	}
	return c.poll(ctx, "the old pods of web to go", c.procs, func() (bool, error) {
		objs, _, err := c.admin.Resource(podsRes).Namespace("default").List(ctx, client.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, err
		}
		for _, obj := range objs {
			if obj.(*api.Pod).Spec.Containers[0].Image != imageV2 {
				return false, nil
			}
		}
		return true, nil
	})
}

// rolledOut says whether Deployment name has observed its spec and says
// n replicas, all updated and available, and its ReplicaSets of an older
// template are at 0.
func (c *cluster) rolledOut(ctx context.Context, name string, n int) (bool, error) {
	obj, err := c.admin.Resource(deploymentsRes).Namespace("default").Get(ctx, name)
	if err != nil {
		return false, err
	}
	d := obj.(*api.Deployment)
	s, want := d.Status, int32(n)
	if s.ObservedGeneration < d.Generation || s.Replicas != want || s.UpdatedReplicas != want || s.AvailableReplicas != want {
		return false, nil
	}
	rss, _, err := c.admin.Resource(replicaSetsRes).Namespace("default").List(ctx, client.ListOptions{LabelSelector: "app=" + name})
	if err != nil {
		return false, err
	}
	image := d.Spec.Template.Spec.Containers[0].Image
	for _, obj := range rss {
		rs := obj.(*api.ReplicaSet)
		if rs.Spec.Template.Spec.Containers[0].Image != image && (rs.Spec.Replicas == nil || *rs.Spec.Replicas != 0 || rs.Status.Replicas != 0) {
			return false, nil
		}
	}
	return true, nil
}

// deployment is n replicas of imageV1 labelled app=name, with no
// requests: the nodes' pod slots are what limits them.
func deployment(name string, n int) *api.Deployment {
	quarter := api.FromString("25%")
	labels := map[string]string{"app": name}
	return &api.Deployment{ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.DeploymentSpec{Replicas: api.Int32(int32(n)), Selector: &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "app", Image: imageV1}}}},
			Strategy: api.DeploymentStrategy{Type: api.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &api.RollingUpdateDeployment{MaxSurge: &quarter, MaxUnavailable: &quarter}}}}
}
