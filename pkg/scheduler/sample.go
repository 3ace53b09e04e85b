package scheduler

// In a big cluster, most of a decision's time goes to filtering nodes
// that the scores would then pass over: with a thousand empty nodes, a
// few hundred that fit are as good a choice as all of them. So the
// scheduling loop, as Kubernetes' (percentageOfNodesToScore), filters
// nodes only until it has found enough that fit, and scores those. The
// next pod starts where the last one stopped, so that every node is
// looked at in turn and a burst of pods spreads over the whole cluster.
// A cluster under 100 nodes, the labs' size, is always looked at whole.
//
// The nodes a decision did not look at are in it all the same, marked
// Skipped, and its record counts them (Record), so that `kctl describe
// pod` says how many nodes were not evaluated rather than count them as
// nodes that did not fit. Sampling only ever stops a decision that has
// found nodes that fit: when nothing fits, every node was evaluated, and
// FitError counts them all.

// Kubernetes' bounds (pkg/scheduler/schedule_one.go,
// numFeasibleNodesToFind).
const (
	minNodesToFind      = 100 // look for at least this many nodes that fit
	minPercentageToFind = 5   // and for at least this share of the nodes
)

// sample is where a decision starts among the nodes sorted by name, and
// what share of them it looks for. The zero value starts at the first
// node and takes Kubernetes' adaptive share.
type sample struct {
	from       int
	percentage int // 1 to 100; 0: Kubernetes' adaptive share
}

// everyNode is the sample of a decision that looks at every node.
var everyNode = sample{percentage: 100}

// want is how many nodes that fit the decision looks for, among all.
func (sm sample) want(all int) int {
	if sm.percentage >= 100 || all < minNodesToFind {
		return all
	}
	pct := sm.percentage
	if pct <= 0 {
		// 50% less 1% per 125 nodes: 42% of 1000 nodes, 10% of 5000.
		pct = max(50-all/125, minPercentageToFind)
	}
	return max(all*pct/100, minNodesToFind)
}
