package streaming

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// A byte stream survives being cut into messages: reads cross message
// boundaries, and a normal close is the stream's end.
func TestTunnelConn(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{Subprotocols: []string{TunnelPrefix + PortForward}}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		conn := NewTunnelConn(ws)
		for _, piece := range []string{"spdy ", "bytes in ", "three messages"} {
			conn.Write([]byte(piece))
		}
		conn.Close()
	}))
	defer srv.Close()
	d := websocket.Dialer{Subprotocols: []string{TunnelPrefix + PortForward}}
	ws, _, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	conn := NewTunnelConn(ws)
	defer conn.Close()
	var got []byte
	buf := make([]byte, 4) // smaller than a message
	for {
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
	}
	if string(got) != "spdy bytes in three messages" {
		t.Errorf("read %q", got)
	}
}
