package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// TestEmbeddedRestart: an acknowledged write survives stopping etcd and
// starting it again on the same data directory.
func TestEmbeddedRestart(t *testing.T) {
	dir := t.TempDir()
	key := Key("namespaces", "", "kube-system")

	e, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Logger: zap.NewNop()})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	rev, err := e.Store("/registry").Commit(testCtx(t), Txn{Key: key, Value: []byte("v1")})
	e.Close()
	if err != nil {
		t.Fatalf("Create: %v", err)
	}

	e, err = StartEmbedded(EmbeddedConfig{DataDir: dir, Logger: zap.NewNop()})
	if err != nil {
		t.Fatalf("StartEmbedded again: %v", err)
	}
	defer e.Close()
	got, err := e.Store("/registry").Get(testCtx(t), key)
	if err != nil || string(got.Value) != "v1" || got.ModRevision != rev {
		t.Errorf("after restart Get = %+v, %v; want v1 at revision %d", got, err, rev)
	}
}

func TestStartEmbeddedNeedsDataDir(t *testing.T) {
	if _, err := StartEmbedded(EmbeddedConfig{}); err == nil {
		t.Error("StartEmbedded without DataDir succeeded")
	}
}

// TestEmbeddedIsPrivate: the embedded etcd opens no TCP listener; its one
// client socket is a unix socket in a data directory only its owner can
// enter; and the store works through the in-process client, watch included.
func TestEmbeddedIsPrivate(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil { // as a careless user left it
		t.Fatal(err)
	}
	before := tcpListeners(t)
	e, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Logger: zap.NewNop()})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	defer e.Close()
	for inode, addr := range tcpListeners(t) {
		if _, ok := before[inode]; !ok {
			t.Errorf("after StartEmbedded this process listens on TCP %s", addr)
		}
	}
	sock := filepath.Join(dir, socketName)
	if got := e.Endpoints(); len(got) != 1 || got[0] != "unix://"+sock {
		t.Errorf("Endpoints = %q, want [unix://%s]", got, sock)
	}
	if fi, err := os.Stat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("client socket %s: %v, %v", sock, fi, err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data directory mode = %v, %v; want 0700", fi.Mode().Perm(), err)
	}

	s, ctx := e.Store("/registry"), testCtx(t)
	key := Key("secrets", "ns", "s")
	rev := mustCreate(t, s, key, "v1")
	if got, err := s.Get(ctx, key); err != nil || string(got.Value) != "v1" {
		t.Errorf("Get = %+v, %v", got, err)
	}
	events, _, err := s.watch(ctx, Prefix("secrets", "ns"), rev, 10)
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	updated := mustCommit(t, s, Txn{Key: key, Value: []byte("v2"), Rev: rev})
	if ev := next(t, events); ev.Type != Put || string(ev.KV.Value) != "v2" || ev.KV.ModRevision != updated {
		t.Errorf("watch event = %+v, want the update to v2 at revision %d", ev, updated)
	}
}

// TestEmbeddedSocketPathTooLong: a data directory too deep for a unix
// socket's path is refused with a message that says so.
func TestEmbeddedSocketPathTooLong(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", maxSocketPath))
	_, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Logger: zap.NewNop(), MinFreeBytes: -1})
	if err == nil || !strings.Contains(err.Error(), "choose a shorter data directory") {
		t.Errorf("err = %v, want the socket path refusal", err)
	}
}

// tcpListeners returns the TCP sockets of this process in LISTEN state, by
// inode, with their local address as /proc shows it.
func tcpListeners(t *testing.T) map[string]string {
	t.Helper()
	mine := map[string]bool{} // socket inodes of this process's files
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok {
			mine[strings.TrimSuffix(inode, "]")] = true
		}
	}
	out := map[string]string{}
	for _, table := range []string{"/proc/self/net/tcp", "/proc/self/net/tcp6"} {
		data, err := os.ReadFile(table)
		if err != nil {
			continue // no IPv6
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			// sl local_address rem_address st ... inode is the tenth field; 0A is LISTEN.
			if len(f) >= 10 && f[3] == "0A" && mine[f[9]] {
				out[f[9]] = f[1]
			}
		}
	}
	return out
}

// TestStartEmbeddedNeedsFreeSpace: on a disk with too little room, etcd is
// not started at all, so it cannot leave its files half-rewritten
// (diskspace.go), and the error says what to do.
func TestStartEmbeddedNeedsFreeSpace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etcd")
	_, err := StartEmbedded(EmbeddedConfig{DataDir: dir, Logger: zap.NewNop(), MinFreeBytes: 1 << 60})
	if err == nil || !strings.Contains(err.Error(), "free space on it, then start again") {
		t.Fatalf("err = %v, want the free-space refusal", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the data directory was created (%v): etcd touched the disk", err)
	}
}

func TestIsDiskFull(t *testing.T) {
	tests := []struct {
		name   string
		fields []zapcore.Field
		want   bool
	}{
		{"ENOSPC", []zapcore.Field{zap.Error(syscall.ENOSPC)}, true},
		{"wrapped", []zapcore.Field{zap.Error(&os.PathError{Op: "write", Path: "db", Err: syscall.ENOSPC})}, true},
		{"as text", []zapcore.Field{zap.Error(errors.New("write db: no space left on device"))}, true},
		{"string field", []zapcore.Field{zap.String("error", "no space left on device")}, true},
		{"other error", []zapcore.Field{zap.Error(syscall.EIO)}, false},
		{"no error", []zapcore.Field{zap.Int("n", 1)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isDiskFull(tt.fields); got != tt.want {
				t.Errorf("isDiskFull = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestQuotaRecovers fills an etcd with a small quota: writes are refused
// with *NoSpaceError and Alarms reports NOSPACE; after a delete,
// compaction and maintenance (defragment, disarm), writes work again.
func TestQuotaRecovers(t *testing.T) {
	const quota = 4 << 20
	e, err := StartEmbedded(EmbeddedConfig{DataDir: t.TempDir(), Logger: zap.NewNop(), QuotaBackendBytes: quota})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s, ctx := e.Store("/registry"), testCtx(t)
	key, big := Key("configmaps", "ns", "big"), make([]byte, 256<<10)

	rev := mustCreate(t, s, key, "small")
	var noSpace *NoSpaceError
	for i := 0; ; i++ {
		next, err := s.Commit(ctx, Txn{Key: key, Value: big, Rev: rev})
		if errors.As(err, &noSpace) {
			break
		}
		if err != nil || i > 100 {
			t.Fatalf("write %d: %v, want *NoSpaceError within 100 writes", i, err)
		}
		rev = next
	}
	if noSpace.Quota != quota || !strings.Contains(noSpace.Error(), "etcd is out of space (quota 4194304 bytes): delete objects") {
		t.Errorf("refusal = %q (quota %d)", noSpace.Error(), noSpace.Quota)
	}
	if alarms, err := s.Alarms(ctx); err != nil || len(alarms) != 1 || !strings.HasPrefix(alarms[0], "NOSPACE on member") {
		t.Errorf("Alarms = %q, %v; want one NOSPACE", alarms, err)
	}

	deleted, err := s.Commit(ctx, Txn{Key: key, Rev: rev}) // deletes are allowed at the quota
	if err != nil {
		t.Fatalf("delete at the quota: %v", err)
	}
	if err := s.Compact(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	s.maintain(ctx, zap.NewNop()) // one pass is enough: the alarm forces a defragmentation
	if alarms, err := s.Alarms(ctx); err != nil || len(alarms) != 0 {
		t.Errorf("after maintenance Alarms = %q, %v; want none", alarms, err)
	}
	if _, err := s.Commit(ctx, Txn{Key: key, Value: big}); err != nil {
		t.Errorf("write after recovery: %v", err)
	}
}
