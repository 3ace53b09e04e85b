// Command kubectl is the real kubectl, built from k8s.io/kubectl at the
// version go.mod pins, for the compatibility tests to run against a
// kubelab cluster.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
)

func main() {
	os.Exit(cli.Run(cmd.NewDefaultKubectlCommand()))
}
