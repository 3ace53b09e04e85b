package dashboard

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/printers"
)

// The cluster map: one column per node with its pods as cards, grouped by
// their owner, and a lane for the pods no node has taken yet, with the
// scheduler's reason. Everything here is read from the caches and shaped
// for the templates; nothing is written.

// clusterMap is the model of the map view.
type clusterMap struct {
	Namespace string     // "" when every namespace is shown
	Pending   []podCard  // pods with no node, oldest first
	Nodes     []nodeView // by name; then the nodes pods name but no Node object is for
}

// nodeView is one node's column.
type nodeView struct {
	ID, Name string
	Known    bool   // a Node object exists (else only its pods do)
	Ready    string // the Ready condition: True, False or Unknown
	Status   string // kubectl's STATUS: Ready, NotReady,SchedulingDisabled, ...
	Cordoned bool
	Roles    string
	Runtime  string   // fake://1, docker://27.0 ...
	Problems []string // conditions other than Ready that are True, and taints
	CPU      usage
	Memory   usage
	PodSlots usage
	Groups   []podGroup
	Count    int // cards shown

	allocatable resources
}

// usage is what the pods on a node request of what it can give.
type usage struct {
	Used, Total string
	Percent     int // 0-100, for the bar; over 100 is shown as 100
}

// podGroup is the cards of one owner on one node.
type podGroup struct {
	Owner string // "ReplicaSet kubia", "no owner"
	Pods  []podCard
}

// podCard is one pod as the map and the workloads show it.
type podCard struct {
	Key, Namespace, Name string
	URL                  string
	State                string // the CSS class: ready, unready, pending, unscheduled, failing, succeeded, failed, terminating, unknown
	Ready, Status        string // kubectl's READY and STATUS
	Restarts             string
	Age                  string
	Node                 string
	Reason               string // for a pod no node has taken: why
}

// buildMap reads the map from the caches. Pods of every namespace count
// in their node's usage; cards are shown for namespace ns only ("" all).
func buildMap(c *caches, ns string, now time.Time) clusterMap {
	m := clusterMap{Namespace: ns}
	owners := newOwnerNames(c)
	columns := map[string]*nodeView{}
	requested := map[string]resources{}
	for _, n := range listOf[*api.Node](c.nodes) {
		v := nodeColumn(n, now)
		columns[n.Name] = &v
	}
	cards := map[string]map[string][]podCard{} // node → owner → cards
	for _, p := range listOf[*api.Pod](c.pods) {
		node := p.Spec.NodeName
		if node != "" && !finished(p) {
			r := requested[node]
			requested[node] = r.add(podRequests(p))
		}
		if ns != "" && p.Namespace != ns {
			continue
		}
		card := newPodCard(p, now)
		if node == "" {
			m.Pending = append(m.Pending, card)
			continue
		}
		if columns[node] == nil {
			columns[node] = &nodeView{ID: nodeFragment(node), Name: node, Ready: api.ConditionUnknown, Status: "no Node object"}
		}
		if cards[node] == nil {
			cards[node] = map[string][]podCard{}
		}
		owner := owners.of(p)
		cards[node][owner] = append(cards[node][owner], card)
	}
	for name, col := range columns {
		col.addUsage(requested[name])
		for owner, pods := range cards[name] {
			col.Groups = append(col.Groups, podGroup{Owner: owner, Pods: pods})
			col.Count += len(pods)
		}
		slices.SortFunc(col.Groups, func(a, b podGroup) int { return cmp.Compare(a.Owner, b.Owner) })
		m.Nodes = append(m.Nodes, *col)
	}
	slices.SortFunc(m.Nodes, func(a, b nodeView) int {
		if a.Known != b.Known {
			return cmpBool(a.Known, b.Known)
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return m
}

// column returns the node's column, if the map has one.
func (m clusterMap) column(node string) (nodeView, bool) {
	i := slices.IndexFunc(m.Nodes, func(n nodeView) bool { return n.Name == node })
	if i < 0 {
		return nodeView{}, false
	}
	return m.Nodes[i], true
}

// nodeColumn is a node's column before its pods are added.
func nodeColumn(n *api.Node, now time.Time) nodeView {
	v := nodeView{ID: nodeFragment(n.Name), Name: n.Name, Known: true, Ready: api.ConditionUnknown,
		Cordoned: n.Spec.Unschedulable, Roles: printers.NodeRoles(n), Runtime: n.Status.NodeInfo.ContainerRuntimeVersion}
	if cells := printers.Cells(n, now); len(cells) > 1 {
		v.Status = fmt.Sprint(cells[1])
	}
	for _, cond := range n.Status.Conditions {
		switch {
		case cond.Type == api.NodeReady:
			v.Ready = cond.Status
		case cond.Status == api.ConditionTrue:
			v.Problems = append(v.Problems, cond.Type)
		}
	}
	for _, t := range n.Spec.Taints {
		if t.Key == api.TaintNodeUnschedulable {
			continue // the cordon badge says it
		}
		v.Problems = append(v.Problems, "taint "+t.Key+":"+t.Effect)
	}
	alloc := n.Status.Allocatable
	if alloc == nil {
		alloc = n.Status.Capacity
	}
	cpu, mem, pods := alloc["cpu"], alloc["memory"], alloc["pods"]
	v.allocatable = resources{milliCPU: cpu.MilliValue(), memory: mem.Value(), pods: pods.Value()}
	v.CPU.Total, v.Memory.Total, v.PodSlots.Total = cpu.String(), bytesText(mem.Value()), fmt.Sprint(pods.Value())
	return v
}

// addUsage fills in what the node's pods request, r, against what it can
// give; a node without an object gives nothing.
func (v *nodeView) addUsage(r resources) {
	a := v.allocatable
	v.CPU.Used, v.CPU.Percent = api.NewMilliQuantity(r.milliCPU).String(), percent(r.milliCPU, a.milliCPU)
	v.Memory.Used, v.Memory.Percent = bytesText(r.memory), percent(r.memory, a.memory)
	v.PodSlots.Used, v.PodSlots.Percent = fmt.Sprint(r.pods), percent(r.pods, a.pods)
}

func percent(used, total int64) int {
	if total <= 0 {
		return 0
	}
	return int(min(100, used*100/total))
}

// newPodCard reads what a card shows from a pod.
func newPodCard(p *api.Pod, now time.Time) podCard {
	c := podCard{Key: p.Namespace + "/" + p.Name, Namespace: p.Namespace, Name: p.Name, URL: podURL(p.Namespace, p.Name),
		Node: p.Spec.NodeName, Age: printers.Age(p.CreationTimestamp, now)}
	if cells := printers.Cells(p, now); len(cells) > 3 {
		c.Ready, c.Status, c.Restarts = fmt.Sprint(cells[1]), fmt.Sprint(cells[2]), fmt.Sprint(cells[3])
	}
	c.State = podState(p, c.Status)
	if p.Spec.NodeName == "" {
		c.Reason = "waiting for the scheduler"
		if cond := podCondition(p, api.PodScheduled); cond != nil && cond.Status == api.ConditionFalse && cond.Message != "" {
			c.Reason = cond.Message
		}
	}
	return c
}

// podState is the colour of a pod's card: its phase, readiness and
// whether it is going away.
func podState(p *api.Pod, status string) string {
	switch {
	case p.DeletionTimestamp != nil:
		return "terminating"
	case p.Status.Phase == api.PodSucceeded:
		return "succeeded"
	case p.Status.Phase == api.PodFailed:
		return "failed"
	case p.Status.Phase == api.PodUnknown:
		return "unknown"
	case failing(status):
		return "failing"
	case p.Spec.NodeName == "":
		return "unscheduled"
	case p.Status.Phase == api.PodRunning:
		if cond := podCondition(p, api.PodReady); cond != nil && cond.Status == api.ConditionTrue {
			return "ready"
		}
		return "unready"
	}
	return "pending"
}

// failing reports a STATUS that says a container cannot start or keeps
// crashing: CrashLoopBackOff, ErrImageNeverPull, CreateContainerConfigError.
func failing(status string) bool {
	return strings.Contains(status, "BackOff") || strings.Contains(status, "Err")
}

func podCondition(p *api.Pod, typ string) *api.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == typ {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// finished reports a pod that holds nothing of its node any more.
func finished(p *api.Pod) bool {
	return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed
}

// ownerNames names the owner a pod's card is grouped under: its
// controller, and for a ReplicaSet of a Deployment, the Deployment too.
type ownerNames struct{ replicaSets cache }

func newOwnerNames(c *caches) ownerNames { return ownerNames{replicaSets: c.replicaSets} }

func (o ownerNames) of(p *api.Pod) string {
	ref := api.ControllerRef(&p.ObjectMeta)
	if ref == nil {
		return "no owner"
	}
	name := ref.Kind + " " + ref.Name
	if ref.Kind == "ReplicaSet" {
		if rs, ok := getAs[*api.ReplicaSet](o.replicaSets, p.Namespace+"/"+ref.Name); ok {
			if up := api.ControllerRef(&rs.ObjectMeta); up != nil {
				name += " (" + up.Kind + " " + up.Name + ")"
			}
		}
	}
	return name
}

// bytesText writes a memory size the way a person reads it: 8Gi, 1.5Gi,
// 192Mi.
func bytesText(b int64) string {
	switch {
	case b >= 1<<30:
		if b%(1<<30) == 0 {
			return fmt.Sprintf("%dGi", b>>30)
		}
		return fmt.Sprintf("%.1fGi", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%dMi", b>>20)
	case b >= 1<<10:
		return fmt.Sprintf("%dKi", b>>10)
	}
	return fmt.Sprint(b)
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}
