//go:build !linux

package docker

import "errors"

// Memory-backed emptyDir volumes need Linux; Docker on other systems runs
// its containers in a Linux VM this process cannot mount into.
func mountTmpfs(dir string, size int64) error {
	return errors.New("emptyDir medium Memory needs a Linux node")
}

func unmountTmpfs(dir string) error { return nil }
