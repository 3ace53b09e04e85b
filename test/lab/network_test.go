package lab

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kubelab/pkg/api"
)

// podNetworkMode: the nodes carry pod traffic between them the way the
// lab's network mode says, and kctl doctor, run on a node, says which:
//
//   - node1's route to node3's pod CIDR goes via node3's address
//     (host-gw) or through node1's VXLAN device klab.vxlan (vxlan);
//   - klab.vxlan exists in vxlan mode only, its MTU 50 bytes below
//     eth0's for the VXLAN headers, and pods get the same MTU on their
//     eth0, so that what they send fits the tunnel;
//   - a 3000-byte ping, in fragments, goes from a pod on node1 to a pod
//     on node3 and back;
//   - kctl doctor in node1's namespace names the mode and, in vxlan mode,
//     the tunnel's MTU, and finds nothing wrong with them.
func (l *lab) podNetworkMode(t *testing.T) {
	l.waitReady(t, "app=toolbox", 2, 30*time.Second)
	var target *api.Pod
	for _, p := range l.waitReady(t, "app=kubia", 6, 30*time.Second) {
		if p.Spec.NodeName == nodeName(3) {
			target = p
		}
	}
	if target == nil {
		t.Fatal("no kubia pod on node3")
	}
	obj, err := l.client.Resource(resource("nodes")).Get(context.Background(), nodeName(3))
	if err != nil {
		t.Fatal(err)
	}
	cidr := obj.(*api.Node).Spec.PodCIDR

	route, err := run("nsenter", "--net="+nodeNS(1), "ip", "route", "show", cidr)
	if err != nil {
		t.Fatal(err)
	}
	vxlan, vxErr := run("nsenter", "--net="+nodeNS(1), "ip", "-d", "link", "show", "dev", "klab.vxlan")
	podMTU, mtuErr := l.kctl("exec", "toolbox-node1", "--", "cat", "/sys/class/net/eth0/mtu")
	if mtuErr != nil {
		t.Fatal(mtuErr)
	}
	wantMTU := "1500"
	switch l.network {
	case "host-gw":
		if !strings.Contains(route, "via "+nodeIP(3)+" dev eth0") {
			t.Errorf("node1's route to node3's pods %s: %q, want it via %s on eth0", cidr, route, nodeIP(3))
		}
		if vxErr == nil {
			t.Errorf("a VXLAN device on node1 in host-gw mode:\n%s", vxlan)
		}
	case "vxlan":
		wantMTU = "1450"
		if !strings.Contains(route, "dev klab.vxlan") {
			t.Errorf("node1's route to node3's pods %s: %q, want it through klab.vxlan", cidr, route)
		}
		if vxErr != nil || !strings.Contains(vxlan, "mtu 1450") || !strings.Contains(vxlan, "vxlan id 1 local "+nodeIP(1)+" dev eth0") {
			t.Errorf("node1's klab.vxlan: %v\n%s\nwant MTU 1450, VNI 1, from %s on eth0", vxErr, vxlan, nodeIP(1))
		}
	}
	if got := strings.TrimSpace(podMTU); got != wantMTU {
		t.Errorf("toolbox-node1's eth0 has MTU %s, want %s", got, wantMTU)
	}
	t.Logf("node1 → node3's pods: %s; pods' MTU %s", strings.TrimSpace(route), wantMTU)

	l.eventually(t, 20*time.Second, "a 3000-byte ping from toolbox-node1 to "+target.Status.PodIP, func() error {
		out, err := l.kctl("exec", "toolbox-node1", "--", "ping", "-c", "3", "-W", "2", "-s", "3000", target.Status.PodIP)
		if err != nil || !strings.Contains(out, " 0% packet loss") {
			return fmt.Errorf("%v\n%s", err, out)
		}
		return nil
	})

	doctor := exec.Command("nsenter", "--net="+nodeNS(1), filepath.Join(l.root, "bin", "kctl"), "doctor", "--node-ip", nodeIP(1))
	out, _ := doctor.CombinedOutput() // exit 1 for any problem: the lines below are what matters
	report := string(out)
	want := []string{"[ok] network mode " + l.network + ":"}
	if l.network == "vxlan" {
		want = append(want, "[ok] tunnel MTU 1450: a pod packet of up to 1450 bytes and 50 bytes of VXLAN headers fit eth0's MTU 1500")
	}
	for _, w := range want {
		if !strings.Contains(report, w) {
			t.Errorf("kctl doctor on node1 does not say %q:\n%s", w, report)
		}
	}
	for _, line := range strings.Split(report, "\n") {
		if !strings.Contains(line, "tunnel") && !strings.Contains(line, "network mode") {
			continue
		}
		t.Logf("kctl doctor on node1: %s", line)
		if strings.HasPrefix(line, "[problem]") || strings.HasPrefix(line, "[warning]") {
			t.Errorf("kctl doctor on node1: %s", line)
		}
	}
}
