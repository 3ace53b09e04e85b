package apiserver

import (
	"reflect"
	"testing"

	"kubelab/pkg/api"
)

func TestAddDefaultTolerations(t *testing.T) {
	notReady := api.Toleration{Key: api.TaintNodeNotReady, Operator: "Exists", Effect: api.TaintNoExecute, TolerationSeconds: api.Int64(300)}
	unreachable := api.Toleration{Key: api.TaintNodeUnreachable, Operator: "Exists", Effect: api.TaintNoExecute, TolerationSeconds: api.Int64(300)}
	own := api.Toleration{Key: api.TaintNodeUnreachable, Operator: "Exists", Effect: api.TaintNoExecute, TolerationSeconds: api.Int64(6)}
	everything := api.Toleration{Operator: "Exists"}
	other := api.Toleration{Key: "gpu", Operator: "Exists", Effect: api.TaintNoSchedule}
	tests := []struct {
		name string
		have []api.Toleration
		want []api.Toleration
	}{
		{"none: both added", nil, []api.Toleration{notReady, unreachable}},
		{"an unrelated one stays first", []api.Toleration{other}, []api.Toleration{other, notReady, unreachable}},
		{"its own unreachable toleration is kept", []api.Toleration{own}, []api.Toleration{own, notReady}},
		{"tolerating everything needs nothing", []api.Toleration{everything}, []api.Toleration{everything}},
		{"a NoSchedule one does not count", []api.Toleration{{Key: api.TaintNodeNotReady, Operator: "Exists", Effect: api.TaintNoSchedule}},
			[]api.Toleration{{Key: api.TaintNodeNotReady, Operator: "Exists", Effect: api.TaintNoSchedule}, notReady, unreachable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &api.Pod{Spec: api.PodSpec{Tolerations: tt.have}}
			addDefaultTolerations(pod, TolerationDefaults{}.withDefaults())
			if !reflect.DeepEqual(pod.Spec.Tolerations, tt.want) {
				t.Errorf("tolerations = %+v\nwant %+v", pod.Spec.Tolerations, tt.want)
			}
		})
	}
	pod := &api.Pod{}
	addDefaultTolerations(pod, TolerationDefaults{NotReady: 2, Unreachable: 3})
	if s := *pod.Spec.Tolerations[0].TolerationSeconds + *pod.Spec.Tolerations[1].TolerationSeconds; s != 5 {
		t.Errorf("with the flags set to 2 and 3: %+v", pod.Spec.Tolerations)
	}
}
