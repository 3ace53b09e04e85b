package dns

import (
	"strings"
	"testing"
)

func TestOptionsValidate(t *testing.T) {
	good := Options{Server: "http://10.96.0.1:443", Listen: ":53", HealthListen: ":8080", ClusterDomain: "cluster.local", LogLevel: "info"}
	tests := []struct {
		name   string
		change func(*Options)
		err    string // "" for valid; else a part of the error
	}{
		{name: "the defaults", change: func(*Options) {}},
		{name: "an upstream", change: func(o *Options) { o.Upstream = "192.168.56.1:53" }},
		{name: "an IPv6 upstream", change: func(o *Options) { o.Upstream = "[fd00::1]:53" }},
		{name: "a domain with capitals and a final dot", change: func(o *Options) { o.ClusterDomain = "Lab.Example." }},
		{name: "listen on one address", change: func(o *Options) { o.Listen = "10.244.1.5:53" }},
		{name: "no server: the pod's or the kubeconfig's", change: func(o *Options) { o.Server = "" }},
		{name: "a server without scheme", change: func(o *Options) { o.Server = "10.96.0.1:443" }, err: "--server"},
		{name: "listen without port", change: func(o *Options) { o.Listen = "53" }, err: `--listen "53": want [IP]:port`},
		{name: "listen on a name", change: func(o *Options) { o.Listen = "localhost:53" }, err: `"localhost" is not an IP address`},
		{name: "a port too big", change: func(o *Options) { o.HealthListen = ":80800" }, err: "--health-listen"},
		{name: "health on the DNS port", change: func(o *Options) { o.HealthListen = "127.0.0.1:53" }, err: "--health-listen \"127.0.0.1:53\": port 53 is the DNS port"},
		{name: "an empty domain", change: func(o *Options) { o.ClusterDomain = "" }, err: `--cluster-domain "": must not be empty`},
		{name: "two dots", change: func(o *Options) { o.ClusterDomain = "cluster..local" }, err: "empty"},
		{name: "an underscore", change: func(o *Options) { o.ClusterDomain = "my_cluster.local" }, err: `character '_'`},
		{name: "a hyphen first", change: func(o *Options) { o.ClusterDomain = "-cluster.local" }, err: "must not start or end with '-'"},
		{name: "a reverse zone", change: func(o *Options) { o.ClusterDomain = "in-addr.arpa" }, err: "reverse zones"},
		{name: "an upstream without port", change: func(o *Options) { o.Upstream = "192.168.56.1" }, err: `--upstream "192.168.56.1": want an IP address and port`},
		{name: "an upstream by name", change: func(o *Options) { o.Upstream = "dns.google:53" }, err: "--upstream"},
		{name: "an upstream on port 0", change: func(o *Options) { o.Upstream = "192.168.56.1:0" }, err: "--upstream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := good
			tt.change(&o)
			err := o.validate()
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.err != "" && err == nil:
				t.Errorf("no error; want one with %q", tt.err)
			case tt.err != "" && !strings.Contains(err.Error(), tt.err):
				t.Errorf("error %q; want it to contain %q", err, tt.err)
			}
		})
	}
}

// In a pod the DNS reaches the apiserver as its ServiceAccount; outside
// one it needs a kubeconfig or a server.
func TestClientConfig(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBERNETES_SERVICE_PORT", "")
	if _, err := (Options{}).clientConfig(); err == nil || !strings.Contains(err.Error(), "--kubeconfig") {
		t.Errorf("outside a pod, no flags: %v, want an error naming --kubeconfig", err)
	}
	cc, err := (Options{Server: "http://127.0.0.1:1"}).clientConfig()
	if err != nil || cc.Server != "http://127.0.0.1:1" {
		t.Errorf("--server alone: %+v %v", cc, err)
	}
}
