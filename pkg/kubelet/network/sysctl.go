package network

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netns"
)

// sysctls reads and writes kernel settings, named by their path under
// /proc/sys ("net/ipv4/ip_forward"). An absent setting reads as an error
// that errors.Is(err, fs.ErrNotExist).
type sysctls interface {
	Get(name string) (string, error)
	Set(name, value string) error
}

// procSysctls reads and writes /proc/sys from inside one network namespace.
//
// The net.* settings are per network namespace (ip_forward,
// bridge-nf-call-iptables, conntrack's limits …), and /proc/sys shows the
// values of the namespace of the thread that opens the file, whatever
// namespace /proc was mounted from. There is no /proc/<pid>/sys to reach
// another namespace's values (/proc/<pid>/net has the tables, not the
// settings), so the file is opened from a thread inside the node's
// namespace. `ip netns exec NS sysctl …` does the same with a whole process.
type procSysctls struct {
	ns netns.NsHandle
}

var _ sysctls = procSysctls{}

func (p procSysctls) Get(name string) (value string, err error) {
	err = inNetNS(p.ns, func() error {
		b, err := os.ReadFile(filepath.Join("/proc/sys", name))
		value = strings.TrimSpace(string(b))
		return err
	})
	return value, err
}

func (p procSysctls) Set(name, value string) error {
	return inNetNS(p.ns, func() error {
		return os.WriteFile(filepath.Join("/proc/sys", name), []byte(value), 0o644)
	})
}
