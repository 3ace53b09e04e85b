// Command apiget asks the apiserver for one path from inside a pod, as the
// pod's ServiceAccount, the way client-go's in-cluster config does: the
// kubernetes Service's address from KUBERNETES_SERVICE_HOST and _PORT,
// the CA and the token the kubelet mounts at
// /var/run/secrets/kubernetes.io/serviceaccount. It is in the toolbox
// image:
//
//	kctl exec toolbox -- apiget /api/v1/namespaces/default/pods
//
// It prints the answer and exits 0 for a 2xx, else prints the Status and
// exits 1: without a RoleBinding the default ServiceAccount gets 403.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"kubelab/pkg/client"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: apiget PATH   (e.g. /api/v1/namespaces/default/pods)")
		os.Exit(2)
	}
	cfg, err := client.InCluster()
	if err != nil {
		fmt.Fprintln(os.Stderr, "apiget:", err)
		os.Exit(1)
	}
	cfg.Timeout = 10 * time.Second
	c, err := client.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "apiget:", err)
		os.Exit(1)
	}
	body, err := c.Do(context.Background(), "GET", os.Args[1], nil, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, "apiget:", err)
		os.Exit(1)
	}
	os.Stdout.Write(body)
}
