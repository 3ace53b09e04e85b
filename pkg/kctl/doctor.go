package kctl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"kubelab/pkg/kubelet"
	"kubelab/pkg/kubelet/network"
)

// `kctl doctor` looks at the machine it runs on for the traps of a real
// node (DESIGN.md §10) and says, for each, what it found and how to fix
// it. Like network.Checks, it is two halves: gatherDoctorFacts reads the
// machine (root, Docker, netlink, iptables), diagnose judges what was read
// and is pure, so its table of cases runs in tests without root.

func newDoctorCommand(g *globals) *cobra.Command {
	var nodeIP string
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check this machine for what breaks a kubelab node, and say how to fix it",
		Long: "doctor checks this machine as a kubelab node: Docker, root, ip_forward,\n" +
			"br_netfilter and the FORWARD policy, the iptables backend, the node address,\n" +
			"and state left by an earlier kubelet. It changes nothing. Run it as root on\n" +
			"each node; it exits 1 when it finds a problem.",
		Example: `  kctl doctor
  kctl doctor --node-ip 192.168.56.11     # the address the kubelet will get with --node-ip`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			facts := gatherDoctorFacts(cmd.Context(), nodeIP)
			if printFindings(g.out, diagnose(facts)) {
				return errReported
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&nodeIP, "node-ip", "", "the node's InternalIP, as given to kubelet --node-ip (default: what the kubelet would choose)")
	return cmd
}

// finding is one line of the report. fix is empty when there is nothing
// to do.
type finding struct {
	severity network.Severity
	message  string
	fix      string
}

// printFindings writes one line per finding and reports whether any is a
// problem.
func printFindings(w io.Writer, fs []finding) (problem bool) {
	for _, f := range fs {
		line := "[" + string(f.severity) + "] " + f.message
		if f.fix != "" {
			line += " → fix: " + f.fix
		}
		fmt.Fprintln(w, line)
		problem = problem || f.severity == network.Problem
	}
	return problem
}

// doctorFacts are what doctor read from the machine.
type doctorFacts struct {
	root      bool
	docker    string // the engine's version, "" when it did not answer
	dockerErr string

	nodeIP          string   // --node-ip, "" when not given
	defaultRouteDev string   // the kubelet's choice without --node-ip
	defaultRouteIP  string   //   and its address
	otherAddrs      []string // "192.168.56.11 on eth1": where else this machine could be reached

	network    []network.Finding // network.Checks, when it could run
	networkErr string

	kubeletRunning bool
	bridges        []string       // klab0, klab-lab: kubelab's bridges on the host
	chains         []string       // KLAB chains in the host's iptables
	containers     map[string]int // containers labelled io.kubelab.node, per node
}

// diagnose judges the facts. It is pure.
func diagnose(f doctorFacts) []finding {
	var out []finding
	add := func(s network.Severity, fix, format string, args ...any) {
		out = append(out, finding{s, fmt.Sprintf(format, args...), fix})
	}

	if f.root {
		add(network.OK, "", "running as root")
	} else {
		add(network.Problem, "run it as root (sudo kctl doctor), as the kubelet must run",
			"not running as root: the kubelet needs root for netlink, iptables and mounts, and doctor to read iptables")
	}
	if f.docker != "" {
		add(network.OK, "", "Docker reachable, version %s", f.docker)
	} else {
		add(network.Problem, "start it (systemctl start docker), or point DOCKER_HOST at its socket",
			"Docker is not reachable: %s", f.dockerErr)
	}

	switch {
	case f.nodeIP != "":
		// network.Checks compares it with the default route.
	case f.defaultRouteDev == "":
		add(network.Problem, "give the kubelet --node-ip <this machine's address on the nodes' network>",
			"no default route, so the kubelet cannot guess the node's address")
	case len(f.otherAddrs) > 0:
		add(network.Warning, "if the other nodes and the apiserver reach this machine there, give the kubelet --node-ip with it (and run kctl doctor --node-ip with it)",
			"without --node-ip the kubelet takes %s on %s (the default route's interface), but this machine also has %s; "+
				"on a Vagrant VM the default route is the NAT interface, which no other VM can reach",
			f.defaultRouteIP, f.defaultRouteDev, strings.Join(f.otherAddrs, ", "))
	default:
		add(network.OK, "", "node address without --node-ip: %s on %s, the only interface", f.defaultRouteIP, f.defaultRouteDev)
	}

	if f.networkErr != "" {
		add(network.Warning, "", "could not run the network checks: %s", f.networkErr)
	}
	for _, nf := range f.network {
		out = append(out, finding{nf.Severity, nf.Message, networkFix(nf)})
	}

	out = append(out, leftovers(f)...)
	return out
}

// networkFixes give the command for each of network.Checks' findings that
// needs one, keyed by a phrase of its message. A finding whose wording
// changes loses its fix line, not its message.
var networkFixes = []struct{ phrase, fix string }{
	{"ip_forward=", "sysctl -w net.ipv4.ip_forward=1 (and net.ipv4.ip_forward=1 in /etc/sysctl.d/ to keep it); a running kubelet sets it itself"},
	{"br_netfilter is not loaded", "modprobe br_netfilter; echo br_netfilter >/etc/modules-load.d/kubelab.conf"},
	{"no rule jumps to", "start the kubelet (its network Init adds KLAB-FORWARD), or accept pod traffic yourself: " +
		"iptables -I DOCKER-USER -s 10.244.0.0/16 -j ACCEPT; iptables -I DOCKER-USER -d 10.244.0.0/16 -j ACCEPT"},
	{"iptables-legacy holds tables", "look at them with iptables-legacy-save; make every tool use one backend " +
		"(update-alternatives --set iptables /usr/sbin/iptables-nft), restart Docker, then kubelet --cleanup and start it again"},
	{"iptables not found", "install iptables (apt-get install iptables)"},
	{"is on no interface", "give --node-ip an address of this machine (ip -4 addr)"},
	{"the default route leaves by", "nothing, if that address is the one the other nodes reach; else kubelet --node-ip <that address>"},
}

func networkFix(f network.Finding) string {
	if f.Severity == network.OK {
		return ""
	}
	for _, x := range networkFixes {
		if strings.Contains(f.Message, x.phrase) {
			return x.fix
		}
	}
	return ""
}

// leftovers judges kubelab's state on the host: with a kubelet running it
// is that kubelet's; without one it is left from an earlier run, and old
// KLAB rules or containers confuse the next.
func leftovers(f doctorFacts) []finding {
	var what []string
	what = append(what, f.bridges...)
	if len(f.chains) > 0 {
		what = append(what, "iptables chains "+strings.Join(f.chains, ", "))
	}
	nodes := make([]string, 0, len(f.containers))
	for n := range f.containers {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	for _, n := range nodes {
		what = append(what, fmt.Sprintf("%d containers of node %s", f.containers[n], n))
	}
	switch {
	case len(what) == 0 && f.kubeletRunning:
		return []finding{{network.Warning, "a kubelet runs here but has made nothing on the host yet (or runs in another network namespace)", ""}}
	case len(what) == 0:
		return []finding{{network.OK, "no kubelab state left on the host (bridges, KLAB chains, containers)", ""}}
	case f.kubeletRunning:
		return []finding{{network.OK, "kubelab state of the running kubelet: " + strings.Join(what, "; "), ""}}
	}
	return []finding{{network.Warning, "kubelab state but no kubelet running: " + strings.Join(what, "; "),
		"make down (or make lab-down), or on a lab VM: kubelet --runtime docker --cleanup --node-name <node>"}}
}

// gatherDoctorFacts reads the machine. What it cannot read it leaves
// empty, which diagnose reports.
func gatherDoctorFacts(ctx context.Context, nodeIP string) doctorFacts {
	f := doctorFacts{root: os.Geteuid() == 0, nodeIP: nodeIP}
	f.docker, f.containers, f.dockerErr = dockerFacts(ctx)
	f.defaultRouteDev, f.defaultRouteIP, f.otherAddrs = addressFacts()

	// Any pod CIDR will do: the checks look at the node, not at its pods.
	n, err := network.New(network.Config{PodCIDR: "10.244.0.0/24", NodeIP: nodeIP})
	if err != nil {
		f.networkErr = err.Error()
	} else {
		f.network = n.Checks(ctx)
		n.Close()
	}

	f.kubeletRunning = processRunning("kubelet")
	for _, br := range []string{network.DefaultBridge, "klab-lab"} {
		if _, err := net.InterfaceByName(br); err == nil {
			f.bridges = append(f.bridges, "bridge "+br)
		}
	}
	if out, err := exec.CommandContext(ctx, "iptables-save").Output(); err == nil {
		f.chains = klabChains(string(out))
	}
	return f
}

// klabChains lists the chains named KLAB-* in iptables-save output.
func klabChains(save string) []string {
	var chains []string
	for _, line := range strings.Split(save, "\n") {
		if strings.HasPrefix(line, ":KLAB") {
			chains = append(chains, strings.Fields(line[1:])[0])
		}
	}
	return chains
}

// addressFacts finds the default route's interface and its address, and
// the other interfaces' addresses a node could be reached on (Docker's
// and kubelab's own bridges and the pods' veths do not count).
func addressFacts() (dev, ip string, others []string) {
	if b, err := os.ReadFile("/proc/net/route"); err == nil {
		dev = defaultRouteDev(string(b))
	}
	ifaces, err := net.Interfaces()
	if err != nil {
		return dev, "", nil
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagLoopback != 0 || ifc.Flags&net.FlagUp == 0 || !nodeInterface(ifc.Name) {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
				if ifc.Name == dev && ip == "" {
					ip = n.IP.String()
				} else {
					others = append(others, n.IP.String()+" on "+ifc.Name)
				}
			}
		}
	}
	return dev, ip, others
}

// nodeInterface says whether an interface could carry a node's address:
// not one of Docker's, kubelab's or a container's.
func nodeInterface(name string) bool {
	for _, p := range []string{"docker", "br-", "veth", "klab", "cni", "flannel"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	return true
}

// defaultRouteDev returns the interface of the lowest-metric default
// route in /proc/net/route, as the kubelet chooses it.
func defaultRouteDev(table string) string {
	best, bestMetric := "", -1
	for i, line := range strings.Split(table, "\n") {
		f := strings.Fields(line) // Iface Destination Gateway Flags RefCnt Use Metric Mask …
		if i == 0 || len(f) < 8 || f[1] != "00000000" || f[7] != "00000000" {
			continue
		}
		var metric int
		if _, err := fmt.Sscan(f[6], &metric); err != nil {
			continue
		}
		if bestMetric < 0 || metric < bestMetric {
			best, bestMetric = f[0], metric
		}
	}
	return best
}

// processRunning reports whether a process with this command name runs
// (any network namespace: a lab's kubelets run in the nodes').
func processRunning(name string) bool {
	comms, _ := filepath.Glob("/proc/[0-9]*/comm")
	for _, c := range comms {
		if b, err := os.ReadFile(c); err == nil && strings.TrimSpace(string(b)) == name {
			return true
		}
	}
	return false
}

// dockerFacts asks the Docker Engine, over its API socket, for its version
// and for the containers kubelets labelled with their node. kctl talks to
// the engine with plain HTTP so the CLI does not carry a Docker client.
func dockerFacts(ctx context.Context) (version string, perNode map[string]int, errText string) {
	sock := "/var/run/docker.sock"
	if h := os.Getenv("DOCKER_HOST"); strings.HasPrefix(h, "unix://") {
		sock = strings.TrimPrefix(h, "unix://")
	} else if h != "" {
		return "", nil, "DOCKER_HOST=" + h + ": doctor only speaks to a unix socket"
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	get := func(path string, into any) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker"+path, nil)
		if err != nil {
			return err
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", path, resp.Status)
		}
		return json.NewDecoder(resp.Body).Decode(into)
	}
	var v struct{ Version string }
	if err := get("/version", &v); err != nil {
		return "", nil, fmt.Sprintf("%s: %v", sock, err)
	}
	var list []struct{ Labels map[string]string }
	filter := url.QueryEscape(`{"label":["` + kubelet.LabelNode + `"]}`)
	if err := get("/containers/json?all=1&filters="+filter, &list); err != nil {
		return v.Version, nil, ""
	}
	perNode = map[string]int{}
	for _, ctr := range list {
		perNode[ctr.Labels[kubelet.LabelNode]]++
	}
	return v.Version, perNode, ""
}
