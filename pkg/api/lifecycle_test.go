package api

import "testing"

func TestValidateLifecycle(t *testing.T) {
	l := "spec.containers[0].lifecycle"
	tests := []struct {
		name   string
		mutate func(p *Pod)
		want   []string
	}{
		{"preStop sleep", func(p *Pod) {
			p.Spec.Containers[0].Lifecycle = &Lifecycle{PreStop: &LifecycleHandler{Sleep: &SleepAction{Seconds: 5}}}
		}, nil},
		{"postStart exec and preStop httpGet", func(p *Pod) {
			p.Spec.Containers[0].Lifecycle = &Lifecycle{
				PostStart: &LifecycleHandler{Exec: &ExecAction{Command: []string{"touch", "/ready"}}},
				PreStop:   &LifecycleHandler{HTTPGet: &HTTPGetAction{Path: "/quit", Port: IntOrString{IntVal: 8080}}},
			}
		}, nil},
		{"tcpSocket is accepted, as in Kubernetes", func(p *Pod) {
			p.Spec.Containers[0].Lifecycle = &Lifecycle{PreStop: &LifecycleHandler{TCPSocket: &TCPSocketAction{Port: IntOrString{IntVal: 80}}}}
		}, nil},
		{"no handler", func(p *Pod) { p.Spec.Containers[0].Lifecycle = &Lifecycle{PreStop: &LifecycleHandler{}} },
			[]string{l + ".preStop: Required value: must specify a handler type"}},
		{"two handlers", func(p *Pod) {
			p.Spec.Containers[0].Lifecycle = &Lifecycle{PostStart: &LifecycleHandler{
				Exec: &ExecAction{Command: []string{"true"}}, Sleep: &SleepAction{Seconds: 1}}}
		}, []string{l + ".postStart.sleep: Forbidden: may not specify more than 1 handler type"}},
		{"exec without command", func(p *Pod) {
			p.Spec.Containers[0].Lifecycle = &Lifecycle{PreStop: &LifecycleHandler{Exec: &ExecAction{}}}
		}, []string{l + ".preStop.exec.command: Required value"}},
		{"sleep beyond the grace period", func(p *Pod) {
			p.Spec.TerminationGracePeriodSeconds = Int64(10)
			p.Spec.Containers[0].Lifecycle = &Lifecycle{PreStop: &LifecycleHandler{Sleep: &SleepAction{Seconds: 11}}}
		}, []string{l + ".preStop.sleep.seconds: Invalid value: 11: must be greater than 0 and less than terminationGracePeriodSeconds (10)"}},
		{"init container", func(p *Pod) {
			p.Spec.InitContainers = []Container{{Name: "init", Image: "x", ImagePullPolicy: PullAlways,
				Lifecycle: &Lifecycle{PreStop: &LifecycleHandler{Sleep: &SleepAction{Seconds: 1}}}}}
		}, []string{"spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := validPod()
			tt.mutate(pod)
			checkErrors(t, Validate(pod), tt.want)
		})
	}
}
