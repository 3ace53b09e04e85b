package apiserver

import (
	"crypto/tls"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"kubelab/pkg/api"
)

// wsKubelet upgrades every request to a WebSocket of the subprotocol the
// client offered first, echoes each message back, and records the
// request it got.
type wsKubelet struct {
	mu   sync.Mutex
	seen []*http.Request
}

func (k *wsKubelet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	k.seen = append(k.seen, r)
	k.mu.Unlock()
	up := websocket.Upgrader{Subprotocols: websocket.Subprotocols(r)}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	for {
		typ, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		ws.WriteMessage(typ, msg)
	}
}

func (k *wsKubelet) last() *http.Request {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.seen) == 0 {
		return nil
	}
	return k.seen[len(k.seen)-1]
}

// dialThrough opens a WebSocket to path on the apiserver with tc's
// credentials.
func (ts *testServer) dialThrough(tc *tls.Config, path, protocol string) (*websocket.Conn, *http.Response, error) {
	d := websocket.Dialer{TLSClientConfig: tc, Subprotocols: []string{protocol}, HandshakeTimeout: 5 * time.Second}
	return d.Dial("wss"+strings.TrimPrefix(ts.http.URL, "https")+path, http.Header{"Authorization": {"Bearer not-for-the-kubelet"}})
}

// exec, attach and port-forward upgrade through the apiserver to the
// kubelet's paths, and the bytes flow both ways unchanged.
func TestStreamUpgradesPassThrough(t *testing.T) {
	kubelet := &wsKubelet{}
	ks := tlsKubelet(t, kubelet, "n1")
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", "/api/v1/nodes", kubeletNode("n1", listenerPort(t, ks.URL)))
	ts.boundPod("web", "n1")
	admin, err := tlsAs("kubernetes-admin", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, protocol string
		wantPath, wantQuery  string
	}{
		{"exec, the pod's only container", podsPath + "/web/exec?command=sh&stdin=true&stdout=true&tty=true", "v5.channel.k8s.io",
			"/exec/default/web/kubia", "command=sh&stdin=true&stdout=true&tty=true"},
		{"attach, a container named", podsPath + "/web/attach?container=kubia&stdout=true", "v4.channel.k8s.io",
			"/attach/default/web/kubia", "container=kubia&stdout=true"},
		{"port-forward, SPDY in a WebSocket", podsPath + "/web/portforward", "SPDY/3.1+portforward.k8s.io",
			"/portForward/default/web", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, resp, err := ts.dialThrough(admin, tc.path, tc.protocol)
			if err != nil {
				t.Fatalf("dial: %v (%v)", err, resp)
			}
			defer ws.Close()
			if ws.Subprotocol() != tc.protocol {
				t.Errorf("subprotocol %q, want %q", ws.Subprotocol(), tc.protocol)
			}
			for _, msg := range []string{"\x00first", "\x00second"} {
				ws.WriteMessage(websocket.BinaryMessage, []byte(msg))
				_, got, err := ws.ReadMessage()
				if err != nil || string(got) != msg {
					t.Fatalf("echo %q: %q, %v", msg, got, err)
				}
			}
			got := kubelet.last()
			if got.URL.Path != tc.wantPath || got.URL.RawQuery != tc.wantQuery {
				t.Errorf("the kubelet was asked for %s?%s, want %s?%s", got.URL.Path, got.URL.RawQuery, tc.wantPath, tc.wantQuery)
			}
			if v := got.Header.Get("Authorization"); v != "" {
				t.Errorf("the kubelet got the caller's Authorization %q", v)
			}
		})
	}
}

// The apiserver names the container, as Kubernetes does, before it dials.
func TestStreamContainerChoice(t *testing.T) {
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", "/api/v1/nodes", kubeletNode("n1", 1))
	two := testPod("two")
	two.Spec.NodeName = "n1"
	two.Spec.Containers = append(two.Spec.Containers, api.Container{Name: "sidecar", Image: "busybox"})
	ts.must(http.StatusCreated, "POST", podsPath, two)
	for _, tc := range []struct{ name, path, want string }{
		{"none named in a pod of two", podsPath + "/two/exec?command=ls&stdout=true",
			"a container name must be specified for pod two, choose one of: [kubia sidecar]"},
		{"one the pod does not have", podsPath + "/two/attach?container=nope&stdout=true",
			"container nope is not valid for pod two"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if st := ts.must(http.StatusBadRequest, "POST", tc.path, nil).status(); st.Message != tc.want {
				t.Errorf("%q, want %q", st.Message, tc.want)
			}
		})
	}
}

// A WebSocket handshake is a GET, but it opens what a POST would: it
// needs create on the subresource too (Kubernetes'
// AuthorizePodWebsocketUpgradeCreatePermission).
func TestStreamUpgradeNeedsCreate(t *testing.T) {
	kubelet := &wsKubelet{}
	ks := tlsKubelet(t, kubelet, "n1")
	ts := newTestServer(t)
	ts.must(http.StatusCreated, "POST", "/api/v1/nodes", kubeletNode("n1", listenerPort(t, ks.URL)))
	ts.boundPod("web", "n1")
	for user, verbs := range map[string][]string{"getter": {"get"}, "creator": {"get", "create"}} {
		ts.must(http.StatusCreated, "POST", rbacPath+"/namespaces/default/roles", &api.Role{ObjectMeta: api.ObjectMeta{Name: user},
			Rules: []api.PolicyRule{{Verbs: verbs, APIGroups: []string{""}, Resources: []string{"pods/exec", "pods/portforward"}}}})
		ts.must(http.StatusCreated, "POST", rbacPath+"/namespaces/default/rolebindings", &api.RoleBinding{ObjectMeta: api.ObjectMeta{Name: user},
			Subjects: []api.Subject{{Kind: "User", Name: user}}, RoleRef: api.RoleRef{Kind: "Role", Name: user}})
	}
	dial := func(user, sub, protocol string) (int, string) {
		tc, err := tlsAs(user)
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			ws, resp, err := ts.dialThrough(tc, podsPath+"/web/"+sub+"?command=ls&stdout=true", protocol)
			if err == nil {
				ws.Close()
				return http.StatusSwitchingProtocols, ""
			}
			if resp == nil {
				t.Fatal(err)
			}
			var body [512]byte
			n, _ := resp.Body.Read(body[:])
			// The authorizers' cache may not have seen the binding yet.
			settled := user == "getter" && strings.Contains(string(body[:n]), "cannot create")
			if resp.StatusCode != http.StatusForbidden || time.Now().After(deadline) || settled {
				return resp.StatusCode, string(body[:n])
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if code, _ := dial("creator", "exec", "v5.channel.k8s.io"); code != http.StatusSwitchingProtocols {
		t.Errorf("creator: %d, want 101", code)
	}
	if code, _ := dial("creator", "portforward", "SPDY/3.1+portforward.k8s.io"); code != http.StatusSwitchingProtocols {
		t.Errorf("creator, port-forward: %d, want 101", code)
	}
	code, body := dial("getter", "exec", "v5.channel.k8s.io")
	want := `User \"getter\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"default\"`
	if code != http.StatusForbidden || !strings.Contains(body, want) {
		t.Errorf("getter: %d %s\nwant 403 with %s", code, body, want)
	}
}
