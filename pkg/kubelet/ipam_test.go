package kubelet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIPAMAllocatesAfterTheGateway(t *testing.T) {
	a, err := NewIPAM(t.TempDir(), "10.244.1.0/24")
	if err != nil {
		t.Fatal(err)
	}
	if a.Gateway() != "10.244.1.1" {
		t.Errorf("gateway %s", a.Gateway())
	}
	for _, tc := range []struct {
		uid, want string
	}{
		{"a", "10.244.1.2"},
		{"b", "10.244.1.3"},
		{"a", "10.244.1.2"}, // asking again answers the same
	} {
		if got, err := a.Allocate(tc.uid); err != nil || got != tc.want {
			t.Fatalf("Allocate(%s) = %s, %v; want %s", tc.uid, got, err, tc.want)
		}
	}
	b, err := os.ReadFile(filepath.Join(a.dir, "10.244.1.3"))
	if err != nil || strings.TrimSpace(string(b)) != "b" {
		t.Fatalf("the file of 10.244.1.3 holds %q, %v", b, err)
	}
}

// A released address is reused last: allocation goes on after the last
// one handed out, and wraps around.
func TestIPAMReleaseAndWrap(t *testing.T) {
	a, err := NewIPAM(t.TempDir(), "10.0.0.0/29") // pods get .2 to .6
	if err != nil {
		t.Fatal(err)
	}
	for _, uid := range []string{"a", "b", "c"} {
		a.Allocate(uid)
	}
	if err := a.Release("a"); err != nil {
		t.Fatal(err)
	}
	if err := a.Release("a"); err != nil {
		t.Fatalf("second release: %v", err)
	}
	if _, err := os.Stat(filepath.Join(a.dir, "10.0.0.2")); !os.IsNotExist(err) {
		t.Fatalf("the file of a released address is still there: %v", err)
	}
	var got []string
	for _, uid := range []string{"d", "e", "f"} {
		ip, err := a.Allocate(uid)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ip)
	}
	wantStrings(t, "after a release", got, []string{"10.0.0.5", "10.0.0.6", "10.0.0.2"})
	if _, err := a.Allocate("g"); err == nil || !strings.Contains(err.Error(), "no free pod IP in 10.0.0.0/29") {
		t.Fatalf("a full range answered %v", err)
	}
}

// A new IPAM over the same directory (a restarted kubelet) knows every live
// address, never hands one out again, and continues where the last left off.
func TestIPAMSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	a, _ := NewIPAM(dir, "10.244.1.0/24")
	a.Allocate("a")
	a.Allocate("b")
	a.Allocate("c")
	a.Release("b")

	b, err := NewIPAM(dir, "10.244.1.0/24")
	if err != nil {
		t.Fatal(err)
	}
	if ip, ok := b.Lookup("a"); !ok || ip != "10.244.1.2" {
		t.Fatalf("Lookup(a) after reload = %s, %v", ip, ok)
	}
	if ip, _ := b.Allocate("c"); ip != "10.244.1.4" {
		t.Fatalf("c got %s after reload, want its own 10.244.1.4", ip)
	}
	if ip, _ := b.Allocate("d"); ip != "10.244.1.5" {
		t.Fatalf("d got %s, want 10.244.1.5", ip)
	}
	if got := b.Allocated(); len(got) != 3 || got["a"] != "10.244.1.2" {
		t.Fatalf("Allocated() = %v", got)
	}
}

// After the node's pod CIDR changed, a pod's old address is given up for
// one in the new range.
func TestIPAMNewRange(t *testing.T) {
	dir := t.TempDir()
	a, _ := NewIPAM(dir, "10.244.1.0/24")
	a.Allocate("a")
	b, _ := NewIPAM(dir, "10.244.7.0/24")
	if ip, err := b.Allocate("a"); err != nil || ip != "10.244.7.2" {
		t.Fatalf("Allocate = %s, %v", ip, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "10.244.1.2")); !os.IsNotExist(err) {
		t.Fatal("the old address is still reserved")
	}
}

func TestIPAMRejectsBadRanges(t *testing.T) {
	for _, cidr := range []string{"", "10.0.0.0", "10.0.0.0/31", "fd00::/64", "10.0.0.0/33"} {
		if _, err := NewIPAM(t.TempDir(), cidr); err == nil {
			t.Errorf("NewIPAM(%q) succeeded", cidr)
		}
	}
}
