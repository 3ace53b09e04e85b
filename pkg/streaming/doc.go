// Package streaming holds what both ends of kubelab's interactive streams
// agree on: the names of Kubernetes' exec, attach and port-forward
// protocols, the channel numbers of its WebSocket framing, and TunnelConn,
// which carries a SPDY connection inside a WebSocket as kubectl's
// port-forward does. The kubelet serves these protocols (pkg/kubelet,
// streams_*.go) and kctl speaks them (pkg/kctl exec.go, portforward.go);
// the apiserver only passes the upgraded connection through.
//
// Exec and attach over WebSocket (v4 and v5.channel.k8s.io): every binary
// message starts with one byte naming its channel, the rest is data:
//
//	0 stdin   client → kubelet
//	1 stdout  kubelet → client
//	2 stderr  kubelet → client
//	3 error   kubelet → client: one JSON Status once the command ended
//	4 resize  client → kubelet: JSON {"Width":80,"Height":24}
//	255 close (v5 only) followed by a channel number: that stream ended,
//	          how a client says "end of stdin" to a `cat`.
//
// Over SPDY (the fallback) each of these is a SPDY stream whose
// streamType header names it, and a stream's end is SPDY's half-close.
//
// Port-forward speaks SPDY (portforward.k8s.io): per forwarded
// connection the client opens an error and a data stream, with the
// same port and requestID headers. kubectl 1.37 first tunnels that SPDY
// connection through a WebSocket (subprotocol
// SPDY/3.1+portforward.k8s.io, each binary message a piece of the SPDY
// byte stream) and falls back to a plain SPDY upgrade.
package streaming
