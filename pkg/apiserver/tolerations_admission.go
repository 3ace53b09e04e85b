package apiserver

import "kubelab/pkg/api"

// DefaultTolerationSeconds, Kubernetes' admission plugin of that name:
// every pod written (created or updated) that does not say otherwise
// tolerates the taints
// node.kubernetes.io/not-ready and node.kubernetes.io/unreachable
// (NoExecute) for 300 seconds. The node lifecycle controller taints a
// node that stops answering at once, and evicts every pod that does not
// tolerate the taint; these tolerations are what give a node five minutes
// to come back before its pods are moved. A pod that tolerates the taint
// itself (a DaemonSet's, without a limit) keeps its own toleration.

// DefaultTolerationSeconds is the tolerationSeconds given by default, as
// kube-apiserver's --default-not-ready-toleration-seconds and
// --default-unreachable-toleration-seconds.
const DefaultTolerationSeconds = 300

// TolerationDefaults are the tolerationSeconds added for each taint; zero
// values take DefaultTolerationSeconds.
type TolerationDefaults struct {
	NotReady    int64
	Unreachable int64
}

func (d TolerationDefaults) withDefaults() TolerationDefaults {
	if d.NotReady <= 0 {
		d.NotReady = DefaultTolerationSeconds
	}
	if d.Unreachable <= 0 {
		d.Unreachable = DefaultTolerationSeconds
	}
	return d
}

// addDefaultTolerations adds to a pod being written the tolerations it
// lacks. A toleration with an empty key (tolerate everything) or an empty
// effect counts, as in Kubernetes.
func addDefaultTolerations(pod *api.Pod, d TolerationDefaults) {
	for _, t := range []struct {
		key     string
		seconds int64
	}{{api.TaintNodeNotReady, d.NotReady}, {api.TaintNodeUnreachable, d.Unreachable}} {
		if toleratesNoExecute(pod.Spec.Tolerations, t.key) {
			continue
		}
		pod.Spec.Tolerations = append(pod.Spec.Tolerations, api.Toleration{
			Key: t.key, Operator: "Exists", Effect: api.TaintNoExecute, TolerationSeconds: api.Int64(t.seconds),
		})
	}
}

func toleratesNoExecute(tols []api.Toleration, key string) bool {
	for _, t := range tols {
		if (t.Key == key || t.Key == "") && (t.Effect == api.TaintNoExecute || t.Effect == "") {
			return true
		}
	}
	return false
}
