package integration

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// deployment is a Deployment of the fake runtime's always-running image.
func deployment(name string, replicas int32, image string) *api.Deployment {
	labels := map[string]string{"app": name}
	surge, unavailable := api.FromString("25%"), api.FromString("25%")
	return &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.DeploymentSpec{
			Replicas: api.Int32(replicas),
			Selector: &api.LabelSelector{MatchLabels: labels},
			Strategy: api.DeploymentStrategy{Type: api.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &api.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable}},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "app", Image: image}}}},
		},
	}
}

// podCensus follows the pods of a selector through an informer and checks
// a bound on every change it sees: how many exist (not being deleted) and
// how many of those are Ready.
type podCensus struct {
	mu        sync.Mutex
	pods      map[string]*api.Pod
	maxTotal  int
	minReady  int
	maxActive int // pods neither Succeeded nor Failed
	started   bool
}

func (c *podCensus) observe(obj api.Object, gone bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := obj.(*api.Pod)
	if gone || p.DeletionTimestamp != nil {
		delete(c.pods, p.Name)
	} else {
		c.pods[p.Name] = p
	}
	if !c.started {
		return
	}
	total, ready := c.count()
	c.maxTotal, c.minReady = max(c.maxTotal, total), min(c.minReady, ready)
	active := 0
	for _, p := range c.pods {
		if p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed {
			active++
		}
	}
	c.maxActive = max(c.maxActive, active)
}

func (c *podCensus) count() (total, ready int) {
	for _, p := range c.pods {
		total++
		for _, cond := range p.Status.Conditions {
			if cond.Type == api.PodReady && cond.Status == api.ConditionTrue {
				ready++
			}
		}
	}
	return total, ready
}

// watchPods starts a census of selector's pods; start() begins checking.
func (cl *cluster) watchPods(selector string) (census *podCensus, start func()) {
	census = &podCensus{pods: map[string]*api.Pod{}, minReady: 1 << 30}
	inf := client.NewInformer(cl.res("pods").Namespace("default"), client.ListOptions{LabelSelector: selector}, zap.NewNop())
	inf.AddHandler(client.Handler{
		OnAdd:    func(o api.Object) { census.observe(o, false) },
		OnUpdate: func(_, o api.Object) { census.observe(o, false) },
		OnDelete: func(o api.Object) { census.observe(o, true) },
	})
	ctx, cancel := context.WithCancel(context.Background())
	cl.t.Cleanup(cancel)
	go inf.Run(ctx)
	return census, func() {
		census.mu.Lock()
		census.started = true
		census.maxTotal, census.minReady = census.count()
		census.mu.Unlock()
	}
}

// rolledOut waits until every running pod of selector has image and
// there are exactly want of them.
func (cl *cluster) rolledOut(selector, image string, want int) {
	cl.t.Helper()
	cl.eventually(fmt.Sprintf("%d pods of %s on %s", want, selector, image), func() bool {
		pods := cl.pods(selector)
		if len(pods) != want {
			return false
		}
		for _, p := range pods {
			if p.Spec.Containers[0].Image != image || p.Status.Phase != api.PodRunning || p.DeletionTimestamp != nil {
				return false
			}
		}
		return true
	})
}

// A 10-replica Deployment rolls to a new image within its bounds — at
// every change a watch sees, at least replicas−maxUnavailable pods Ready
// and at most replicas+maxSurge pods — and rollout undo brings the old
// template back.
func TestDeploymentRollsWithinBounds(t *testing.T) {
	cl := startCluster(t, "n1", "n2", "n3")
	cl.create(deployment("web", 10, "kubelab/kubia:v1"))
	cl.rolledOut("app=web", "kubelab/kubia:v1", 10)
	census, check := cl.watchPods("app=web")
	cl.eventually("the census to see 10 pods", func() bool {
		census.mu.Lock()
		defer census.mu.Unlock()
		total, ready := census.count()
		return total == 10 && ready == 10
	})
	check()

	out, err := kctl(t, cl.addr, "set", "image", "deployment/web", "app=kubelab/kubia:v2")
	if err != nil {
		t.Fatalf("set image: %v\n%s", err, out)
	}
	if out, err := kctl(t, cl.addr, "rollout", "status", "deployment/web", "--timeout=60s"); err != nil {
		t.Fatalf("rollout status: %v\n%s", err, out)
	}
	cl.rolledOut("app=web", "kubelab/kubia:v2", 10)
	census.mu.Lock()
	maxTotal, minReady := census.maxTotal, census.minReady
	census.mu.Unlock()
	if maxTotal > 13 || minReady < 8 {
		t.Errorf("during the rollout: up to %d pods (bound 13 = 10 + 25%% rounded up), down to %d ready (bound 8 = 10 − 25%% rounded down)",
			maxTotal, minReady)
	}

	if out, err := kctl(t, cl.addr, "rollout", "undo", "deployment/web"); err != nil {
		t.Fatalf("rollout undo: %v\n%s", err, out)
	}
	cl.rolledOut("app=web", "kubelab/kubia:v1", 10)
	obj, err := cl.res("deployments").Namespace("default").Get(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	if rev := obj.GetObjectMeta().Annotations[api.RevisionAnnotation]; rev != "3" {
		t.Errorf("revision after the undo = %q, want 3 (v1, v2, v1 again)", rev)
	}
}

// A Job of 5 completions, 2 at a time, completes, never running more
// than 2 pods at once.
func TestJobCompletes(t *testing.T) {
	cl := startCluster(t, "n1", "n2")
	census, check := cl.watchPods("batch.kubernetes.io/job-name=count")
	check()
	cl.create(&api.Job{
		ObjectMeta: api.ObjectMeta{Name: "count", Namespace: "default"},
		Spec: api.JobSpec{Completions: api.Int32(5), Parallelism: api.Int32(2),
			Template: api.PodTemplateSpec{Spec: api.PodSpec{RestartPolicy: "Never",
				Containers: []api.Container{{Name: "c", Image: "complete/count"}}}}},
	})
	cl.eventually("the Job to complete", func() bool {
		obj, err := cl.res("jobs").Namespace("default").Get(context.Background(), "count")
		if err != nil {
			return false
		}
		j := obj.(*api.Job)
		for _, c := range j.Status.Conditions {
			if c.Type == api.JobComplete && c.Status == api.ConditionTrue {
				return j.Status.Succeeded == 5
			}
		}
		return false
	})
	census.mu.Lock()
	defer census.mu.Unlock()
	if census.maxTotal > 5 || census.maxActive > 2 {
		t.Errorf("%d pods for 5 completions, up to %d at once (parallelism 2)", census.maxTotal, census.maxActive)
	}
	if census.maxActive == 0 {
		t.Error("the census saw no pod run: it checked nothing")
	}
}

// The controller killed with SIGKILL in the middle of a rollout finishes
// it after a restart.
func TestControllerKilledMidRollout(t *testing.T) {
	cl := startCluster(t, "n1", "n2", "n3")
	d := deployment("web", 10, "kubelab/kubia:v1")
	d.Spec.MinReadySeconds = 2 // each step waits 2 s for its new pods: the rollout takes several
	cl.create(d)
	cl.rolledOut("app=web", "kubelab/kubia:v1", 10)
	deployments := cl.res("deployments").Namespace("default")
	cl.eventually("10 available pods", func() bool {
		obj, err := deployments.Get(context.Background(), "web")
		return err == nil && obj.(*api.Deployment).Status.AvailableReplicas == 10
	})
	if _, err := deployments.Patch(context.Background(), "web", client.MergePatch,
		[]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"kubelab/kubia:v2"}]}}}}`), ""); err != nil {
		t.Fatal(err)
	}
	cl.eventually("the rollout to start", func() bool {
		obj, err := deployments.Get(context.Background(), "web")
		if err != nil {
			return false
		}
		d := obj.(*api.Deployment)
		return d.Status.ObservedGeneration == d.Generation && d.Status.UpdatedReplicas > 0
	})
	obj, err := deployments.Get(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	if st := obj.(*api.Deployment).Status; st.UpdatedReplicas >= 10 {
		t.Fatalf("the rollout ended before the controller could be killed: %+v", st)
	}
	cl.controller.kill()
	cl.startController()
	cl.rolledOut("app=web", "kubelab/kubia:v2", 10)
	rss, _, err := cl.res("replicasets").Namespace("default").List(context.Background(), client.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	var scaled int
	for _, o := range rss {
		if *o.(*api.ReplicaSet).Spec.Replicas > 0 {
			scaled++
		}
	}
	if len(rss) != 2 || scaled != 1 {
		t.Errorf("%d ReplicaSets, %d of them scaled up: want the old one at 0 and the new one at 10", len(rss), scaled)
	}
}
