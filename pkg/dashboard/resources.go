package dashboard

import "kubelab/pkg/api"

// resources is what pods ask of a node, as the scheduler counts it.
type resources struct {
	milliCPU, memory, pods int64
}

func (r resources) add(o resources) resources {
	return resources{r.milliCPU + o.milliCPU, r.memory + o.memory, r.pods + o.pods}
}

// podRequests is the pod's requests as the scheduler sums them
// (pkg/scheduler's PodRequests, which the dashboard, a component of its
// own, does not import): its containers' requests added up, or the
// largest init container's if that is more, and one pod slot.
func podRequests(p *api.Pod) resources {
	r := resources{pods: 1}
	for _, c := range p.Spec.Containers {
		cpu, mem := c.Resources.Requests["cpu"], c.Resources.Requests["memory"]
		r.milliCPU += cpu.MilliValue()
		r.memory += mem.Value()
	}
	for _, c := range p.Spec.InitContainers {
		cpu, mem := c.Resources.Requests["cpu"], c.Resources.Requests["memory"]
		r.milliCPU = max(r.milliCPU, cpu.MilliValue())
		r.memory = max(r.memory, mem.Value())
	}
	return r
}
