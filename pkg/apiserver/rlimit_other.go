//go:build !unix

package apiserver

// raiseFileLimit has nothing to raise here.
func raiseFileLimit() (uint64, error) { return uint64(fileLimit()), nil }

// fileLimit is a conservative guess where there is no RLIMIT_NOFILE.
func fileLimit() int { return 1024 }
