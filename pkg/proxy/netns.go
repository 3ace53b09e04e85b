package proxy

import (
	"fmt"
	"runtime"

	"github.com/vishvananda/netns"
)

// NetNS is the network namespace where the proxy's iptables, conntrack
// and /proc/sys work happen: the node's. iptables rules, conntrack
// entries and the net.* kernel settings all belong to a network
// namespace, so a simulated node (a namespace on a shared host) has its
// own. A nil *NetNS is the proxy's own namespace.
type NetNS struct {
	path string
	h    netns.NsHandle
}

// OpenNetNS opens the network namespace at path (/run/netns/node1,
// /proc/<pid>/ns/net); "" returns nil, the proxy's own namespace.
func OpenNetNS(path string) (*NetNS, error) {
	if path == "" {
		return nil, nil
	}
	h, err := netns.GetFromPath(path)
	if err != nil {
		return nil, fmt.Errorf("open network namespace %s: %w", path, err)
	}
	return &NetNS{path: path, h: h}, nil
}

// Close releases the namespace handle.
func (n *NetNS) Close() error {
	if n == nil {
		return nil
	}
	return n.h.Close()
}

// Do runs fn inside the namespace.
//
// A namespace belongs to a thread, not to a process: setns(2) moves only
// the calling thread. So fn runs in a goroutine locked to an OS thread
// that entered the namespace, and whatever fn does from there happens
// inside it: a command it starts (the fork happens on that thread), a
// /proc/sys file it opens. The goroutine never unlocks the thread, so Go
// ends that thread afterwards instead of handing a thread in the wrong
// namespace to another goroutine.
func (n *NetNS) Do(fn func() error) error {
	if n == nil {
		return fn()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // and never unlock
		if err := netns.Set(n.h); err != nil {
			errc <- fmt.Errorf("enter network namespace %s: %w", n.path, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}
