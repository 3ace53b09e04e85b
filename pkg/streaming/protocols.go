package streaming

// Protocol names, as Kubernetes' remotecommand and portforward packages
// spell them: a client offers them in Sec-WebSocket-Protocol or
// X-Stream-Protocol-Version, and the server answers with the one it
// chose.
const (
	ChannelV5 = "v5.channel.k8s.io"
	ChannelV4 = "v4.channel.k8s.io"

	PortForward = "portforward.k8s.io"
	// TunnelPrefix marks a WebSocket subprotocol that carries SPDY.
	TunnelPrefix = "SPDY/3.1+"
	// SPDY is the Upgrade header's value for a SPDY connection.
	SPDY = "SPDY/3.1"

	// ProtocolHeader is the header a SPDY client offers its protocol
	// versions in and the server answers with its choice.
	ProtocolHeader = "X-Stream-Protocol-Version"
)

// Channels of the WebSocket framing, and SPDY's streamType header values.
const (
	Stdin  byte = 0
	Stdout byte = 1
	Stderr byte = 2
	Error  byte = 3
	Resize byte = 4
	Close  byte = 255
)

// StreamType names a SPDY stream (its streamType header), by channel.
var StreamType = map[byte]string{Stdin: "stdin", Stdout: "stdout", Stderr: "stderr", Error: "error", Resize: "resize"}

// Exit codes travel on the error channel as a Status with this reason
// and a cause of this type whose message is the code.
const (
	NonZeroExitCodeReason = "NonZeroExitCode"
	ExitCodeCauseType     = "ExitCode"
)
