package component

import "testing"

func TestParseDefaultRoute(t *testing.T) {
	const header = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	for _, tc := range []struct {
		name, table, want string
	}{
		{"one default", header +
			"eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n" +
			"eth0\t0002A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n", "eth0"},
		{"lowest metric wins", header +
			"eth0\t00000000\t0202000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n" +
			"eth1\t00000000\t0138A8C0\t0003\t0\t0\t50\t00000000\t0\t0\t0\n", "eth1"},
		{"none", header + "eth0\t0002A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := ParseDefaultRoute(tc.table); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
