package api

import "strconv"

// Lifecycle hooks run at two moments of a container's life: postStart
// right after it starts (it is not Running until the hook returns, and a
// failed hook kills it), and preStop before it is sent SIGTERM. A preStop
// hook is how a server keeps answering while load balancers forget it:
// `sleep: {seconds: 5}` holds the SIGTERM back for five seconds. The hook
// runs within the pod's termination grace period; whatever it leaves of
// it, at least 2 s, is the container's to stop in.
type Lifecycle struct {
	PostStart *LifecycleHandler `json:"postStart,omitempty"`
	PreStop   *LifecycleHandler `json:"preStop,omitempty"`
}

// LifecycleHandler is what a hook does; exactly one field is set.
// tcpSocket is accepted for compatibility, as Kubernetes accepts it, and
// fails when it runs, as it does there.
type LifecycleHandler struct {
	Exec      *ExecAction      `json:"exec,omitempty"`
	HTTPGet   *HTTPGetAction   `json:"httpGet,omitempty"`
	TCPSocket *TCPSocketAction `json:"tcpSocket,omitempty"`
	Sleep     *SleepAction     `json:"sleep,omitempty"`
}

// SleepAction waits that many seconds.
type SleepAction struct {
	Seconds int64 `json:"seconds"`
}

// validateLifecycle checks a container's hooks. Init containers run to
// completion before the others start, and may have none. A sleep may not
// be longer than the grace period it runs in.
func validateLifecycle(l *Lifecycle, spec *PodSpec, init bool, p fieldPath) ErrorList {
	if l == nil {
		return nil
	}
	if init {
		return ErrorList{forbidden(p, "may not be set for init containers")}
	}
	grace := int64(30)
	if g := spec.TerminationGracePeriodSeconds; g != nil {
		grace = *g
	}
	var errs ErrorList
	for _, h := range []struct {
		name    string
		handler *LifecycleHandler
	}{{"postStart", l.PostStart}, {"preStop", l.PreStop}} {
		if h.handler == nil {
			continue
		}
		hp := p.child(h.name)
		handlers, herrs := validateHandler(h.handler.Exec, h.handler.HTTPGet, h.handler.TCPSocket, hp)
		errs = append(errs, herrs...)
		if s := h.handler.Sleep; s != nil {
			handlers = append(handlers, "sleep")
			if s.Seconds <= 0 || s.Seconds > grace {
				errs = append(errs, invalid(hp.child("sleep").child("seconds"), s.Seconds,
					"must be greater than 0 and less than terminationGracePeriodSeconds ("+strconv.FormatInt(grace, 10)+")"))
			}
		}
		errs = append(errs, oneHandler(handlers, hp)...)
	}
	return errs
}
