package scheduler

// Score plugins rank the nodes that passed every filter, each from 0
// (worst) to MaxScore (best). Like filters they are pure.

// MaxScore is the best score a plugin gives.
const MaxScore = 100

// LeastAllocated prefers the emptiest nodes: the average of the free cpu
// and free memory fractions of the node after the pod is placed, so that
// pods spread out and every node keeps room. Containers that request
// nothing count as 100m cpu and 200Mi memory here, as in Kubernetes, or
// such pods would not spread at all.
func LeastAllocated(pod *PodInfo, node *NodeInfo) int64 {
	req := pod.NonZeroRequests
	free := func(allocatable, requested int64) int64 {
		if allocatable <= 0 || requested >= allocatable {
			return 0
		}
		return (allocatable - requested) * MaxScore / allocatable
	}
	cpu := free(node.Allocatable.MilliCPU, node.NonZeroRequested.MilliCPU+req.MilliCPU)
	mem := free(node.Allocatable.Memory, node.NonZeroRequested.Memory+req.Memory)
	return (cpu + mem) / 2
}

// SelectorSpread prefers nodes with fewer pods of the pod's controller
// (the owner reference marked controller, a ReplicaSet say), so that one
// node going down takes few of its replicas. It returns that count; its
// normalize step, normalizeSpread, turns counts into scores, since "fewer"
// only means something against the other nodes. (Kubernetes' plugin of
// this name counted pods matched by the same Service and controller
// selectors; the owner is a simpler stand-in.)
func SelectorSpread(pod *PodInfo, node *NodeInfo) int64 {
	if pod.OwnerUID == "" {
		return 0
	}
	return int64(node.Owners[pod.OwnerUID])
}

// normalizeSpread turns pod counts into scores: MaxScore for the nodes
// with the fewest, falling in proportion to the busiest node's count,
// which scores 0.
func normalizeSpread(counts []int64) {
	var most int64
	for _, c := range counts {
		most = max(most, c)
	}
	for i, c := range counts {
		if most == 0 {
			counts[i] = MaxScore
		} else {
			counts[i] = MaxScore * (most - c) / most
		}
	}
}
