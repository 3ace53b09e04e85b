package network

import (
	"fmt"
	"runtime"

	"github.com/vishvananda/netns"
)

// inNetNS runs fn on an OS thread that has entered the network namespace
// ns, and returns fn's error.
//
// A network namespace belongs to a thread, not to a process: setns(2)
// moves only the thread that calls it. So fn runs in a goroutine locked to
// its thread, and everything fn does from that thread happens inside ns:
// a socket it opens, a /proc/sys file it reads or writes, a command it
// starts (the fork happens on the calling thread).
//
// The goroutine never unlocks its thread. When it returns, the Go runtime
// ends that thread instead of handing a thread in the wrong namespace to
// some unsuspecting goroutine. That costs a thread per call, which is
// cheap next to what the calls do (mostly executing iptables).
func inNetNS(ns netns.NsHandle, fn func() error) error {
	return onThrowawayThread(func() error {
		if err := netns.Set(ns); err != nil {
			return fmt.Errorf("enter network namespace: %w", err)
		}
		return fn()
	})
}

// onThrowawayThread runs fn in a goroutine locked to an OS thread that is
// discarded afterwards, so fn may change that thread's namespaces.
func onThrowawayThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // and never unlock: see inNetNS
		errc <- fn()
	}()
	return <-errc
}
