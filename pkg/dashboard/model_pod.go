package dashboard

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/printers"
)

// The pod page: what `kctl describe pod` prints, with the scheduler's
// decision as a table and the pod's events as a timeline.

// podPage is the model of the pod view.
type podPage struct {
	Found                       bool
	Namespace, Name, Key        string
	Node, HostIP, PodIP         string
	Ready, Status, Restarts     string
	State                       string // the card colour (model_map.go)
	Age, Created                string
	Deleting                    bool
	ControlledBy, ControllerURL string
	ServiceAccount, QoS         string
	Labels                      []string
	Conditions                  []conditionView
	Containers                  []containerView
	Scheduling                  *scheduling
	PendingReason               string // PodScheduled=False's message
	Events                      []eventView
	Logs                        logsView
}

type conditionView struct {
	Type, Status, Reason, Message, Since string
}

type containerView struct {
	Name, Image    string
	State          string // Running, Waiting, Terminated
	StateDetail    string // since when, or why
	Ready          bool
	Restarts       int32
	LastState      string // the last termination: reason, exit code, when
	Requests       string
	Init           bool
	LivenessProbe  bool
	ReadinessProbe bool
}

// scheduling is the scheduler's decision record, the annotation
// scheduler.kubelab.io/decision (pkg/scheduler, DecisionRecord): each
// node's filter result and score, the chosen node first.
type scheduling struct {
	// Skipped counts the nodes the scheduler did not evaluate: it had
	// found enough that fit (percentageOfNodesToScore).
	Total, Feasible, Skipped, More int
	Rows                           []schedulingRow
	Unreadable                     string // the annotation did not decode: why
}

type schedulingRow struct {
	Node, Score, Reason  string
	Fit, Chosen, Skipped bool
}

// decisionAnnotation is where the scheduler records its decision.
const decisionAnnotation = "scheduler.kubelab.io/decision"

// logsView says whether the page can follow the pod's logs.
type logsView struct {
	Available  bool
	Why        string // when not
	Containers []string
}

// buildPodPage reads the pod ns/name and its events from the caches.
func buildPodPage(c *caches, ns, name string, now time.Time) podPage {
	pg := podPage{Namespace: ns, Name: name, Key: ns + "/" + name}
	p, ok := getAs[*api.Pod](c.pods, pg.Key)
	if !ok {
		return pg
	}
	pg.Found = true
	card := newPodCard(p, now)
	pg.Ready, pg.Status, pg.Restarts, pg.State, pg.Age = card.Ready, card.Status, card.Restarts, card.State, card.Age
	pg.Created = p.CreationTimestamp.UTC().Format(time.RFC3339)
	pg.Node, pg.HostIP, pg.PodIP = p.Spec.NodeName, p.Status.HostIP, p.Status.PodIP
	pg.Deleting = p.DeletionTimestamp != nil
	pg.ServiceAccount, pg.QoS = p.Spec.ServiceAccountName, p.Status.QOSClass
	if pg.QoS == "" {
		pg.QoS = api.PodQOSClass(p)
	}
	if ref := api.ControllerRef(&p.ObjectMeta); ref != nil {
		pg.ControlledBy = ref.Kind + "/" + ref.Name
		pg.ControllerURL = workloadsURL(ns)
	}
	for _, k := range sortedKeys(p.Labels) {
		pg.Labels = append(pg.Labels, k+"="+p.Labels[k])
	}
	for _, cond := range p.Status.Conditions {
		pg.Conditions = append(pg.Conditions, conditionView{Type: cond.Type, Status: cond.Status, Reason: cond.Reason,
			Message: cond.Message, Since: printers.Age(cond.LastTransitionTime, now)})
	}
	if card.Reason != "" {
		pg.PendingReason = card.Reason
	}
	pg.Containers = append(containerViews(p.Spec.InitContainers, p.Status.InitContainerStatuses, true, now),
		containerViews(p.Spec.Containers, p.Status.ContainerStatuses, false, now)...)
	pg.Scheduling = decodeScheduling(p.Annotations[decisionAnnotation], p.Spec.NodeName)
	pg.Events = podEvents(c, p, now)
	pg.Logs = logsFor(c, p)
	return pg
}

func containerViews(cs []api.Container, statuses []api.ContainerStatus, init bool, now time.Time) []containerView {
	out := make([]containerView, 0, len(cs))
	for _, ct := range cs {
		v := containerView{Name: ct.Name, Image: ct.Image, Init: init, State: "Waiting",
			LivenessProbe: ct.LivenessProbe != nil, ReadinessProbe: ct.ReadinessProbe != nil}
		var parts []string
		for _, name := range sortedKeys(ct.Resources.Requests) {
			q := ct.Resources.Requests[name]
			parts = append(parts, name+" "+q.String())
		}
		v.Requests = strings.Join(parts, ", ")
		i := slices.IndexFunc(statuses, func(s api.ContainerStatus) bool { return s.Name == ct.Name })
		if i >= 0 {
			st := statuses[i]
			v.Ready, v.Restarts = st.Ready, st.RestartCount
			v.State, v.StateDetail = stateText(st.State, now)
			if t := st.LastTerminationState.Terminated; t != nil {
				v.LastState = fmt.Sprintf("%s, exit code %d, %s ago", orDefault(t.Reason, "Terminated"), t.ExitCode,
					printers.Age(t.FinishedAt, now))
			}
		}
		out = append(out, v)
	}
	return out
}

// stateText is a container state in a word and a detail.
func stateText(s api.ContainerState, now time.Time) (string, string) {
	switch {
	case s.Running != nil:
		return "Running", "for " + printers.Age(s.Running.StartedAt, now)
	case s.Terminated != nil:
		t := s.Terminated
		return "Terminated", fmt.Sprintf("%s, exit code %d", orDefault(t.Reason, "Terminated"), t.ExitCode)
	case s.Waiting != nil:
		return "Waiting", strings.TrimSpace(s.Waiting.Reason + " " + s.Waiting.Message)
	}
	return "Waiting", ""
}

// decodeScheduling reads the decision annotation, nil when there is none.
func decodeScheduling(value, chosen string) *scheduling {
	if value == "" {
		return nil
	}
	var rec struct {
		Total    int `json:"total"`
		Feasible int `json:"feasible"`
		Skipped  int `json:"skipped"`
		Nodes    []struct {
			Node    string `json:"node"`
			Fit     bool   `json:"fit"`
			Score   int64  `json:"score"`
			Reason  string `json:"reason"`
			Skipped bool   `json:"skipped"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(value), &rec); err != nil {
		return &scheduling{Unreadable: err.Error()}
	}
	s := &scheduling{Total: rec.Total, Feasible: rec.Feasible, Skipped: rec.Skipped, More: rec.Total - len(rec.Nodes)}
	for _, n := range rec.Nodes {
		row := schedulingRow{Node: n.Node, Fit: n.Fit, Reason: n.Reason, Skipped: n.Skipped, Chosen: n.Node == chosen && chosen != ""}
		if n.Skipped {
			row.Reason = "not evaluated"
		}
		if n.Fit {
			row.Score = fmt.Sprint(n.Score)
		}
		s.Rows = append(s.Rows, row)
	}
	return s
}

// podEvents are the events about p, oldest first: a timeline.
func podEvents(c *caches, p *api.Pod, now time.Time) []eventView {
	var evs []*api.Event
	for _, e := range listOf[*api.Event](c.events) {
		ref := e.InvolvedObject
		if ref.Kind == "Pod" && ref.Namespace == p.Namespace && ref.Name == p.Name && (ref.UID == "" || ref.UID == p.UID) {
			evs = append(evs, e)
		}
	}
	sortEvents(evs)
	out := make([]eventView, 0, len(evs))
	for _, e := range evs {
		out = append(out, newEventView(e, now))
	}
	return out
}

// logsFor says whether the pod's logs can be followed: a real node's
// runtime keeps them; a simulated node's (kubelet --runtime=fake) has none.
func logsFor(c *caches, p *api.Pod) logsView {
	var v logsView
	for _, ct := range p.Spec.Containers {
		v.Containers = append(v.Containers, ct.Name)
	}
	if p.Spec.NodeName == "" {
		v.Why = "The pod has no node yet: its containers have not run."
		return v
	}
	node, ok := getAs[*api.Node](c.nodes, p.Spec.NodeName)
	if !ok {
		v.Why = "The pod's node " + p.Spec.NodeName + " has no Node object."
		return v
	}
	if rt := node.Status.NodeInfo.ContainerRuntimeVersion; strings.HasPrefix(rt, "fake://") {
		v.Why = "Node " + node.Name + " is simulated (kubelet --runtime=fake, " + rt + "): its containers write no logs. A pod on a real node shows its logs here."
		return v
	}
	v.Available = true
	return v
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
