package nodecheck

import (
	"net/netip"
	"strings"
	"testing"
)

func TestListeners(t *testing.T) {
	tests := []struct {
		name    string
		sockets []string
		access  map[string]Access // by socket; missing: AccessUnknown
		want    []string          // every finding, as Finding.String, then " → " and the fix when there is one
	}{
		{name: "nothing listens", sockets: nil,
			want: []string{"ok: no kubelab program listens in this network namespace (ports 6443, 10250, 10256, 10257, 10259, 2379)"}},
		{name: "make up: all on loopback, whatever the probes got", sockets: []string{"127.0.0.1:6443", "127.0.0.1:10259", "[::1]:10250"},
			access: map[string]Access{"127.0.0.1:10259": AccessOpen},
			want: []string{
				"ok: apiserver listens on 127.0.0.1:6443, loopback only",
				"ok: kubelet listens on [::1]:10250, loopback only",
				"ok: scheduler listens on 127.0.0.1:10259, loopback only",
			}},
		{name: "a lab VM's apiserver on every address, authenticating", sockets: []string{"0.0.0.0:6443"},
			access: map[string]Access{"0.0.0.0:6443": AccessAuthenticated},
			want: []string{"ok: apiserver listens on 0.0.0.0:6443 (every address of this machine) and requires authentication " +
				"(TLS with client certificates or tokens); on a lab VM, whose other machines must reach it, this is how it should be"}},
		{name: "Go's \":10250\" is a dual-stack [::]: a kubelet, authenticating", sockets: []string{"[::]:10250"},
			access: map[string]Access{"[::]:10250": AccessAuthenticated},
			want: []string{"ok: kubelet listens on [::]:10250 (every address of this machine) and requires authentication " +
				"(TLS with client certificates of system:masters; without --tls-cert-file it serves pods' logs and exec to no one); " +
				"on a lab VM, whose other machines must reach it, this is how it should be"}},
		{name: "an apiserver answering anyone", sockets: []string{"0.0.0.0:6443"},
			access: map[string]Access{"0.0.0.0:6443": AccessOpen},
			want: []string{"warning: apiserver listens on 0.0.0.0:6443 (every address of this machine) and answers without authentication: " +
				"anyone on the network can use the cluster; a lab VM's other machines must reach it, but kubelab's apiserver asks for credentials: " +
				"is this an older build, or another program on its port? → bind it to 127.0.0.1 or a private address (apiserver --listen)"}},
		{name: "a scheduler's /metrics on every address", sockets: []string{"0.0.0.0:10259"},
			access: map[string]Access{"0.0.0.0:10259": AccessOpen},
			want: []string{"warning: scheduler listens on 0.0.0.0:10259 (every address of this machine) and answers without authentication: " +
				"anyone on the network can read its /metrics → bind it to 127.0.0.1 or a private address (scheduler --listen)"}},
		{name: "a controller asking for credentials it does not need today", sockets: []string{"[::]:10257"},
			access: map[string]Access{"[::]:10257": AccessAuthenticated},
			want:   []string{"ok: controller listens on [::]:10257 (every address of this machine) and requires authentication"}},
		{name: "every address, but no answer through loopback", sockets: []string{"0.0.0.0:10250"},
			want: []string{"warning: kubelet listens on 0.0.0.0:10250 (every address of this machine), and whether it requires authentication " +
				"was not checked (no answer through loopback told); if it does not, anyone on the network can read this node's pod logs " +
				"and run commands as root in its containers → bind it to 127.0.0.1 or a private address (kubelet --address)"}},
		{name: "a private address is still the network, and is not probed", sockets: []string{"192.168.56.11:10256"},
			want: []string{"warning: proxy listens on 192.168.56.11:10256, and whether it requires authentication was not checked " +
				"(doctor asks only through loopback, and this address may be a real network's); if it does not, " +
				"anyone on the network can read its /metrics → bind it to 127.0.0.1 or a private address (proxy --listen)"}},
		{name: "etcd on every address has no probe", sockets: []string{"0.0.0.0:2379"},
			want: []string{"warning: etcd listens on 0.0.0.0:2379 (every address of this machine), and whether it requires authentication " +
				"was not checked (doctor has no probe for it); if it does not, anyone on the network can read every Secret " +
				"and write objects past the apiserver's validation → bind it to 127.0.0.1 or a private address (etcd --listen-client-urls)"}},
		{name: "an IPv4-mapped loopback is loopback", sockets: []string{"[::ffff:127.0.0.1]:10257"},
			want: []string{"ok: controller listens on 127.0.0.1:10257, loopback only"}},
		{name: "the read-only port is gone", sockets: []string{"0.0.0.0:6444"},
			want: []string{"ok: no kubelab program listens in this network namespace (ports 6443, 10250, 10256, 10257, 10259, 2379)"}},
		{name: "other ports are not judged, and sockets come sorted and once",
			sockets: []string{"0.0.0.0:22", "127.0.0.1:6443", "0.0.0.0:10259", "127.0.0.1:6443", "0.0.0.0:2380"},
			access:  map[string]Access{"0.0.0.0:10259": AccessOpen, "0.0.0.0:22": AccessOpen},
			want: []string{
				"ok: apiserver listens on 127.0.0.1:6443, loopback only",
				"warning: scheduler listens on 0.0.0.0:10259 (every address of this machine) and answers without authentication: " +
					"anyone on the network can read its /metrics → bind it to 127.0.0.1 or a private address (scheduler --listen)",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sockets []netip.AddrPort
			for _, s := range tt.sockets {
				sockets = append(sockets, netip.MustParseAddrPort(s))
			}
			access := map[netip.AddrPort]Access{}
			for s, a := range tt.access {
				access[netip.MustParseAddrPort(s)] = a
			}
			var got []string
			for _, f := range Listeners(sockets, access) {
				line := f.String()
				if f.Fix != "" {
					line += " → " + f.Fix
				}
				got = append(got, line)
			}
			if g, w := strings.Join(got, "\n"), strings.Join(tt.want, "\n"); g != w {
				t.Errorf("findings\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestAccessOf(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   Access
	}{
		{"no answer", 0, AccessUnknown},
		{"200", 200, AccessOpen},
		{"204", 204, AccessOpen},
		{"401", 401, AccessAuthenticated},
		{"403", 403, AccessAuthenticated},
		{"a redirect, not followed", 302, AccessUnknown},
		{"plain HTTP to a TLS port", 400, AccessUnknown},
		{"no such path", 404, AccessUnknown},
		{"a server error", 500, AccessUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AccessOf(tt.status); got != tt.want {
				t.Errorf("AccessOf(%d) = %v, want %v", tt.status, got, tt.want)
			}
		})
	}
}
