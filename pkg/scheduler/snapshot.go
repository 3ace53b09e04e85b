package scheduler

import (
	"slices"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// Resources is an amount of the three resources the scheduler counts.
type Resources struct {
	MilliCPU int64 // thousandths of a CPU
	Memory   int64 // bytes
	Pods     int64
}

func (r *Resources) add(o Resources) {
	r.MilliCPU += o.MilliCPU
	r.Memory += o.Memory
	r.Pods += o.Pods
}

func (r *Resources) sub(o Resources) {
	r.MilliCPU -= o.MilliCPU
	r.Memory -= o.Memory
	r.Pods -= o.Pods
}

// For scoring only, a container that requests nothing counts as this much,
// as in Kubernetes (pkg/scheduler/util): otherwise pods without requests
// would all score every node alike and pile onto the first by name.
const (
	defaultMilliCPURequest = 100
	defaultMemoryRequest   = 200 << 20
)

// PodRequests is what a pod asks a node for: the sum of its containers'
// requests, or the largest init container's request if that is more (init
// containers run one at a time, before the others). Every pod takes one
// pod slot, even one that requests nothing.
func PodRequests(pod *api.Pod) Resources {
	return podRequests(pod, false)
}

// podRequests is PodRequests; nonZero counts a container with no cpu or
// memory request as asking for the scoring defaults.
func podRequests(pod *api.Pod, nonZero bool) Resources {
	r := Resources{Pods: 1}
	for i := range pod.Spec.Containers {
		cpu, mem := containerRequests(&pod.Spec.Containers[i], nonZero)
		r.MilliCPU += cpu
		r.Memory += mem
	}
	for i := range pod.Spec.InitContainers {
		cpu, mem := containerRequests(&pod.Spec.InitContainers[i], nonZero)
		r.MilliCPU = max(r.MilliCPU, cpu)
		r.Memory = max(r.Memory, mem)
	}
	return r
}

func containerRequests(c *api.Container, nonZero bool) (milliCPU, memory int64) {
	cpu, hasCPU := c.Resources.Requests["cpu"]
	mem, hasMem := c.Resources.Requests["memory"]
	milliCPU, memory = cpu.MilliValue(), mem.Value()
	if nonZero && (!hasCPU || cpu.IsZero()) {
		milliCPU = defaultMilliCPURequest
	}
	if nonZero && (!hasMem || mem.IsZero()) {
		memory = defaultMemoryRequest
	}
	return milliCPU, memory
}

// HostPort is a port of the node that a pod's container binds.
type HostPort struct {
	Protocol string // TCP, UDP, SCTP
	IP       string // 0.0.0.0 means every address of the node
	Port     int32
}

// podHostPorts lists the host ports a pod's containers ask for.
func podHostPorts(pod *api.Pod) []HostPort {
	var out []HostPort
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort <= 0 {
				continue
			}
			hp := HostPort{Protocol: p.Protocol, IP: p.HostIP, Port: p.HostPort}
			if hp.Protocol == "" {
				hp.Protocol = "TCP"
			}
			if hp.IP == "" {
				hp.IP = "0.0.0.0"
			}
			out = append(out, hp)
		}
	}
	return out
}

// controllerUID is the UID of the pod's controller (its ReplicaSet, say),
// or "" for a pod that has none.
func controllerUID(pod *api.Pod) string {
	if ref := api.ControllerRef(&pod.ObjectMeta); ref != nil {
		return ref.UID
	}
	return ""
}

// PodInfo is a pod with what the plugins count of it, worked out once per
// decision rather than once per node. It embeds the pod, so plugins read
// pod.Spec as usual.
type PodInfo struct {
	*api.Pod
	Requests        Resources // PodRequests
	NonZeroRequests Resources // the same with the scoring defaults
	HostPorts       []HostPort
	OwnerUID        string // the controller's UID, "" if none
	// Claims are the pod's PersistentVolumeClaims as the caches have
	// them (VolumeListers.ResolveClaims); the loop fills them in for the
	// pod it schedules, and only the VolumeBinding filter reads them.
	Claims []PodClaim
}

// NewPodInfo works out what the plugins need to know of pod.
func NewPodInfo(pod *api.Pod) *PodInfo {
	return &PodInfo{Pod: pod, Requests: podRequests(pod, false), NonZeroRequests: podRequests(pod, true),
		HostPorts: podHostPorts(pod), OwnerUID: controllerUID(pod)}
}

// placed is where the snapshot counts a pod.
type placed struct {
	*PodInfo
	node    string
	assumed bool // placed by this scheduler, not yet seen bound in the informer
}

// NodeInfo is one node with the sums of what its pods ask for. Plugins
// read it; only the Snapshot changes it.
type NodeInfo struct {
	Node *api.Node // nil while pods name a node whose Node object is not known (yet or any more)
	// Ready is the node's Ready condition being True, read once when the
	// node changes rather than in each of the thousands of decisions
	// between: a decision that walks the conditions of 1000 nodes spends
	// most of its filtering time waiting for memory.
	Ready       bool
	Allocatable Resources
	// Requested sums PodRequests of the node's pods, assumed ones included.
	Requested Resources
	// NonZeroRequested is Requested with the scoring defaults for
	// containers that request nothing; only score plugins use it.
	NonZeroRequested Resources
	// UsedPorts counts the pods using each host port.
	UsedPorts map[HostPort]int
	// Owners counts the node's pods per controller UID.
	Owners map[string]int

	pods map[string]*placed // by pod key
}

// NewNodeInfo returns the NodeInfo of node running pods; tests build
// nodes for plugins with it.
func NewNodeInfo(node *api.Node, pods ...*api.Pod) *NodeInfo {
	n := newNodeInfo()
	n.setNode(node)
	for _, p := range pods {
		n.addPod(client.KeyOf(p), &placed{PodInfo: NewPodInfo(p), node: node.Name})
	}
	return n
}

func newNodeInfo() *NodeInfo {
	return &NodeInfo{UsedPorts: map[HostPort]int{}, Owners: map[string]int{}, pods: map[string]*placed{}}
}

// Name is the node's name.
func (n *NodeInfo) Name() string { return n.Node.Name }

// NumPods is the number of pods counted on the node.
func (n *NodeInfo) NumPods() int { return len(n.pods) }

func (n *NodeInfo) setNode(node *api.Node) {
	n.Node = node
	n.Allocatable, n.Ready = Resources{}, false
	if node == nil {
		return
	}
	for _, c := range node.Status.Conditions {
		if c.Type == api.NodeReady {
			n.Ready = c.Status == api.ConditionTrue
			break
		}
	}
	get := func(name string) api.Quantity {
		if q, ok := node.Status.Allocatable[name]; ok {
			return q
		}
		return node.Status.Capacity[name] // Kubernetes defaults allocatable to capacity
	}
	cpu, mem, pods := get("cpu"), get("memory"), get("pods")
	n.Allocatable = Resources{MilliCPU: cpu.MilliValue(), Memory: mem.Value(), Pods: pods.Value()}
}

func (n *NodeInfo) addPod(key string, p *placed) {
	n.pods[key] = p
	n.Requested.add(p.Requests)
	n.NonZeroRequested.add(p.NonZeroRequests)
	for _, hp := range p.HostPorts {
		n.UsedPorts[hp]++
	}
	if p.OwnerUID != "" {
		n.Owners[p.OwnerUID]++
	}
}

func (n *NodeInfo) removePod(key string) {
	p, ok := n.pods[key]
	if !ok {
		return
	}
	delete(n.pods, key)
	n.Requested.sub(p.Requests)
	n.NonZeroRequested.sub(p.NonZeroRequests)
	for _, hp := range p.HostPorts {
		if n.UsedPorts[hp]--; n.UsedPorts[hp] <= 0 {
			delete(n.UsedPorts, hp)
		}
	}
	if p.OwnerUID != "" {
		if n.Owners[p.OwnerUID]--; n.Owners[p.OwnerUID] <= 0 {
			delete(n.Owners, p.OwnerUID)
		}
	}
}

// Snapshot is the scheduler's picture of the cluster: every node and the
// pods counted on each, bound and assumed. Schedule and the plugins only
// read it. The scheduling loop keeps one up to date from informer events,
// changing it only under its lock, between decisions, so that it never
// has to be rebuilt from the caches: with 1000 nodes and 10,000 pods, a
// rebuild per pod would cost more than the decision.
type Snapshot struct {
	nodes  map[string]*NodeInfo // by node name, including nodes known only from their pods
	sorted []*NodeInfo          // the nodes with a Node object, by name: the candidates
	// names are sorted's names, side by side in memory: every decision
	// names every node, and reading the name through each NodeInfo and
	// its Node object costs a wait for memory per node.
	names []string
	pods  map[string]*placed // by pod key: where each counted pod is
}

// NewSnapshot builds a snapshot of nodes and the pods bound to them (pods
// with no spec.nodeName, or finished, are left out).
func NewSnapshot(nodes []*api.Node, pods []*api.Pod) *Snapshot {
	s := &Snapshot{nodes: map[string]*NodeInfo{}, pods: map[string]*placed{}}
	for _, n := range nodes {
		s.SetNode(n)
	}
	for _, p := range pods {
		if counts(p) {
			s.AddPod(p)
		}
	}
	return s
}

// counts reports whether a pod takes up room on its node: it is bound and
// has not finished.
func counts(pod *api.Pod) bool {
	return pod.Spec.NodeName != "" && pod.Status.Phase != api.PodSucceeded && pod.Status.Phase != api.PodFailed
}

// Nodes returns the nodes a pod may be placed on, sorted by name.
func (s *Snapshot) Nodes() []*NodeInfo { return s.sorted }

// Node returns the named node, or nil.
func (s *Snapshot) Node(name string) *NodeInfo {
	if n := s.nodes[name]; n != nil && n.Node != nil {
		return n
	}
	return nil
}

// SetNode adds a node or replaces its Node object, keeping its pods.
func (s *Snapshot) SetNode(node *api.Node) {
	n := s.nodes[node.Name]
	if n == nil {
		n = newNodeInfo()
		s.nodes[node.Name] = n
	}
	known := n.Node != nil
	n.setNode(node)
	if !known {
		i, _ := slices.BinarySearch(s.names, node.Name)
		s.sorted = slices.Insert(s.sorted, i, n)
		s.names = slices.Insert(s.names, i, node.Name)
	}
}

// RemoveNode takes a node out of the candidates. Its pods stay counted
// until they go: if the node comes back, they are still there.
func (s *Snapshot) RemoveNode(name string) {
	n := s.nodes[name]
	if n == nil || n.Node == nil {
		return
	}
	if i, ok := slices.BinarySearch(s.names, name); ok {
		s.sorted = slices.Delete(s.sorted, i, i+1)
		s.names = slices.Delete(s.names, i, i+1)
	}
	n.setNode(nil)
	s.dropIfEmpty(name)
}

// AddPod counts a bound pod on its spec.nodeName. If the pod was counted
// already (assumed, or on another node), that entry is replaced.
func (s *Snapshot) AddPod(pod *api.Pod) {
	s.place(client.KeyOf(pod), &placed{PodInfo: NewPodInfo(pod), node: pod.Spec.NodeName})
}

// Assume counts pod on node before the binding is confirmed, so that the
// next decisions see the room it takes. Forget undoes it.
func (s *Snapshot) Assume(pod *PodInfo, node string) {
	s.place(client.KeyOf(pod), &placed{PodInfo: pod, node: node, assumed: true})
}

// Forget removes an assumed pod, after its binding failed. A pod the
// informer has meanwhile shown bound stays. It reports whether it removed
// the pod.
func (s *Snapshot) Forget(key string) bool {
	if p := s.pods[key]; p != nil && p.assumed {
		s.RemovePod(key)
		return true
	}
	return false
}

// RemovePod stops counting a pod.
func (s *Snapshot) RemovePod(key string) {
	p := s.pods[key]
	if p == nil {
		return
	}
	delete(s.pods, key)
	s.nodes[p.node].removePod(key)
	s.dropIfEmpty(p.node)
}

// Has reports whether a pod is counted, and whether only as assumed.
func (s *Snapshot) Has(key string) (counted, assumed bool) {
	p := s.pods[key]
	return p != nil, p != nil && p.assumed
}

func (s *Snapshot) place(key string, p *placed) {
	s.RemovePod(key)
	n := s.nodes[p.node]
	if n == nil {
		n = newNodeInfo()
		s.nodes[p.node] = n // the Node object has not arrived yet
	}
	n.addPod(key, p)
	s.pods[key] = p
}

// dropIfEmpty forgets a node that has neither a Node object nor pods.
func (s *Snapshot) dropIfEmpty(name string) {
	if n := s.nodes[name]; n != nil && n.Node == nil && len(n.pods) == 0 {
		delete(s.nodes, name)
	}
}
