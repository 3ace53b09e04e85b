package daemonset

import (
	"strconv"
	"strings"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/controller"
)

// plan is the writes one sync makes: pods to create (by node) and pods to
// delete.
type plan struct {
	create []string
	remove []*api.Pod
}

// makePlan decides, node by node:
//
//	pod may stay   pods on the node          →
//	no             any                         delete them all
//	yes            none, and shouldRun         create one
//	yes            a Failed one                delete it; its replacement comes
//	                                           on a later sync (Kubernetes also
//	                                           backs off a pod failing in a loop)
//	yes            more than one running       keep the oldest, delete the rest
//
// Pods on nodes that no longer exist are deleted; then a changed template
// is rolled out (rollingUpdate).
func makePlan(ds *api.DaemonSet, hash string, nodes []nodeState, strays []*api.Pod, now time.Time) plan {
	var p plan
	for _, s := range nodes {
		if !s.mayStay {
			p.remove = append(p.remove, s.pods...)
			continue
		}
		if len(s.pods) == 0 && s.shouldRun {
			p.create = append(p.create, s.node.Name)
		}
		keep := s.running()
		for _, pod := range s.pods {
			if pod != keep {
				p.remove = append(p.remove, pod)
			}
		}
	}
	p.remove = append(p.remove, strays...)
	p.remove = append(p.remove, rollingUpdate(ds, hash, nodes, now)...)
	return p
}

// rollingUpdate picks the out-of-date pods to delete now; the next syncs
// create their replacements from the current template, once the deletes
// are seen. An out-of-date pod that is not available goes at once (losing
// it costs nothing); an available one only while fewer than maxUnavailable
// nodes are without an available pod. Kubernetes can also surge: start
// the new pod before the old one goes (maxSurge); kubelab does not.
func rollingUpdate(ds *api.DaemonSet, hash string, nodes []nodeState, now time.Time) []*api.Pod {
	strategy := ds.Spec.UpdateStrategy
	if strategy.Type == "OnDelete" {
		return nil // pods are replaced only when someone deletes them
	}
	minReady := time.Duration(ds.Spec.MinReadySeconds) * time.Second
	var out, candidates []*api.Pod
	desired, unavailable := 0, 0
	for _, s := range nodes {
		if s.shouldRun {
			desired++
		}
		pod := s.running()
		switch {
		case !s.mayStay || (!s.shouldRun && pod == nil):
			// No pod wanted here.
		case pod == nil:
			unavailable++ // its pod is on the way
		case pod.Labels[HashLabel] == hash:
			if ok, _ := controller.IsPodAvailable(pod, minReady, now); !ok {
				unavailable++
			}
		default:
			if ok, _ := controller.IsPodAvailable(pod, minReady, now); !ok {
				out = append(out, pod)
			} else {
				candidates = append(candidates, pod)
			}
		}
	}
	budget := maxUnavailable(strategy.RollingUpdate, desired) - unavailable
	budget = max(0, min(budget, len(candidates)))
	return append(out, candidates[:budget]...)
}

// maxUnavailable resolves rollingUpdate.maxUnavailable against the desired
// number of pods: a count, or a percentage rounded up. It is at least 1,
// or nothing would ever be replaced without a surge.
func maxUnavailable(ru *api.RollingUpdateDaemonSet, desired int) int {
	if ru == nil || ru.MaxUnavailable == nil {
		return 1 // the default
	}
	v := *ru.MaxUnavailable
	n := int(v.IntVal)
	if v.IsString {
		pct, err := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%"))
		if err != nil {
			return 1 // validation rejects this
		}
		n = (pct*desired + 99) / 100
	}
	return max(n, 1)
}
