// Package scheduler places pending pods on nodes. Its core is pure: filter
// and score plugins over a read-only Snapshot of the cluster give a
// Decision, and the loop around it does the writing. A pod goes through
// four steps.
//
// # 1. Filter
//
// Every filter looks at the pod and one node and says whether the pod may
// run there, and if not, why:
//
//	func NodeResourcesFit(pod *PodInfo, node *NodeInfo) (ok bool, reason string)
//
// NodeName, NodeReady, NodeUnschedulable, TaintToleration, NodeSelector,
// NodeAffinity, NodePorts, NodeResourcesFit and VolumeBinding run in that
// order; a node is out at its first failing filter. A NodeInfo holds the node and the
// sums over the pods on it (requested cpu, memory and pod count, used host
// ports), so that no filter has to look at those pods one by one; a
// PodInfo is the pod with its own sums, worked out once per decision
// rather than once for each of a thousand nodes.
//
// In a cluster of 100 nodes or more, the loop stops filtering once it
// has found enough nodes that pass (42% of 1000 nodes, as Kubernetes'
// percentageOfNodesToScore), and the next pod starts where the last one
// stopped, so that a burst still spreads over every node; the nodes a
// decision did not look at are in it, marked Skipped (sample.go). A pod
// that fits on few nodes or none is looked for on every node.
//
// When no node passes, the reasons are counted into a FitError whose
// message is Kubernetes' summary, which the pod's PodScheduled condition
// and a FailedScheduling event carry:
//
//	0/3 nodes are available: 2 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector.
//
// # 2. Score
//
// The nodes that pass are ranked from 0 to 100 by each score plugin, and
// the weighted scores added up: LeastAllocated prefers the emptiest nodes,
// SelectorSpread the nodes with the fewest pods of the same controller.
// The best score wins; ties go to the first node by name among those
// looked at.
//
//	snap := scheduler.NewSnapshot(nodes, pods)
//	d := scheduler.Schedule(pod, snap)
//	if d.Err != nil { … d.Err.Error() is the summary … }
//	… d.Node is the node; d.Nodes has every node's result and score …
//
// # 3. Assume
//
// Binding takes a round trip to the apiserver, and the informer shows the
// pod bound only later still. If the next pod were decided against a
// snapshot without the first, it would see the same emptiest node and go
// there too: a burst of pods would pile onto one node. So the loop counts
// the pod on its node at once (Snapshot.Assume), in the same step as the
// decision, and the next decision sees it. When the informer shows the
// pod bound, the assumed entry becomes a real one; if the binding fails,
// Snapshot.Forget takes it back out.
//
// # 4. Bind
//
// One goroutine decides, pod after pod; the writes go to up to
// Parallelism goroutines, since each waits on the apiserver. A writer
// binds with POST pods/{name}/binding through a Binder, with the
// decision's record in the same write, as the annotation
// scheduler.kubelab.io/decision, which `kctl describe pod` prints as a
// table of nodes, fit, score and reason, and how many nodes were not
// evaluated. For a pod that fits nowhere it sets PodScheduled=False and
// records a FailedScheduling event; the pod is retried with back-off, and
// at once when something changes that may give it room: a node added or
// changed, a pod gone, a claim or volume changed.
//
// A pod whose PersistentVolumeClaims wait for their first consumer
// (StorageClass volumeBindingMode WaitForFirstConsumer) is not bound at
// once: the writer marks each such claim with the chosen node
// (volume.kubernetes.io/selected-node), so that its volume is made there,
// and the pod stays assumed on that node, PodScheduled=False with reason
// WaitingForVolumeBinding, until the claims are bound; then it is bound
// (volumes.go is the filter, volumebind.go the wait).
//
// # Running it
//
// Run is the scheduler program. Start runs a scheduler in-process against
// an apiserver, for benchmarks and integration tests. New builds the loop
// from its parts (a pod lister, a Binder, a Patcher, an event recorder),
// for tests that feed it events by hand and record its writes with Fake.
package scheduler
