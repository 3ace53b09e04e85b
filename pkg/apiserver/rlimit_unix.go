//go:build unix

package apiserver

import "syscall"

// raiseFileLimit raises the process's soft limit on open files to its hard
// limit and returns the limit now in force: every connection, and every
// file of an embedded etcd, takes one. (Go raises it at start on Linux as
// well; the apiserver logs the result, which makes a low hard limit
// visible.)
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return lim.Cur, err
		}
	}
	return lim.Cur, nil
}

// fileLimit is the soft limit on open files; 1024 when it cannot be read.
func fileLimit() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<30 {
		return 1024
	}
	return int(lim.Cur)
}
