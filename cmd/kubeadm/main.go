// Command kubeadm makes a kubelab cluster's certificates and kubeconfigs,
// laid out as kubeadm lays them out. The work is in pkg/pki.
//
//	kubeadm init --dir .kubelab --server https://127.0.0.1:6443
//	kubeadm kubeconfig user --client-name system:node:n1 --org system:nodes --out n1.conf
//	kubeadm certs kubelet --node-name n1 --hosts 10.0.0.5
//	kubeadm certs ca-hash
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"kubelab/pkg/pki"
)

const defaultServer = "https://127.0.0.1:6443"

func main() {
	cmd := &cobra.Command{
		Use:           "kubeadm",
		Short:         "Make a kubelab cluster's certificates and kubeconfigs",
		SilenceUsage:  true,
		SilenceErrors: true, // main prints the error, once
	}
	cmd.AddCommand(initCommand(), kubeconfigCommand(), certsCommand())
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "kubeadm:", err)
		os.Exit(1)
	}
}

func initCommand() *cobra.Command {
	var dir string
	var o pki.InitOptions
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write the CA, the apiserver's certificates and the components' kubeconfigs, keeping those still good",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := pki.Init(dir, o)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, f := range res.Files {
				fmt.Fprintln(out, "wrote", f)
			}
			if len(res.Files) == 0 {
				fmt.Fprintln(out, "up to date:", dir)
			}
			fmt.Fprintln(out, "--ca-cert-hash", res.CAHash)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", ".kubelab", "directory to write pki/ and the kubeconfigs in")
	f.StringVar(&o.Server, "server", defaultServer, "the apiserver's https:// URL, written in the kubeconfigs")
	f.StringVar(&o.ClusterName, "cluster-name", pki.DefaultClusterName, "the cluster's name in the kubeconfigs")
	f.StringSliceVar(&o.ExtraSANs, "apiserver-cert-extra-sans", nil, "more DNS names or IPs for the apiserver's serving certificate")
	return cmd
}

func kubeconfigCommand() *cobra.Command {
	var dir, server, user, out string
	var groups []string
	userCmd := &cobra.Command{
		Use:   "user",
		Short: "Issue a client certificate and write a kubeconfig using it (to stdout without --out)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out != "" {
				return pki.WriteUserKubeconfig(dir, server, user, groups, out)
			}
			cfg, err := pki.UserKubeconfig(dir, server, user, groups)
			if err != nil {
				return err
			}
			data, err := yaml.Marshal(cfg)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(data)
			return err
		},
	}
	f := userCmd.Flags()
	f.StringVar(&dir, "dir", ".kubelab", "directory holding pki/ca.crt and pki/ca.key")
	f.StringVar(&server, "server", defaultServer, "the apiserver's https:// URL")
	f.StringVar(&user, "client-name", "", "the user: the certificate's Common Name (system:node:<name> for a kubelet)")
	f.StringSliceVar(&groups, "org", nil, "a group of the user: an Organization of the certificate; repeatable")
	f.StringVar(&out, "out", "", "file to write, readable by its owner only (default: stdout)")
	userCmd.MarkFlagRequired("client-name")

	cmd := &cobra.Command{Use: "kubeconfig", Short: "Write kubeconfigs for more users", Args: cobra.NoArgs}
	cmd.AddCommand(userCmd)
	return cmd
}

func certsCommand() *cobra.Command {
	var dir, node string
	var hosts []string
	kubelet := &cobra.Command{
		Use:   "kubelet",
		Short: "Issue the serving certificate of a node's kubelet",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			certFile, keyFile, err := pki.IssueKubeletServing(dir, node, hosts)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), certFile)
			fmt.Fprintln(cmd.OutOrStdout(), keyFile)
			return nil
		},
	}
	kubelet.Flags().StringVar(&node, "node-name", "", "the node's name")
	kubelet.Flags().StringSliceVar(&hosts, "hosts", nil, "DNS names or IPs the kubelet is reached at, besides the node's name")
	kubelet.MarkFlagRequired("node-name")

	caHash := &cobra.Command{
		Use:   "ca-hash",
		Short: "Print the CA's hash, for kubeadm join's --discovery-token-ca-cert-hash",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := filepath.Join(dir, pki.CACertFile)
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			cert, err := pki.ParseCert(data)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), pki.CACertHash(cert))
			return nil
		},
	}

	cmd := &cobra.Command{Use: "certs", Short: "Issue certificates and inspect the CA", Args: cobra.NoArgs}
	cmd.PersistentFlags().StringVar(&dir, "dir", ".kubelab", "directory holding pki/")
	cmd.AddCommand(kubelet, caHash)
	return cmd
}
