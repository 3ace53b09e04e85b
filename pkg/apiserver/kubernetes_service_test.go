package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"kubelab/pkg/api"
)

const (
	kubernetesSvcPath = "/api/v1/namespaces/default/services/kubernetes"
	kubernetesEpPath  = "/api/v1/namespaces/default/endpoints/kubernetes"
)

// advertising returns another apiserver over ts's store (one more
// apiserver sharing the etcd) that pods reach at ip:6443.
func advertising(t *testing.T, ts *testServer, ip string) *Server {
	t.Helper()
	srv, err := New(withAuth(Config{Store: ts.store, Logger: zap.NewNop(), ServiceCIDR: "10.96.0.0/28",
		AdvertiseAddress: ip, AdvertisePort: 6443}))
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func reconcileOnce(t *testing.T, srv *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.reconcileKubernetesService(ctx); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
}

// kubernetesState describes the Service and Endpoints in one line each,
// and returns their resourceVersions.
func kubernetesState(t *testing.T, ts *testServer) (svc, ep string, rvs [2]string) {
	t.Helper()
	var s api.Service
	ts.must(http.StatusOK, "GET", kubernetesSvcPath, nil).into(t, &s)
	var ports []string
	for _, p := range s.Spec.Ports {
		ports = append(ports, fmt.Sprintf("%s/%s %d->%s nodePort=%d", p.Name, p.Protocol, p.Port, p.TargetPort.String(), p.NodePort))
	}
	svc = fmt.Sprintf("type=%s clusterIP=%s selector=%v labels=%v ports=%s",
		s.Spec.Type, s.Spec.ClusterIP, s.Spec.Selector, s.Labels, strings.Join(ports, ","))
	var e api.Endpoints
	ts.must(http.StatusOK, "GET", kubernetesEpPath, nil).into(t, &e)
	var subsets []string
	for _, ss := range e.Subsets {
		var ips, ports []string
		for _, a := range ss.Addresses {
			ips = append(ips, a.IP)
		}
		for _, p := range ss.Ports {
			ports = append(ports, fmt.Sprintf("%s/%s %d", p.Name, p.Protocol, p.Port))
		}
		subsets = append(subsets, strings.Join(ips, ",")+" "+strings.Join(ports, ","))
	}
	return svc, strings.Join(subsets, "; "), [2]string{s.ResourceVersion, e.ResourceVersion}
}

const wantKubernetesService = "type=ClusterIP clusterIP=10.96.0.1 selector=map[] labels=map[component:apiserver provider:kubernetes] ports=https/TCP 443->6443 nodePort=0"

// Whatever happens to the kubernetes Service and Endpoints, one reconcile
// puts them back, and the next one writes nothing.
func TestKubernetesServiceIsKept(t *testing.T) {
	ts := newTestServer(t)
	srv := advertising(t, ts, "127.0.0.1")
	edit := func(path string, change func(obj api.Object)) func(t *testing.T) {
		return func(t *testing.T) {
			var obj api.Object = &api.Service{}
			if strings.Contains(path, "/endpoints/") {
				obj = &api.Endpoints{}
			}
			ts.must(http.StatusOK, "GET", path, nil).into(t, obj)
			change(obj)
			ts.must(http.StatusOK, "PUT", path, obj)
		}
	}
	tests := []struct {
		name   string
		change func(t *testing.T)
		wantEp string
	}{
		{"created at start", func(*testing.T) {}, "127.0.0.1 https/TCP 6443"},
		{"a deleted Service comes back at the same address", func(t *testing.T) {
			ts.must(http.StatusOK, "DELETE", kubernetesSvcPath, nil)
		}, "127.0.0.1 https/TCP 6443"},
		{"edited ports, type and selector are put back", edit(kubernetesSvcPath, func(obj api.Object) {
			s := obj.(*api.Service)
			s.Spec.Type, s.Spec.Selector = api.ServiceTypeNodePort, map[string]string{"app": "kubia"}
			s.Spec.Ports = []api.ServicePort{{Name: "http", Port: 80, TargetPort: api.FromInt(8080), Protocol: "TCP"}}
		}), "127.0.0.1 https/TCP 6443"},
		{"deleted Endpoints come back", func(t *testing.T) {
			ts.must(http.StatusOK, "DELETE", kubernetesEpPath, nil)
		}, "127.0.0.1 https/TCP 6443"},
		{"Endpoints without this apiserver get it back and keep the others", edit(kubernetesEpPath, func(obj api.Object) {
			obj.(*api.Endpoints).Subsets = []api.EndpointSubset{{
				Addresses: []api.EndpointAddress{{IP: "192.0.2.7"}},
				Ports:     []api.EndpointPort{{Name: "web", Port: 8080, Protocol: "TCP"}},
			}}
		}), "127.0.0.1,192.0.2.7 https/TCP 6443"},
		{"a second apiserver adds its address", func(t *testing.T) {
			reconcileOnce(t, advertising(t, ts, "127.0.0.2"))
		}, "127.0.0.1,127.0.0.2,192.0.2.7 https/TCP 6443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.change(t)
			reconcileOnce(t, srv)
			svc, ep, rvs := kubernetesState(t, ts)
			if svc != wantKubernetesService {
				t.Errorf("Service:\n got  %s\n want %s", svc, wantKubernetesService)
			}
			if ep != tt.wantEp {
				t.Errorf("Endpoints:\n got  %s\n want %s", ep, tt.wantEp)
			}
			reconcileOnce(t, srv)
			if _, _, again := kubernetesState(t, ts); again != rvs {
				t.Errorf("a second reconcile wrote: resourceVersions %v → %v", rvs, again)
			}
		})
	}
}

// Services created before the apiserver's own never get its address:
// automatic ClusterIPs skip the first address of the range.
func TestClusterIPsSkipTheKubernetesServiceAddress(t *testing.T) {
	ts := newTestServer(t)
	// 10.96.0.0/28: 16 addresses, less the network, .1 and broadcast.
	for i := range 13 {
		var svc api.Service
		ts.must(http.StatusCreated, "POST", svcPath, testService(fmt.Sprintf("s%d", i), "ClusterIP", 0)).into(t, &svc)
		if svc.Spec.ClusterIP == "10.96.0.1" {
			t.Fatalf("service s%d got 10.96.0.1, the kubernetes Service's address", i)
		}
	}
	reconcileOnce(t, advertising(t, ts, "127.0.0.1"))
	if svc, _, _ := kubernetesState(t, ts); svc != wantKubernetesService {
		t.Errorf("Service:\n got  %s\n want %s", svc, wantKubernetesService)
	}
}

func TestChooseAdvertiseAddress(t *testing.T) {
	route := func(ip, dev string, err error) func() (string, string, error) {
		return func() (string, string, error) { return ip, dev, err }
	}
	eth0, noRoute := route("192.168.56.10", "eth0", nil), route("", "", errors.New("no default route"))
	tests := []struct {
		name, given, listen string
		defaultRoute        func() (string, string, error)
		want, wantErr       string
	}{
		{"given", "10.0.0.5", "0.0.0.0:6443", eth0, "10.0.0.5", ""},
		{"given is not IPv4", "fe80::1", "0.0.0.0:6443", eth0, "", "must be one IPv4 address"},
		{"given is a wildcard", "0.0.0.0", "127.0.0.1:6443", eth0, "", "must be one IPv4 address"},
		{"make up: loopback", "", "127.0.0.1:6443", eth0, "127.0.0.1", ""},
		{"the one-host lab", "", "198.51.100.1:6443", eth0, "198.51.100.1", ""},
		{"wildcard: the default route's interface", "", "0.0.0.0:6443", eth0, "192.168.56.10", ""},
		{"no host: the default route's interface", "", ":6443", eth0, "192.168.56.10", ""},
		{"wildcard without a default route: loopback", "", "0.0.0.0:6443", noRoute, "127.0.0.1", ""},
		{"IPv6 listen", "", "[fd00::1]:6443", eth0, "", "not on an IPv4 address"},
		{"listen without a port", "", "127.0.0.1", eth0, "", "missing port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why, err := chooseAdvertiseAddress(tt.given, tt.listen, tt.defaultRoute)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want || why == "" {
				t.Fatalf("got %q (%s), %v; want %q", got, why, err, tt.want)
			}
		})
	}
}
