package kubelet

import (
	"testing"
	"time"
)

func TestParseMemTotal(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       int64
		wantErr    bool
	}{
		{"usual", "MemTotal:       16318848 kB\nMemFree:         1000 kB\n", 16318848, false},
		{"not first", "MemFree: 1 kB\nMemTotal: 2048 kB\n", 2048, false},
		{"missing", "MemFree: 1 kB\n", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseMemTotal(tc.text)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("got %d, %v; want %d, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestParseOSRelease(t *testing.T) {
	text := "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n"
	if got := parseOSRelease(text); got != "Debian GNU/Linux 12 (bookworm)" {
		t.Fatalf("got %q", got)
	}
}

func TestChooseNodeIP(t *testing.T) {
	for _, tc := range []struct {
		name, nodeIP, iface string
		simulated           bool
		want                string
		wantErr             bool
	}{
		{name: "given", nodeIP: "192.168.56.11", want: "192.168.56.11"},
		{name: "given, simulated", nodeIP: "10.0.0.5", simulated: true, want: "10.0.0.5"},
		{name: "simulated", simulated: true, want: "127.0.0.1"},
		{name: "loopback interface", iface: "lo", want: "127.0.0.1"},
		{name: "not an address", nodeIP: "node1", wantErr: true},
		{name: "IPv6", nodeIP: "fd00::1", wantErr: true},
		{name: "no such interface", iface: "nope0", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why, err := chooseNodeIP(tc.nodeIP, tc.iface, tc.simulated)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("got %q (%s), %v; want %q, error %v", got, why, err, tc.want, tc.wantErr)
			}
			if err == nil && why == "" {
				t.Error("no reason given")
			}
		})
	}
}

func TestCapacity(t *testing.T) {
	got, err := capacity("2", "4Gi", 110)
	if err != nil {
		t.Fatal(err)
	}
	if got["cpu"].String() != "2" || got["memory"].String() != "4Gi" || got["pods"].String() != "110" {
		t.Fatalf("capacity %v", got)
	}
	if host, err := capacity("", "", 110); err != nil || host["cpu"].Value() < 1 || host["memory"].Value() < 1<<20 {
		t.Fatalf("the host's capacity: %v, %v", host, err)
	}
	for _, bad := range [][2]string{{"two", "1Gi"}, {"1", "lots"}, {"0", "1Gi"}, {"-1", "1Gi"}} {
		if _, err := capacity(bad[0], bad[1], 110); err == nil {
			t.Errorf("capacity(%q, %q) succeeded", bad[0], bad[1])
		}
	}
}

func TestBackoff(t *testing.T) {
	b := newBackoff(10*time.Second, time.Minute)
	if w := b.waitSince("k", t0, t0); w != 0 {
		t.Fatalf("no entry yet, but wait %s", w)
	}
	now := t0
	var delays []time.Duration
	for range 5 {
		b.next("k", now)
		delays = append(delays, b.delay("k"))
		now = now.Add(time.Second)
	}
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute, time.Minute}
	for i := range want {
		if delays[i] != want[i] {
			t.Fatalf("delays %v, want %v", delays, want)
		}
	}
	if w := b.waitSince("k", now, now.Add(15*time.Second)); w != 45*time.Second {
		t.Fatalf("wait %s, want 45s", w)
	}
	if w := b.waitSinceUpdate("k", now.Add(15*time.Second)); w != 44*time.Second {
		t.Fatalf("wait since update %s, want 44s", w)
	}
	// Quiet for more than twice the cap: start over.
	later := now.Add(3 * time.Minute)
	if w := b.waitSince("k", later, later); w != 0 {
		t.Fatalf("an old entry still counts: %s", w)
	}
	b.next("k", later)
	if b.delay("k") != 10*time.Second {
		t.Fatalf("after a quiet time the delay is %s", b.delay("k"))
	}
	b.forget("k")
	if b.delay("k") != 0 {
		t.Fatal("forget kept the entry")
	}
}
