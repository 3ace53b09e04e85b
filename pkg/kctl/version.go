package kctl

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newVersionCommand(g *globals) *cobra.Command {
	var clientOnly bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of kctl and of the server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(g.out, "Client Version: %s\n", Version)
			if clientOnly {
				return nil
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			var v struct {
				GitVersion string `json:"gitVersion"`
			}
			if err := getJSON(cmd.Context(), c, "/version", &v); err != nil {
				return err
			}
			fmt.Fprintf(g.out, "Server Version: %s\n", v.GitVersion)
			return nil
		},
	}
	cmd.Flags().BoolVar(&clientOnly, "client", false, "print only the client version; do not contact the server")
	return cmd
}
