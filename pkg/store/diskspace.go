package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"go.etcd.io/etcd/server/v3/storage/wal"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// A full disk stops etcd: it cannot append to its write-ahead log (WAL) or
// commit to its database, and it ends the process ("no space left on
// device"). That is the right thing to do; what matters is that the
// reason is plain, and that etcd starts again as soon as there is room.
//
// It did not always start again at once. When etcd opens its WAL, a
// background goroutine preallocates the next 64 MB segment, while the
// opening itself zeroes the unused end of the last segment by truncating
// it and allocating it again (fileutil.ZeroToEnd, called by WAL.ReadAll).
// With less than a segment free, the two race for the same blocks; when
// the preallocation wins, ReadAll fails with "no space left on device",
// which etcd does not count as repairable (it repairs only a torn last
// record, io.ErrUnexpectedEOF), so it stops with "failed to read WAL,
// cannot be repaired". The truncation is done by then, so the next start
// has nothing left to reallocate and works, until the next segment needs
// its 64 MB. Hence: the first restart failed, the second worked.
//
// So StartEmbedded refuses to start etcd on a disk with less than two
// segments free, before etcd touches a file, with a message that says so;
// and a full disk while running ends with a line that says what to do.

// defaultMinFree is what etcd needs to open its WAL and go on: the
// segment it preallocates and the tail it reallocates.
var defaultMinFree = 2 * wal.SegmentSizeBytes

// checkFreeSpace fails when the disk of dir has less than min bytes free
// (0: defaultMinFree; negative: no check).
func checkFreeSpace(dir string, min int64) error {
	if min < 0 {
		return nil
	}
	if min == 0 {
		min = defaultMinFree
	}
	free, ok := freeBytes(existingParent(dir))
	if !ok || free >= min {
		return nil // a disk that cannot be measured is left to etcd
	}
	return fmt.Errorf("store: the disk of %s has %d MB free, and etcd needs %d MB to start "+
		"(it preallocates its write-ahead log in 64 MB segments): free space on it, then start again",
		dir, free/1e6, min/1e6)
}

// existingParent is dir, or its nearest ancestor that exists.
func existingParent(dir string) string {
	for {
		if _, err := os.Stat(dir); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return dir
		}
		dir = parent
	}
}

// diskFullExit is the hook of etcd's fatal and panic log lines: when the
// line is about a full disk, it adds one that says what to do and ends
// the process as etcd's fatal line would have (exit status 1); any other
// line goes on to then.
type diskFullExit struct {
	log  *zap.Logger
	dir  string
	then zapcore.CheckWriteHook
}

func (h diskFullExit) OnWrite(ce *zapcore.CheckedEntry, fields []zapcore.Field) {
	if isDiskFull(fields) {
		h.log.Error("etcd stopped: the disk of its data directory is full (no space left on device); "+
			"free space on it, then start the apiserver again", zap.String("dataDir", h.dir))
		h.log.Sync()
		os.Exit(1)
	}
	h.then.OnWrite(ce, fields)
}

// isDiskFull reports whether a log line's error is ENOSPC.
func isDiskFull(fields []zapcore.Field) bool {
	for _, f := range fields {
		switch {
		case f.Type == zapcore.ErrorType:
			err, _ := f.Interface.(error)
			if err != nil && (errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), syscall.ENOSPC.Error())) {
				return true
			}
		case f.Type == zapcore.StringType && strings.Contains(f.String, syscall.ENOSPC.Error()):
			return true
		}
	}
	return false
}
