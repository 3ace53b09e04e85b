package kubelet

import (
	"bufio"
	"fmt"
	"net"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/component"
)

// What the kubelet learns about its machine at start-up: capacity, system
// information and its address. The parsers are pure functions of file
// contents, tested on their own; the readers around them are one line.

// KubeletVersion is what nodes report as nodeInfo.kubeletVersion: the
// Kubernetes version whose behaviour kubelab follows.
const KubeletVersion = "v1.30.0-kubelab"

// capacity is the node's cpu, memory and pods. cpu and memory are the
// host's unless given (a simulated node can be any size).
func capacity(cpu, memory string, maxPods int) (api.ResourceList, error) {
	if cpu == "" {
		cpu = strconv.Itoa(goruntime.NumCPU())
	}
	if memory == "" {
		b, err := os.ReadFile("/proc/meminfo")
		if err != nil {
			return nil, fmt.Errorf("read the host's memory (or give --memory): %w", err)
		}
		kb, err := parseMemTotal(string(b))
		if err != nil {
			return nil, err
		}
		memory = fmt.Sprintf("%dKi", kb)
	}
	out := api.ResourceList{}
	for name, v := range map[string]string{"cpu": cpu, "memory": memory, "pods": strconv.Itoa(maxPods)} {
		q, err := api.ParseQuantity(v)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", name, v, err)
		}
		if q.MilliValue() <= 0 {
			return nil, fmt.Errorf("%s %q: must be more than 0", name, v)
		}
		out[name] = q
	}
	return out, nil
}

// parseMemTotal reads MemTotal, in KiB, from /proc/meminfo.
func parseMemTotal(meminfo string) (int64, error) {
	sc := bufio.NewScanner(strings.NewReader(meminfo))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			return strconv.ParseInt(f[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("no MemTotal in /proc/meminfo")
}

// systemInfo describes the host's software; files that cannot be read
// leave their field empty.
func systemInfo(runtimeVersion string) api.NodeSystemInfo {
	read := func(path string) string {
		b, _ := os.ReadFile(path)
		return strings.TrimSpace(string(b))
	}
	return api.NodeSystemInfo{
		MachineID:               read("/etc/machine-id"),
		KernelVersion:           read("/proc/sys/kernel/osrelease"),
		OSImage:                 parseOSRelease(read("/etc/os-release")),
		ContainerRuntimeVersion: runtimeVersion,
		KubeletVersion:          KubeletVersion,
		OperatingSystem:         goruntime.GOOS,
		Architecture:            goruntime.GOARCH,
	}
}

// parseOSRelease returns PRETTY_NAME from /etc/os-release ("Debian
// GNU/Linux 12 (bookworm)").
func parseOSRelease(text string) string {
	for line := range strings.Lines(text) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// chooseNodeIP picks the node's InternalIP and says why, for the log: on a
// VM with several interfaces the wrong guess is a classic (Vagrant's NAT
// interface holds the default route), so the choice is always visible.
//
//  1. --node-ip, as given;
//  2. the first IPv4 address of --iface;
//  3. 127.0.0.1 for a simulated node (--runtime=fake);
//  4. the first IPv4 address of the interface of the default route.
func chooseNodeIP(nodeIP, iface string, simulated bool) (ip, why string, err error) {
	switch {
	case nodeIP != "":
		if p := net.ParseIP(nodeIP); p == nil || p.To4() == nil {
			return "", "", fmt.Errorf("--node-ip %q is not an IPv4 address", nodeIP)
		}
		return nodeIP, "given with --node-ip", nil
	case iface != "":
		ip, err := component.InterfaceIPv4(iface)
		if err != nil {
			return "", "", fmt.Errorf("--iface: %w", err)
		}
		return ip, "the first IPv4 address of --iface " + iface, nil
	case simulated:
		return "127.0.0.1", "a simulated node with no --node-ip", nil
	}
	ip, dev, err := component.DefaultRouteIPv4()
	if err != nil {
		return "", "", fmt.Errorf("%w: give --node-ip or --iface", err)
	}
	return ip, "the first IPv4 address of " + dev + ", the default route's interface (--node-ip or --iface choose another)", nil
}
