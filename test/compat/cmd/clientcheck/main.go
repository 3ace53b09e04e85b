// Command clientcheck is a client-go program with client-go's default
// settings (protobuf bodies for the typed clients): it runs each step a
// controller author relies on against the cluster of its kubeconfig and
// prints "PASS step" or "FAIL step: why". It exits 1 if any step failed.
package main

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: clientcheck KUBECONFIG [STEP...]")
		os.Exit(2)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cs := kubernetes.NewForConfigOrDie(cfg)
	dyn := dynamic.NewForConfigOrDie(cfg)
	steps := map[string]func(context.Context) error{
		"typed-crud":      func(ctx context.Context) error { return typedCRUD(ctx, cs) },
		"watch":           func(ctx context.Context) error { return watchConfigMaps(ctx, cs) },
		"informers":       func(ctx context.Context) error { return sharedInformers(ctx, cs) },
		"dynamic":         func(ctx context.Context) error { return dynamicClient(ctx, dyn) },
		"leader-election": func(ctx context.Context) error { return leaderElection(ctx, cs) },
	}
	order := []string{"typed-crud", "watch", "informers", "dynamic", "leader-election"}
	if len(os.Args) > 2 {
		order = os.Args[2:]
	}
	failed := false
	for _, name := range order {
		step, ok := steps[name]
		if !ok {
			fmt.Printf("FAIL %s: no such step\n", name)
			failed = true
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		err := step(ctx)
		cancel()
		if err != nil {
			fmt.Printf("FAIL %s: %v\n", name, err)
			failed = true
		} else {
			fmt.Printf("PASS %s\n", name)
		}
	}
	if failed {
		os.Exit(1)
	}
}

const ns = "clientcheck"

// typedCRUD creates a namespace, a ConfigMap and a Pod, reads, updates,
// lists by label and deletes them, through the typed clients.
func typedCRUD(ctx context.Context, cs kubernetes.Interface) error {
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace: %w", err)
	}
	cms := cs.CoreV1().ConfigMaps(ns)
	cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Labels: map[string]string{"app": "check"}},
		Data: map[string]string{"color": "blue"}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create configmap: %w", err)
	}
	cm.Data["color"] = "green"
	if cm, err = cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil || cm.Data["color"] != "green" {
		return fmt.Errorf("update configmap: %v %v", err, cm)
	}
	list, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "app=check"})
	if err != nil || len(list.Items) != 1 {
		return fmt.Errorf("list configmaps by label: %v, %d items", err, len(list.Items))
	}
	pod, err := cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "kubelab/kubia:latest",
			Ports: []corev1.ContainerPort{{ContainerPort: 8080}}}}}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create pod: %w", err)
	}
	if pod.Spec.RestartPolicy != corev1.RestartPolicyAlways || pod.UID == "" {
		return fmt.Errorf("created pod not defaulted: %+v", pod.Spec)
	}
	if _, err := cs.CoreV1().Pods(ns).Get(ctx, "web", metav1.GetOptions{}); err != nil {
		return fmt.Errorf("get pod: %w", err)
	}
	grace := int64(0)
	if err := cs.CoreV1().Pods(ns).Delete(ctx, "web", metav1.DeleteOptions{GracePeriodSeconds: &grace}); err != nil {
		return fmt.Errorf("delete pod: %w", err)
	}
	if err := cms.Delete(ctx, "settings", metav1.DeleteOptions{}); err != nil {
		return fmt.Errorf("delete configmap: %w", err)
	}
	return nil
}

// watchConfigMaps sees a ConfigMap it creates, modifies and deletes.
func watchConfigMaps(ctx context.Context, cs kubernetes.Interface) error {
	cms := cs.CoreV1().ConfigMaps(ns)
	w, err := cms.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=watched"})
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	defer w.Stop()
	cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "watched"}, Data: map[string]string{"n": "1"}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	cm.Data["n"] = "2"
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if err := cms.Delete(ctx, "watched", metav1.DeleteOptions{}); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	var seen []watch.EventType
	for len(seen) < 3 {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				return fmt.Errorf("the watch ended after %v", seen)
			}
			if ev.Type == watch.Error {
				return fmt.Errorf("watch error: %v", ev.Object)
			}
			seen = append(seen, ev.Type)
		case <-ctx.Done():
			return fmt.Errorf("saw %v, want ADDED MODIFIED DELETED", seen)
		}
	}
	if seen[0] != watch.Added || seen[1] != watch.Modified || seen[2] != watch.Deleted {
		return fmt.Errorf("saw %v, want ADDED MODIFIED DELETED", seen)
	}
	return nil
}

// sharedInformers syncs informers over pods, nodes, services and
// endpointslices, and sees a Service it creates.
func sharedInformers(ctx context.Context, cs kubernetes.Interface) error {
	f := informers.NewSharedInformerFactory(cs, 0)
	f.Core().V1().Pods().Informer() // registered: Start runs it, WaitForCacheSync waits for it
	f.Discovery().V1().EndpointSlices().Informer()
	nodes, services := f.Core().V1().Nodes().Informer(), f.Core().V1().Services().Informer()
	var added atomic.Bool
	if _, err := services.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(obj any) {
		if s, ok := obj.(*corev1.Service); ok && s.Name == "informed" {
			added.Store(true)
		}
	}}); err != nil {
		return err
	}
	// Shutdown waits for the informers, which stop when their channel
	// closes: close it first (deferred calls run last in, first out).
	ictx, stop := context.WithCancel(ctx)
	defer f.Shutdown()
	defer stop()
	f.Start(ictx.Done())
	for typ, ok := range f.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("%v did not sync", typ)
		}
	}
	if len(nodes.GetStore().List()) == 0 {
		return fmt.Errorf("the node informer has no node")
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "informed"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}, Selector: map[string]string{"app": "x"}}}
	if _, err := cs.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create service: %w", err)
	}
	defer cs.CoreV1().Services(ns).Delete(context.Background(), "informed", metav1.DeleteOptions{})
	for !added.Load() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("the service informer never saw the new Service")
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// dynamicClient creates, patches and deletes a Deployment as
// unstructured JSON.
func dynamicClient(ctx context.Context, dyn dynamic.Interface) error {
	gvr := schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	d := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "dyn"},
		"spec": map[string]any{"replicas": int64(1), "selector": map[string]any{"matchLabels": map[string]any{"app": "dyn"}},
			"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "dyn"}},
				"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "image": "kubelab/kubia:latest"}}}}}}
	res := dyn.Resource(gvr).Namespace(ns)
	if _, err := res.Create(ctx, &unstructured.Unstructured{Object: d}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	got, err := res.Patch(ctx, "dyn", "application/merge-patch+json", []byte(`{"spec":{"replicas":2}}`), metav1.PatchOptions{})
	if err != nil {
		return fmt.Errorf("patch: %w", err)
	}
	if r, _, _ := unstructured.NestedInt64(got.Object, "spec", "replicas"); r != 2 {
		return fmt.Errorf("patched replicas = %d", r)
	}
	return res.Delete(ctx, "dyn", metav1.DeleteOptions{})
}

// leaderElection takes a Lease with client-go's leader election and
// sees itself leader.
func leaderElection(ctx context.Context, cs kubernetes.Interface) error {
	lock := &resourcelock.LeaseLock{LeaseMeta: metav1.ObjectMeta{Name: "clientcheck", Namespace: ns},
		Client: cs.CoordinationV1(), LockConfig: resourcelock.ResourceLockConfig{Identity: "clientcheck-1"}}
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	led := make(chan struct{})
	go leaderelection.RunOrDie(lctx, leaderelection.LeaderElectionConfig{
		Lock: lock, LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second,
		ReleaseOnCancel: true,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(context.Context) { close(led) },
			OnStoppedLeading: func() {},
		},
	})
	select {
	case <-led:
	case <-ctx.Done():
		return fmt.Errorf("never became leader")
	}
	l, err := cs.CoordinationV1().Leases(ns).Get(ctx, "clientcheck", metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get lease: %w", err)
	}
	if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != "clientcheck-1" {
		return fmt.Errorf("lease holder %v", l.Spec.HolderIdentity)
	}
	return nil
}
