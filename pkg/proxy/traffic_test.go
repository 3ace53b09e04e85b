package proxy

// Traffic through the rules, end to end but without a cluster: a node
// namespace with a bridge, two pod namespaces running small TCP servers
// that answer with their name, and the proxy's rules applied in the node
// namespace (see netns_test.go). Clients connect from the node and from
// a pod. Everything stays inside these namespaces.

import (
	"context"
	"errors"
	"io"
	"net"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"kubelab/pkg/api"
)

// serve answers every connection to port 8080 in ns with name.
func serve(t *testing.T, ns testNS, name string) {
	t.Helper()
	var ln net.Listener
	if err := ns.Do(func() (err error) { ln, err = net.Listen("tcp4", ":8080"); return err }); err != nil {
		t.Fatal(err) // the socket belongs to the namespace it was opened in, whatever thread accepts
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(name))
			c.Close()
		}
	}()
}

// serveUDP answers every datagram to port 5353 in ns with name.
func serveUDP(t *testing.T, ns testNS, name string) {
	t.Helper()
	var pc net.PacketConn
	if err := ns.Do(func() (err error) { pc, err = net.ListenPacket("udp4", ":5353"); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 64)
		for {
			_, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo([]byte(name), from)
		}
	}()
}

// ask connects n times from ns to addr and counts the answers by server
// name; the first failure ends it.
func ask(ns testNS, addr string, n int) (map[string]int, error) {
	answers := map[string]int{}
	err := ns.Do(func() error {
		for range n {
			c, err := net.DialTimeout("tcp4", addr, time.Second)
			if err != nil {
				return err
			}
			c.SetDeadline(time.Now().Add(time.Second))
			b, err := io.ReadAll(c)
			c.Close()
			if err != nil {
				return err
			}
			answers[string(b)]++
		}
		return nil
	})
	return answers, err
}

// TestTrafficThroughTheRules runs one scenario in each mode: what a pod
// or a client sees must not depend on it.
func TestTrafficThroughTheRules(t *testing.T) {
	requireRoot(t)
	for _, mode := range []string{ModeIPTables, ModeNFTables} {
		t.Run(mode, func(t *testing.T) {
			if mode == ModeNFTables {
				requireNFT(t)
			}
			trafficThroughTheRules(t, mode)
		})
	}
}

func trafficThroughTheRules(t *testing.T, mode string) {
	node := newNode(t, "192.168.56.11", "10.244.1.1")
	podA := newPod(t, node, "a", "10.244.1.2", "10.244.1.1")
	podB := newPod(t, node, "b", "10.244.1.3", "10.244.1.1")
	serve(t, podA, "pod-a")
	serve(t, podB, "pod-b")
	serveUDP(t, podA, "pod-a")
	serveUDP(t, podB, "pod-b")

	log := zaptest.NewLogger(t)
	ensureKernelSettings(node.NetNS, log)
	services, eps := &objects{}, &objects{}
	services.set(
		service("default", "kubia", "10.96.0.10", nodePort(30080)),
		service("default", "sticky", "10.96.0.11", affinity(600)),
		service("default", "empty", "10.96.0.12", nodePort(30012)),
		service("default", "self", "10.96.0.13"),
		service("default", "kubernetes", "10.96.0.1"), // the apiserver, on the node's loopback
	)
	eps.set(
		endpoints("default", "kubia", "10.244.1.2", "10.244.1.3"),
		endpoints("default", "sticky", "10.244.1.2", "10.244.1.3"),
		endpoints("default", "self", "10.244.1.2"),
		endpoints("default", "kubernetes", "127.0.0.1"),
	)
	var apiserver net.Listener
	if err := node.Do(func() (err error) { apiserver, err = net.Listen("tcp4", "127.0.0.1:8080"); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { apiserver.Close() })
	go func() {
		for {
			c, err := apiserver.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("apiserver"))
			c.Close()
		}
	}()
	p := newSyncer(t, mode, node.NetNS, Config{Node: NodeInfo{Name: "node1", IPs: []string{"192.168.56.11"}, ClusterCIDR: "10.244.0.0/16", MasqueradeBit: 14,
		APIServer: "127.0.0.1"},
		SyncPeriod: time.Hour, Conntrack: ConntrackCommand{NS: node.NetNS},
		Services: services, Endpoints: eps, Log: log,
		AfterFirstSync: func() { ensureRouteLocalnet(node.NetNS, log) }})
	ctx := context.Background()
	if err := p.Sync(ctx, true); err != nil {
		t.Fatal(err)
	}

	reachesBoth := func(t *testing.T, from testNS, addr string) {
		t.Helper()
		got, err := ask(from, addr, 100)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		if got["pod-a"] == 0 || got["pod-b"] == 0 {
			t.Errorf("100 connections to %s from %s: %v, want both pods", addr, from.name, got)
		}
		t.Logf("%s from %s: %v", addr, from.name, got)
	}
	t.Run("ClusterIP from the node reaches every endpoint", func(t *testing.T) {
		reachesBoth(t, node, "10.96.0.10:80")
	})
	t.Run("ClusterIP from a pod reaches every endpoint, itself too", func(t *testing.T) {
		reachesBoth(t, podA, "10.96.0.10:80")
	})
	t.Run("NodePort on the node's address", func(t *testing.T) {
		reachesBoth(t, node, "192.168.56.11:30080")
	})
	t.Run("NodePort on 127.0.0.1 (route_localnet)", func(t *testing.T) {
		reachesBoth(t, node, "127.0.0.1:30080")
	})
	t.Run("a pod reaches the apiserver on the node's loopback through its service", func(t *testing.T) {
		got, err := ask(podA, "10.96.0.1:80", 3)
		if err != nil || got["apiserver"] != 3 {
			t.Errorf("got %v, %v; want the apiserver 3 times", got, err)
		}
	})
	t.Run("a pod reaches itself through its own service (hairpin)", func(t *testing.T) {
		got, err := ask(podA, "10.96.0.13:80", 5)
		if err != nil || got["pod-a"] != 5 {
			t.Errorf("got %v, %v; want pod-a 5 times", got, err)
		}
	})
	t.Run("ClientIP affinity sticks to one endpoint", func(t *testing.T) {
		got, err := ask(node, "10.96.0.11:80", 30)
		if err != nil || len(got) != 1 {
			t.Errorf("got %v, %v; want one pod 30 times", got, err)
		}
	})
	t.Run("no endpoints: refused at once, cluster IP and node port", func(t *testing.T) {
		for _, addr := range []string{"10.96.0.12:80", "192.168.56.11:30012"} {
			start := time.Now()
			_, err := ask(node, addr, 1)
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("%s: %v, want connection refused", addr, err)
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("%s: refused after %s, want under a second", addr, took)
			}
		}
	})
	t.Run("scaling down updates the rules", func(t *testing.T) {
		eps.set(
			endpoints("default", "kubia", "10.244.1.3"),
			endpoints("default", "sticky", "10.244.1.2", "10.244.1.3"),
			endpoints("default", "self", "10.244.1.2"),
		)
		if err := p.Sync(ctx, false); err != nil {
			t.Fatal(err)
		}
		got, err := ask(node, "10.96.0.10:80", 20)
		if err != nil || got["pod-b"] != 20 {
			t.Errorf("got %v, %v; want pod-b 20 times", got, err)
		}
	})
	t.Run("UDP: a client that keeps its port follows its endpoint's replacement", func(t *testing.T) {
		if _, err := exec.LookPath("conntrack"); err != nil {
			t.Skip("skipping: needs the conntrack command (Debian package conntrack)")
		}
		udpPorts := []api.EndpointPort{{Name: "dns", Port: 5353, Protocol: "UDP"}}
		services.set(append(services.List(), service("default", "dns", "10.96.0.53",
			ports(api.ServicePort{Name: "dns", Protocol: "UDP", Port: 53})))...)
		withDNS := func(ip string) {
			var kept []api.Object
			for _, o := range eps.List() {
				if o.GetObjectMeta().Name != "dns" {
					kept = append(kept, o)
				}
			}
			eps.set(append(kept, endpointsPorts("default", "dns", udpPorts, ip))...)
			if err := p.Sync(ctx, false); err != nil {
				t.Fatal(err)
			}
		}
		withDNS("10.244.1.2")
		var conn *net.UDPConn // one socket, one source port, as a resolver keeps
		if err := node.Do(func() (err error) {
			conn, err = net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.ParseIP("10.96.0.53"), Port: 53})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		query := func() string {
			conn.SetDeadline(time.Now().Add(time.Second))
			buf := make([]byte, 64)
			if _, err := conn.Write([]byte("?")); err != nil {
				return err.Error()
			}
			n, err := conn.Read(buf)
			if err != nil {
				return err.Error()
			}
			return string(buf[:n])
		}
		if got := query(); got != "pod-a" {
			t.Fatalf("first answer from %q, want pod-a", got)
		}
		withDNS("10.244.1.3") // pod-a leaves the service, though it still answers
		if got := query(); got != "pod-b" {
			t.Errorf("after the endpoint changed, the answer came from %q, want pod-b: the conntrack entry was not deleted", got)
		}
	})
	t.Run("endpoints appear: the REJECT goes", func(t *testing.T) {
		eps.set(append(eps.List(), endpoints("default", "empty", "10.244.1.2"))...)
		if err := p.Sync(ctx, false); err != nil {
			t.Fatal(err)
		}
		got, err := ask(node, "10.96.0.12:80", 3)
		if err != nil || got["pod-a"] != 3 {
			t.Errorf("got %v, %v; want pod-a 3 times", got, err)
		}
	})
}
