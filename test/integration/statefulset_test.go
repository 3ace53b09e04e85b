package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// statefulSet is a StatefulSet web of the fake runtime's always-running
// image behind the headless Service web, without claims. (Claims on
// local-path are tested end to end once the storage controllers are
// wired into the cluster.)
func statefulSet(replicas int32, image string) *api.StatefulSet {
	labels := map[string]string{"app": "web"}
	return &api.StatefulSet{
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: api.StatefulSetSpec{
			Replicas:    api.Int32(replicas),
			ServiceName: "web",
			Selector:    &api.LabelSelector{MatchLabels: labels},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: labels},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "web", Image: image}}}},
		},
	}
}

// podLog records, from a watch, the order in which pods of a selector
// were first seen, became Ready, started going, and were gone: lines such
// as "added web-0", "ready web-0", "deleting web-2", "deleted web-2".
type podLog struct {
	mu    sync.Mutex
	lines []string
	seen  map[string]bool
}

func (l *podLog) note(line string) {
	if !l.seen[line] {
		l.seen[line] = true
		l.lines = append(l.lines, line)
	}
}

func (l *podLog) observe(obj api.Object, gone bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := obj.(*api.Pod)
	switch {
	case gone:
		l.note("deleted " + p.Name)
	case p.DeletionTimestamp != nil:
		l.note("deleting " + p.Name)
	default:
		l.note("added " + p.Name)
		for _, c := range p.Status.Conditions {
			if c.Type == api.PodReady && c.Status == api.ConditionTrue {
				l.note("ready " + p.Name)
			}
		}
	}
}

// reset forgets what was seen, for the next phase of a test.
func (l *podLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines, l.seen = nil, map[string]bool{}
}

// before checks that line a was recorded, and before line b.
func (l *podLog) before(t *testing.T, a, b string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	ia, ib := slices.Index(l.lines, a), slices.Index(l.lines, b)
	if ia < 0 || ib < 0 || ia > ib {
		t.Errorf("want %q before %q; the watch saw:\n  %s", a, b, strings.Join(l.lines, "\n  "))
	}
}

func (cl *cluster) logPods(selector string) *podLog {
	l := &podLog{seen: map[string]bool{}}
	inf := client.NewInformer(cl.res("pods").Namespace("default"), client.ListOptions{LabelSelector: selector}, zap.NewNop())
	inf.AddHandler(client.Handler{
		OnAdd:    func(o api.Object) { l.observe(o, false) },
		OnUpdate: func(_, o api.Object) { l.observe(o, false) },
		OnDelete: func(o api.Object) { l.observe(o, true) },
	})
	ctx, cancel := context.WithCancel(context.Background())
	cl.t.Cleanup(cancel)
	go inf.Run(ctx)
	return l
}

// images returns "web-0=image …" of the pods of selector not being deleted.
func (cl *cluster) images(selector string) string {
	var out []string
	for _, p := range cl.pods(selector) {
		if p.DeletionTimestamp == nil && p.Status.Phase == api.PodRunning {
			out = append(out, p.Name+"="+p.Spec.Containers[0].Image)
		}
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// A 3-replica StatefulSet comes up in order (a watch sees web-1 only
// after web-0 is Ready, web-2 only after web-1), scales down from the
// highest ordinal, one pod at a time, and a partitioned rolling update
// replaces only the pods at or above the partition, from the top.
func TestStatefulSetOrderAndPartitionedUpdate(t *testing.T) {
	cl := startCluster(t, "n1", "n2")
	log := cl.logPods("app=web")
	cl.create(statefulSet(3, "kubelab/kubia:v1"))
	if out, err := kctl(t, cl.addr, "rollout", "status", "sts/web", "--timeout=60s"); err != nil {
		t.Fatalf("rollout status: %v\n%s", err, out)
	}
	cl.rolledOut("app=web", "kubelab/kubia:v1", 3)
	log.before(t, "ready web-0", "added web-1")
	log.before(t, "ready web-1", "added web-2")
	for _, p := range cl.pods("app=web") {
		if p.Spec.Hostname != p.Name || p.Spec.Subdomain != "web" || p.Labels[api.StatefulSetPodNameLabel] != p.Name {
			t.Errorf("pod %s: hostname %q, subdomain %q, labels %v", p.Name, p.Spec.Hostname, p.Spec.Subdomain, p.Labels)
		}
	}
	if out := mustKctl(t, cl.addr, "get", "sts"); !strings.Contains(out, "NAME   READY   AGE") || !strings.Contains(out, "web    3/3") {
		t.Errorf("kctl get sts:\n%s", out)
	}

	log.reset()
	mustKctl(t, cl.addr, "scale", "sts/web", "--replicas=1")
	cl.rolledOut("app=web", "kubelab/kubia:v1", 1)
	cl.eventually("web-1 to be gone", func() bool { return cl.images("app=web") == "web-0=kubelab/kubia:v1" })
	log.before(t, "deleted web-2", "deleting web-1")

	mustKctl(t, cl.addr, "scale", "sts/web", "--replicas=3")
	cl.rolledOut("app=web", "kubelab/kubia:v1", 3)

	log.reset()
	patch := `{"spec":{"updateStrategy":{"rollingUpdate":{"partition":1}},` +
		`"template":{"spec":{"containers":[{"name":"web","image":"kubelab/kubia:v2"}]}}}}`
	if _, err := cl.res("statefulsets").Namespace("default").Patch(context.Background(), "web", client.MergePatch, []byte(patch), ""); err != nil {
		t.Fatal(err)
	}
	out, err := kctl(t, cl.addr, "rollout", "status", "sts/web", "--timeout=60s")
	if err != nil || !strings.Contains(out, "partitioned roll out complete: 2 new pods have been updated...") {
		t.Fatalf("rollout status: %v\n%s", err, out)
	}
	want := "web-0=kubelab/kubia:v1 web-1=kubelab/kubia:v2 web-2=kubelab/kubia:v2"
	cl.eventually(want, func() bool { return cl.images("app=web") == want })
	log.before(t, "ready web-2", "deleting web-1")
	log.mu.Lock()
	if slices.Contains(log.lines, "deleting web-0") {
		t.Errorf("web-0, below the partition, was replaced:\n  %s", strings.Join(log.lines, "\n  "))
	}
	log.mu.Unlock()
	sts, err := cl.res("statefulsets").Namespace("default").Get(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	st := sts.(*api.StatefulSet).Status
	if st.CurrentRevision == st.UpdateRevision || st.UpdatedReplicas != 2 || st.CurrentReplicas != 1 || st.ReadyReplicas != 3 {
		t.Errorf("status %s", fmt.Sprintf("%+v", st))
	}
}
