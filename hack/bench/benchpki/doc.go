// Package benchpki gives the benchmarks under hack/bench what a cluster's
// clients need since the apiserver serves HTTPS only, with authentication
// and authorization: a cluster PKI laid out by pki.Init in a temporary
// directory, an apiserver served from it in the benchmark's process, and
// clients under the identities of its kubeconfigs.
//
//	p, err := benchpki.New()
//	defer p.Close()
//	srv, err := p.Serve(ctx, apiserver.Config{Store: st})
//	cfg, err := p.ClientConfig(pki.AdminKubeconfig, srv.URL)
//	cfg.QPS, cfg.Burst = -1, -1
//	admin, err := client.New(cfg)
//
// The caller closes the PKI after everything that uses it has stopped:
// Close removes the directory.
package benchpki
