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
		want    []string // every finding, as Finding.String, then " → " and the fix when there is one
	}{
		{name: "nothing listens", sockets: nil,
			want: []string{"ok: no kubelab program listens in this network namespace (ports 6443, 6444, 10250, 10256, 10257, 10259, 2379)"}},
		{name: "make up: all on loopback", sockets: []string{"127.0.0.1:6443", "127.0.0.1:6444", "127.0.0.1:10259", "[::1]:10250"},
			want: []string{
				"ok: apiserver listens on 127.0.0.1:6443, loopback only",
				"ok: apiserver's read-only view listens on 127.0.0.1:6444, loopback only",
				"ok: kubelet listens on [::1]:10250, loopback only",
				"ok: scheduler listens on 127.0.0.1:10259, loopback only",
			}},
		{name: "a lab VM's apiserver on every address", sockets: []string{"0.0.0.0:6443"},
			want: []string{"warning: apiserver listens on 0.0.0.0:6443 (every address of this machine) without authentication: " +
				"anyone on the network can use the cluster (TLS and authentication come with issue 11's next steps); " +
				"on a lab VM, whose other machines must reach it, this is expected until then" +
				" → bind it to 127.0.0.1 or a private address (apiserver --listen)"}},
		{name: "Go's \":10250\" is a dual-stack [::]", sockets: []string{"[::]:10250"},
			want: []string{"warning: kubelet listens on [::]:10250 (every address of this machine) without authentication: " +
				"anyone on the network can read this node's pod logs and run commands as root in its containers " +
				"(TLS and authentication come with issue 11's next steps); on a lab VM, whose other machines must reach it, " +
				"this is expected until then → bind it to 127.0.0.1 or a private address (kubelet --address)"}},
		{name: "a private address is still the network", sockets: []string{"192.168.56.11:10256"},
			want: []string{"warning: proxy listens on 192.168.56.11:10256 without authentication: anyone on the network can read its /metrics " +
				"(TLS and authentication come with issue 11's next steps) → bind it to 127.0.0.1 or a private address (proxy --listen)"}},
		{name: "etcd on every address is never expected", sockets: []string{"0.0.0.0:2379"},
			want: []string{"warning: etcd listens on 0.0.0.0:2379 (every address of this machine) without authentication: " +
				"anyone on the network can read every Secret and write objects past the apiserver's validation " +
				"(TLS and authentication come with issue 11's next steps) → bind it to 127.0.0.1 or a private address (etcd --listen-client-urls)"}},
		{name: "an IPv4-mapped loopback is loopback", sockets: []string{"[::ffff:127.0.0.1]:10257"},
			want: []string{"ok: controller listens on 127.0.0.1:10257, loopback only"}},
		{name: "other ports are not judged, and sockets come sorted and once",
			sockets: []string{"0.0.0.0:22", "127.0.0.1:6443", "0.0.0.0:10259", "127.0.0.1:6443", "0.0.0.0:2380"},
			want: []string{
				"ok: apiserver listens on 127.0.0.1:6443, loopback only",
				"warning: scheduler listens on 0.0.0.0:10259 (every address of this machine) without authentication: " +
					"anyone on the network can read its /metrics (TLS and authentication come with issue 11's next steps)" +
					" → bind it to 127.0.0.1 or a private address (scheduler --listen)",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sockets []netip.AddrPort
			for _, s := range tt.sockets {
				sockets = append(sockets, netip.MustParseAddrPort(s))
			}
			var got []string
			for _, f := range Listeners(sockets) {
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
