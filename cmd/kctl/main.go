// Command kctl is kubelab's kubectl: apply, get, describe and delete
// objects of a kubelab cluster. The commands live in pkg/kctl.
package main

import (
	"os"

	"kubelab/pkg/kctl"
)

func main() {
	os.Exit(kctl.Execute(kctl.NewRootCommand(os.Stdin, os.Stdout, os.Stderr)))
}
