package kctl

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"kubelab/pkg/nodecheck"
)

// The half of kctl doctor that reads the machine. It reads what the
// kubelet's network.Checks reads, but from the network namespace kctl
// runs in and without netlink or go-iptables: /proc for the kernel's
// settings and routes, the standard library for addresses, the iptables
// command for the rules, plain HTTP for Docker, and anonymous requests
// to kubelab's own listeners, through loopback only (doctor_probe.go). So
// the CLI links none of the kubelet's machinery, and the kubelet's Checks
// keeps its own way into a node's namespace.

// gatherDoctorFacts reads the machine. What it cannot read it leaves
// empty, which diagnose reports.
func gatherDoctorFacts(ctx context.Context, nodeIP string) doctorFacts {
	f := doctorFacts{root: os.Geteuid() == 0, nodeIP: nodeIP}
	f.docker, f.containers, f.dockerErr = dockerFacts(ctx)
	f.defaultRouteDev, f.defaultRouteIP, f.otherAddrs = addressFacts()

	f.network, f.networkErr = networkFacts(ctx, nodeIP, f.defaultRouteDev)

	f.listeners, f.listenersErr = listeningSockets()
	f.access = probeListeners(ctx, f.listeners, nodecheck.KubelabPorts) // through loopback only: doctor_probe.go
	f.kubeletRunning = processRunning("kubelet")
	for _, br := range []string{nodecheck.DefaultBridge, nodecheck.LabBridge} {
		if _, err := net.InterfaceByName(br); err == nil {
			f.bridges = append(f.bridges, "bridge "+br)
		}
	}
	if out, err := exec.CommandContext(ctx, "iptables-save").Output(); err == nil {
		f.chains = klabChains(string(out))
		f.proxyHooks = proxyHooks(string(out))
	}
	f.proxyTable, f.proxyTableErr = proxyTable(ctx)
	return f
}

// proxyHooks lists the built-in nat chains that jump to the proxy's
// KLAB-SERVICES in iptables-save output: where its iptables mode catches
// packets for services.
func proxyHooks(save string) []string {
	var hooks []string
	nat := false
	for _, line := range strings.Split(save, "\n") {
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "*"):
			nat = line == "*nat"
		case nat && len(f) >= 4 && f[0] == "-A" && (f[1] == "PREROUTING" || f[1] == "OUTPUT") &&
			f[len(f)-2] == "-j" && f[len(f)-1] == nodecheck.ProxyServicesChain:
			hooks = append(hooks, f[1])
		}
	}
	return hooks
}

// proxyTable reports whether the proxy's nftables table exists, from
// `nft list tables`. Without the nft command there is none: the
// nftables mode cannot have run here.
func proxyTable(ctx context.Context) (bool, string) {
	out, err := command(ctx, "nft", "list", "tables")
	if errors.Is(err, exec.ErrNotFound) {
		return false, ""
	}
	if err != nil {
		return false, err.Error()
	}
	return hasProxyTable(out), ""
}

// hasProxyTable finds "table ip kubelab" in `nft list tables` output.
func hasProxyTable(listing string) bool {
	for _, line := range strings.Split(listing, "\n") {
		if strings.TrimSpace(line) == "table ip "+nodecheck.ProxyTable {
			return true
		}
	}
	return false
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

// networkFacts reads the facts nodecheck.Evaluate judges. A --node-ip
// that is no IPv4 address stops it, as it stops the kubelet.
func networkFacts(ctx context.Context, nodeIP, defaultRouteDev string) (nodecheck.NetworkFacts, string) {
	f := nodecheck.NetworkFacts{DefaultRouteDev: defaultRouteDev}
	if nodeIP != "" {
		ip, err := netip.ParseAddr(nodeIP)
		if err != nil || !ip.Is4() {
			return f, fmt.Sprintf("node IP %q: not an IPv4 address", nodeIP)
		}
		f.NodeIP, f.NodeIPDev = ip.String(), interfaceWith(ip)
	}
	note := func(err error) {
		if err != nil {
			f.Errs = append(f.Errs, err)
		}
	}
	var err error
	f.IPForward, err = readSysctl(nodecheck.SysctlIPForward)
	note(err)
	f.BridgeNFCall, err = readSysctl(nodecheck.SysctlBridgeNFCallIPTables)
	f.BrNetfilter = !errors.Is(err, fs.ErrNotExist)
	if f.BrNetfilter {
		note(err)
	}
	f.IPTablesVersion, err = command(ctx, "iptables", "--version")
	note(err)
	rules, err := command(ctx, "iptables", "-w", "-v", "-S") // the filter table, with counters
	note(err)
	if err == nil {
		lines := strings.Split(rules, "\n")
		f.ForwardPolicy = nodecheck.ForwardPolicy(lines)
		f.ForwardHooked = nodecheck.Hooked(lines, "FORWARD", nodecheck.ForwardChain)
		f.Egress, f.EgressRefused, err = nodecheck.Egress(lines)
		note(err)
	}
	podNetworkFacts(ctx, &f)
	// The tables of the legacy backend, which iptables-nft does not show.
	if b, err := os.ReadFile("/proc/net/ip_tables_names"); err == nil {
		f.LegacyTables = strings.Fields(string(b))
	} else if !errors.Is(err, fs.ErrNotExist) { // no ip_tables module: no legacy tables
		note(err)
	}
	return f, ""
}

// podNetworkFacts reads how pod traffic crosses nodes: vxlan mode when
// the kubelet's VXLAN device exists, host-gw when only the pods' bridge
// does. The standard library reads the links of the namespace kctl runs
// in (through netlink, unlike /sys, which shows the namespace it was
// mounted in); `ip -d -j link` adds what only it prints of a VXLAN
// device: its VNI, port, address and link.
func podNetworkFacts(ctx context.Context, f *nodecheck.NetworkFacts) {
	if br, err := net.InterfaceByName(nodecheck.DefaultBridge); err == nil {
		f.Mode, f.BridgeMTU = nodecheck.ModeHostGW, br.MTU
	}
	vx, err := net.InterfaceByName(nodecheck.VXLANDevice)
	if err != nil {
		return
	}
	f.Mode = nodecheck.ModeVXLAN
	out, err := command(ctx, "ip", "-d", "-j", "link", "show", "dev", nodecheck.VXLANDevice)
	if err == nil {
		f.Tunnel, err = parseVXLANLink(out)
	}
	if err != nil {
		f.Errs = append(f.Errs, fmt.Errorf("the VXLAN device %s: %w", nodecheck.VXLANDevice, err))
	}
	f.Tunnel.MTU = vx.MTU
	if f.Tunnel.Link != "" {
		if l, err := net.InterfaceByName(f.Tunnel.Link); err == nil {
			f.Tunnel.LinkMTU = l.MTU
		}
	}
}

// parseVXLANLink reads a VXLAN device's settings from the output of
// `ip -d -j link show dev DEV`:
//
//	[{"ifname":"klab.vxlan","mtu":1450,…,"linkinfo":{"info_kind":"vxlan",
//	  "info_data":{"id":1,"local":"198.51.100.11","link":"eth0","port":8472,…}}}]
func parseVXLANLink(jsonText string) (nodecheck.TunnelFacts, error) {
	var links []struct {
		MTU      int `json:"mtu"`
		LinkInfo struct {
			Kind string `json:"info_kind"`
			Data struct {
				ID    int    `json:"id"`
				Local string `json:"local"`
				Link  string `json:"link"`
				Port  int    `json:"port"`
			} `json:"info_data"`
		} `json:"linkinfo"`
	}
	if err := json.Unmarshal([]byte(jsonText), &links); err != nil {
		return nodecheck.TunnelFacts{}, fmt.Errorf("ip -d -j link: %w", err)
	}
	if len(links) != 1 || links[0].LinkInfo.Kind != "vxlan" {
		return nodecheck.TunnelFacts{}, fmt.Errorf("ip -d -j link: not one VXLAN device: %.200s", jsonText)
	}
	l := links[0]
	d := l.LinkInfo.Data
	return nodecheck.TunnelFacts{MTU: l.MTU, VNI: d.ID, Port: d.Port, Local: d.Local, Link: d.Link}, nil
}

func readSysctl(name string) (string, error) {
	b, err := os.ReadFile(filepath.Join("/proc/sys", name))
	return strings.TrimSpace(string(b)), err
}

// command runs a command and returns what it printed, or an error with
// what it said on stderr.
func command(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		err = fmt.Errorf("%s %s: %s", name, strings.Join(args, " "), strings.TrimSpace(string(exit.Stderr)))
	}
	return strings.TrimSpace(string(out)), err
}

// interfaceWith returns the interface that holds ip, "" if none does.
func interfaceWith(ip netip.Addr) string {
	ifaces, _ := net.Interfaces()
	for _, ifc := range ifaces {
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip.AsSlice()) {
				return ifc.Name
			}
		}
	}
	return ""
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

// listeningSockets reads the TCP sockets in LISTEN state of the network
// namespace kctl runs in, IPv4 and IPv6. A machine without IPv6 has no
// tcp6 table.
func listeningSockets() ([]netip.AddrPort, string) {
	var all []netip.AddrPort
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) && file == "/proc/net/tcp6" {
			continue
		}
		if err == nil {
			var l []netip.AddrPort
			l, err = parseProcNetTCP(string(b))
			all = append(all, l...)
		}
		if err != nil {
			return all, fmt.Sprintf("%s: %v", file, err)
		}
	}
	return all, ""
}

// tcpListen is the state of a listening socket in /proc/net/tcp (the
// kernel's TCP_LISTEN).
const tcpListen = "0A"

// parseProcNetTCP returns the local addresses of the sockets in LISTEN
// state in a /proc/net/tcp or tcp6 table. The kernel prints an address as
// 32-bit words in hex, each in the machine's byte order (127.0.0.1 is
// 0100007F on x86), and the port as a plain hex number.
func parseProcNetTCP(table string) ([]netip.AddrPort, error) {
	var out []netip.AddrPort
	for i, line := range strings.Split(table, "\n") {
		f := strings.Fields(line) // sl local_address rem_address st …
		if i == 0 || len(f) < 4 || f[3] != tcpListen {
			continue
		}
		hexIP, hexPort, ok := strings.Cut(f[1], ":")
		port, err := strconv.ParseUint(hexPort, 16, 16)
		if !ok || err != nil || (len(hexIP) != 8 && len(hexIP) != 32) {
			return out, fmt.Errorf("line %d: local address %q", i+1, f[1])
		}
		raw := make([]byte, 0, 16)
		for w := 0; w < len(hexIP); w += 8 {
			word, err := strconv.ParseUint(hexIP[w:w+8], 16, 32)
			if err != nil {
				return out, fmt.Errorf("line %d: local address %q", i+1, f[1])
			}
			raw = binary.NativeEndian.AppendUint32(raw, uint32(word))
		}
		ip, _ := netip.AddrFromSlice(raw) // 4 or 16 bytes
		out = append(out, netip.AddrPortFrom(ip, uint16(port)))
	}
	return out, nil
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
	filter := url.QueryEscape(`{"label":["` + nodecheck.LabelNode + `"]}`)
	if err := get("/containers/json?all=1&filters="+filter, &list); err != nil {
		return v.Version, nil, ""
	}
	perNode = map[string]int{}
	for _, ctr := range list {
		perNode[ctr.Labels[nodecheck.LabelNode]]++
	}
	return v.Version, perNode, ""
}
