package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFaultDiskFull runs the apiserver with its embedded etcd on a small
// tmpfs and fills the disk under it. The apiserver exits non-zero with a
// line that says the disk is full; started again while the disk is still
// full, it refuses before etcd touches a file; once space is back, the
// first start works and nothing acknowledged is lost.
//
// (Before, the first start after space came back could fail with "failed
// to read WAL, cannot be repaired": etcd, opening its log, truncates the
// unused end of the last segment and allocates it again, while it
// allocates the next 64 MB segment in the background; short of a
// segment's worth of space, the two race for the same blocks, and the
// reallocation fails; the truncation has happened, so the second start
// works. See pkg/store/diskspace.go.)
func TestFaultDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("a fault test: fills a disk under the apiserver")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	disk := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(disk, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", disk, "tmpfs", 0, "size=400m"); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v)", err)
	}
	// Registered first, so it runs last: after the processes are killed.
	t.Cleanup(func() { syscall.Unmount(disk, syscall.MNT_DETACH) })
	bin, addr, data := apiserverBinary(t), freeAddr(t), filepath.Join(disk, "etcd")
	args := append([]string{"--listen", addr, "--data-dir", data, "--log-level", "warn"}, apiserverTLSFlags(t)...)
	hc := adminHTTP(t)

	first := startBinary(t, bin, args...)
	waitHealthy(t, "https://"+addr)
	filler := filepath.Join(disk, "filler")
	fillDisk(t, filler, disk, 40<<20)
	var acked []string
	for i := 0; i < 300; i++ {
		name := fmt.Sprintf("cm-%d", i)
		body := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q},"data":{"k":%q}}`, name, strings.Repeat("x", 900<<10))
		resp, err := hc.Post("https://"+addr+"/api/v1/namespaces/default/configmaps", "application/json", strings.NewReader(body))
		if err != nil {
			break // the apiserver is gone
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusCreated {
			acked = append(acked, name)
		}
	}
	if code := first.wait(t, 10*time.Second); code == 0 {
		t.Fatalf("the apiserver exited 0 on a full disk")
	}
	if !strings.Contains(first.out.String(), "etcd stopped: the disk of its data directory is full (no space left on device)") {
		t.Fatalf("the apiserver did not say the disk is full")
	}
	t.Logf("%d writes acknowledged before the disk filled", len(acked))

	before := listFiles(t, data)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !strings.Contains(string(out), "free space on it, then start again") {
		t.Fatalf("a start on the full disk: %v\n%s", err, out)
	}
	if after := listFiles(t, data); after != before {
		t.Fatalf("a refused start changed etcd's files:\nbefore %s\nafter  %s", before, after)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	startBinary(t, bin, args...)
	waitHealthy(t, "https://"+addr)
	for _, name := range acked {
		resp, err := hc.Get("https://" + addr + "/api/v1/namespaces/default/configmaps/" + name)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("acknowledged ConfigMap %s: %d after the restart", name, resp.StatusCode)
		}
	}
	resp, err := hc.Post("https://"+addr+"/api/v1/namespaces/default/configmaps", "application/json",
		strings.NewReader(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"after"}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("a write after the restart: %d", resp.StatusCode)
	}
}

// fillDisk takes all the space of the disk of dir but keep bytes, in the
// file path.
func fillDisk(t *testing.T, path, dir string, keep int64) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Fallocate(int(f.Fd()), 0, 0, int64(st.Bavail)*st.Bsize-keep); err != nil {
		t.Fatal(err)
	}
}

// listFiles describes the files under dir: names, sizes and times.
func listFiles(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %d %s; ", strings.TrimPrefix(path, dir), info.Size(), info.ModTime().Format(time.RFC3339Nano))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// binaryProcess is a program run in the background for one test; its
// output is printed if the test fails.
type binaryProcess struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer
	done chan struct{}
}

func startBinary(t *testing.T, path string, args ...string) *binaryProcess {
	t.Helper()
	p := &binaryProcess{cmd: exec.Command(path, args...), out: &bytes.Buffer{}, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(path), p.out)
		}
	})
	return p
}

// wait waits for the process to exit and returns its exit code.
func (p *binaryProcess) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("still running after %s", timeout)
		return 0
	}
}
