package approver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"net"
	"slices"
	"sync"
	"testing"

	"kubelab/pkg/api"
	"kubelab/pkg/controller/controllertest"
)

// fakeApprovals records the approval writes, as "approve <name>".
type fakeApprovals struct {
	mu       sync.Mutex
	writes   []string
	approved []*api.CertificateSigningRequest
	fail     error
}

var _ ApprovalWriter = (*fakeApprovals)(nil)

func (f *fakeApprovals) UpdateApproval(_ context.Context, csr *api.CertificateSigningRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes = append(f.writes, "approve "+csr.Name)
	f.approved = append(f.approved, api.DeepCopy(csr))
	return f.fail
}

// request makes a real PEM request for subject and SANs.
func request(t *testing.T, subject pkix.Name, dns []string, ips ...string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.CertificateRequest{Subject: subject, DNSNames: dns}
	for _, ip := range ips {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func nodeSubject(name string) pkix.Name {
	return pkix.Name{CommonName: "system:node:" + name, Organization: []string{"system:nodes"}}
}

var (
	bootstrapper = []string{"system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token", "system:authenticated"}
	nodes        = []string{"system:nodes", "system:authenticated"}
)

// clientCSR is node's client certificate request, sent by username in groups.
func clientCSR(t *testing.T, node, username string, groups []string) *api.CertificateSigningRequest {
	return &api.CertificateSigningRequest{
		ObjectMeta: api.ObjectMeta{Name: "csr-" + node},
		Spec: api.CertificateSigningRequestSpec{
			Request: request(t, nodeSubject(node), nil), SignerName: api.SignerKubeletClient,
			Usages:   []string{api.UsageDigitalSignature, api.UsageKeyEncipherment, api.UsageClientAuth},
			Username: username, Groups: groups,
		},
	}
}

// servingCSR is node's serving certificate request, sent by node itself.
func servingCSR(t *testing.T, node string, dns []string, ips ...string) *api.CertificateSigningRequest {
	return &api.CertificateSigningRequest{
		ObjectMeta: api.ObjectMeta{Name: "serving-" + node},
		Spec: api.CertificateSigningRequestSpec{
			Request: request(t, nodeSubject(node), dns, ips...), SignerName: api.SignerKubeletServing,
			Usages:   []string{api.UsageDigitalSignature, api.UsageServerAuth},
			Username: "system:node:" + node, Groups: nodes,
		},
	}
}

func node(name string, addrs ...api.NodeAddress) *api.Node {
	return &api.Node{ObjectMeta: api.ObjectMeta{Name: name}, Status: api.NodeStatus{Addresses: addrs}}
}

func with(csr *api.CertificateSigningRequest, f func(*api.CertificateSigningRequest)) *api.CertificateSigningRequest {
	f(csr)
	return csr
}

func TestSync(t *testing.T) {
	n1 := node("n1", api.NodeAddress{Type: api.NodeInternalIP, Address: "10.0.0.11"},
		api.NodeAddress{Type: api.NodeExternalIP, Address: "192.0.2.11"},
		api.NodeAddress{Type: api.NodeHostName, Address: "n1.lab.example"})
	tests := []struct {
		name       string
		csr        *api.CertificateSigningRequest
		nodes      []*api.Node
		fail       error
		wantWrites []string
		wantErr    bool
	}{
		{name: "a bootstrapper's node client request is approved",
			csr: clientCSR(t, "n1", "system:bootstrap:abcdef", bootstrapper), wantWrites: []string{"approve csr-n1"}},
		{name: "a node renewing its own client certificate is approved",
			csr: clientCSR(t, "n1", "system:node:n1", nodes), wantWrites: []string{"approve csr-n1"}},
		{name: "a node asking for another node's client certificate is not",
			csr: clientCSR(t, "n1", "system:node:n2", nodes)},
		{name: "a user asking for a node's client certificate is not",
			csr: clientCSR(t, "n1", "jane", []string{"system:authenticated"})},
		{name: "a bootstrapper's request with a CN of another form is not",
			csr: with(clientCSR(t, "n1", "system:bootstrap:abcdef", bootstrapper), func(c *api.CertificateSigningRequest) {
				c.Spec.Request = request(t, pkix.Name{CommonName: "n1", Organization: []string{"system:nodes"}}, nil)
			})},
		{name: "a bootstrapper's request for system:masters is not",
			csr: with(clientCSR(t, "n1", "system:bootstrap:abcdef", bootstrapper), func(c *api.CertificateSigningRequest) {
				c.Spec.Request = request(t, pkix.Name{CommonName: "system:node:n1", Organization: []string{"system:nodes", "system:masters"}}, nil)
			})},
		{name: "a bootstrapper's node request to another signer is not",
			csr: with(clientCSR(t, "n1", "system:bootstrap:abcdef", bootstrapper), func(c *api.CertificateSigningRequest) {
				c.Spec.SignerName = api.SignerClient
			})},
		{name: "a bootstrapper's request for server auth is not",
			csr: with(clientCSR(t, "n1", "system:bootstrap:abcdef", bootstrapper), func(c *api.CertificateSigningRequest) {
				c.Spec.Usages = []string{api.UsageDigitalSignature, api.UsageServerAuth}
			})},
		{name: "a request already approved is left alone",
			csr: with(clientCSR(t, "n1", "system:bootstrap:abcdef", bootstrapper), func(c *api.CertificateSigningRequest) {
				c.Status.Conditions = []api.CertificateSigningRequestCondition{{Type: api.CertificateApproved, Status: api.ConditionTrue}}
			})},
		{name: "a request a person denied stays denied",
			csr: with(clientCSR(t, "n1", "system:bootstrap:abcdef", bootstrapper), func(c *api.CertificateSigningRequest) {
				c.Status.Conditions = []api.CertificateSigningRequestCondition{{Type: api.CertificateDenied, Status: api.ConditionTrue}}
			})},
		{name: "a failed approval is returned, to be retried",
			csr: clientCSR(t, "n1", "system:bootstrap:abcdef", bootstrapper), fail: errors.New("connection refused"),
			wantWrites: []string{"approve csr-n1"}, wantErr: true},

		{name: "a serving request for the node's own addresses is approved",
			csr: servingCSR(t, "n1", nil, "10.0.0.11", "192.0.2.11"), nodes: []*api.Node{n1}, wantWrites: []string{"approve serving-n1"}},
		{name: "a serving request for the node's name and hostname is approved",
			csr: servingCSR(t, "n1", []string{"n1", "n1.lab.example"}, "10.0.0.11"), nodes: []*api.Node{n1}, wantWrites: []string{"approve serving-n1"}},
		{name: "a serving request with an address not the node's is not",
			csr: servingCSR(t, "n1", nil, "10.0.0.11", "10.0.0.12"), nodes: []*api.Node{n1}},
		{name: "a serving request with a DNS name not the node's is not",
			csr: servingCSR(t, "n1", []string{"kubernetes.default.svc"}, "10.0.0.11"), nodes: []*api.Node{n1}},
		{name: "a serving request before the Node exists waits",
			csr: servingCSR(t, "n1", nil, "10.0.0.11")},
		{name: "a serving request sent for another node is not",
			csr:   with(servingCSR(t, "n1", nil, "10.0.0.11"), func(c *api.CertificateSigningRequest) { c.Spec.Username = "system:node:n2" }),
			nodes: []*api.Node{n1, node("n2", api.NodeAddress{Type: api.NodeInternalIP, Address: "10.0.0.11"})}},
		{name: "a serving request from a bootstrapper is not",
			csr: with(servingCSR(t, "n1", nil, "10.0.0.11"), func(c *api.CertificateSigningRequest) {
				c.Spec.Username, c.Spec.Groups = "system:bootstrap:abcdef", bootstrapper
			}), nodes: []*api.Node{n1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes := controllertest.NewLister()
			for _, n := range tt.nodes {
				nodes.Add(n)
			}
			w := &fakeApprovals{fail: tt.fail}
			before := len(tt.csr.Status.Conditions)
			c := New(controllertest.NewLister(tt.csr), nodes, w, nil)
			err := c.Sync(context.Background(), tt.csr.Name)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Sync error = %v, want error %v", err, tt.wantErr)
			}
			if !slices.Equal(w.writes, tt.wantWrites) {
				t.Errorf("writes = %q, want %q", w.writes, tt.wantWrites)
			}
			for _, a := range w.approved {
				got := a.Status.Conditions
				if len(got) != 1 || got[0].Type != api.CertificateApproved || got[0].Status != api.ConditionTrue ||
					got[0].Reason != ReasonAutoApproved || got[0].Message == "" || got[0].LastUpdateTime.IsZero() {
					t.Errorf("conditions = %+v, want one Approved AutoApproved", got)
				}
				if !slices.Equal(a.Spec.Request, tt.csr.Spec.Request) || a.Spec.Username != tt.csr.Spec.Username {
					t.Error("the approval does not carry the whole request")
				}
			}
			if len(tt.csr.Status.Conditions) != before {
				t.Error("the cached request was changed; copy before changing")
			}
		})
	}
	t.Run("a request that is gone is nothing to do", func(t *testing.T) {
		w := &fakeApprovals{}
		if err := New(controllertest.NewLister(), controllertest.NewLister(), w, nil).Sync(context.Background(), "gone"); err != nil || len(w.writes) > 0 {
			t.Errorf("Sync = %v, writes %q", err, w.writes)
		}
	})
}

func TestHandlers(t *testing.T) {
	pending := servingCSR(t, "n1", nil, "10.0.0.11")
	approved := with(servingCSR(t, "n1", nil, "10.0.0.11"), func(c *api.CertificateSigningRequest) {
		c.Name = "serving-n1-old"
		c.Status.Conditions = []api.CertificateSigningRequestCondition{{Type: api.CertificateApproved, Status: api.ConditionTrue}}
	})
	other := servingCSR(t, "n2", nil, "10.0.0.12")
	renewal := clientCSR(t, "n1", "system:node:n1", nodes)
	tests := []struct {
		name     string
		event    func(c *Controller)
		wantKeys []string
	}{
		{"a request added is looked at", func(c *Controller) { c.CSRHandler().OnAdd(renewal) }, []string{"csr-n1"}},
		{"a request updated is looked at", func(c *Controller) { c.CSRHandler().OnUpdate(renewal, renewal) }, []string{"csr-n1"}},
		{"a Node added queues its pending serving requests", func(c *Controller) { c.NodeHandler().OnAdd(node("n1")) }, []string{"serving-n1"}},
		{"a Node reporting a new address queues them too", func(c *Controller) {
			c.NodeHandler().OnUpdate(node("n2"), node("n2", api.NodeAddress{Type: api.NodeInternalIP, Address: "10.0.0.12"}))
		}, []string{"serving-n2"}},
		{"a Node's heartbeat queues nothing", func(c *Controller) { c.NodeHandler().OnUpdate(node("n2"), node("n2")) }, nil},
		{"a Node without requests queues nothing", func(c *Controller) { c.NodeHandler().OnAdd(node("n3")) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(controllertest.NewLister(pending, approved, other, renewal), controllertest.NewLister(), &fakeApprovals{}, nil)
			tt.event(c)
			if got := controllertest.Drain(c.Queue()); !slices.Equal(got, tt.wantKeys) {
				t.Errorf("queued %q, want %q", got, tt.wantKeys)
			}
		})
	}
}
