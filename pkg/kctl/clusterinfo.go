package kctl

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// kctl cluster-info says where the control plane and the cluster's
// add-on services answer, as kubectl cluster-info does: the server, then
// each Service of kube-system labelled kubernetes.io/cluster-service=true,
// by its kubernetes.io/name label, at its address through the apiserver's
// service proxy. kubelab's DNS add-on (addons/dns.yaml) carries both
// labels, as CoreDNS's Service does on a kubeadm cluster.

func newClusterInfoCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "cluster-info",
		Short:   "Show where the control plane and the cluster's services answer",
		Example: "  kctl cluster-info",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ns := "kube-system"
			if g.namespaceSet {
				ns = g.namespace
			}
			lines, err := clusterInfo(cmd.Context(), c, ns)
			for _, l := range lines {
				fmt.Fprintln(g.out, l)
			}
			fmt.Fprintln(g.out, "\nTo further debug and diagnose cluster problems, use 'kctl doctor' on a node.")
			return err
		},
	}
}

// clusterInfo returns the lines "<name> is running at <address>".
func clusterInfo(ctx context.Context, c *client.Client, ns string) ([]string, error) {
	res := mustLookup("services")
	objs, _, err := c.Resource(res).Namespace(ns).List(ctx, client.ListOptions{})
	if err != nil {
		return nil, err
	}
	lines := []string{runningAt("Kubernetes control plane", c.Server())}
	for _, o := range objs {
		s := o.(*api.Service)
		if s.Labels["kubernetes.io/cluster-service"] != "true" {
			continue
		}
		name := s.Labels["kubernetes.io/name"]
		if name == "" {
			name = s.Name
		}
		lines = append(lines, runningAt(name, serviceLink(c.Server(), s)))
	}
	return lines, nil
}

func runningAt(name, link string) string { return name + " is running at " + link }

// serviceLink is where kubectl says a Service answers: its load
// balancer's address when it has one, else its path through the
// apiserver's proxy, /api/v1/namespaces/NS/services/[https:]NAME[:PORT]/proxy,
// naming the first port.
func serviceLink(server string, s *api.Service) string {
	if ing := s.Status.LoadBalancer.Ingress; len(ing) > 0 {
		host := ing[0].IP
		if host == "" {
			host = ing[0].Hostname
		}
		var links []string
		for _, p := range s.Spec.Ports {
			links = append(links, "http://"+host+":"+strconv.Itoa(int(p.Port)))
		}
		return strings.Join(links, " ")
	}
	name := s.Name
	if len(s.Spec.Ports) > 0 {
		p := s.Spec.Ports[0]
		scheme := ""
		if p.Name == "https" || p.Port == 443 {
			scheme = "https"
		}
		name = joinSchemeNamePort(scheme, s.Name, p.Name)
	}
	return strings.TrimSuffix(server, "/") + "/api/v1/namespaces/" + s.Namespace + "/services/" + name + "/proxy"
}

// joinSchemeNamePort is apimachinery's: scheme:name:port, leaving out an
// empty scheme, and an empty port along with it when the scheme is empty
// too.
func joinSchemeNamePort(scheme, name, port string) string {
	if scheme != "" {
		return scheme + ":" + name + ":" + port
	}
	if port != "" {
		return name + ":" + port
	}
	return name
}
