// Command pause is the sandbox of every kubelab pod: it holds the pod's
// network and IPC namespaces while the app containers come and go. It does
// nothing but wait for a signal.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	<-ch
}
