package kubelet

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"go.uber.org/zap"

	"kubelab/pkg/api"
	"kubelab/pkg/kubelet/runtime"
	"kubelab/pkg/streaming"
)

// The kubelet's exec and attach endpoints, at Kubernetes' kubelet paths,
// which the apiserver proxies pods/{name}/exec and pods/{name}/attach to:
//
//	GET|POST /exec/{namespace}/{pod}/{container}?command=sh&stdin=true&stdout=true&tty=true
//	GET|POST /attach/{namespace}/{pod}/{container}?stdin=true&stdout=true&stderr=true
//
// The request is upgraded, to a WebSocket (kubectl's first choice) or to
// SPDY (its fallback), and then carries the streams the query asked for
// (package streaming describes both framings). Once the command ended the
// error stream gets one Status: Success, or Failure with reason
// NonZeroExitCode and the exit code as the ExitCode cause, which kubectl
// turns into its own exit code. Anything wrong before the upgrade is an
// HTTP error with a Status, as for logs.

// remoteOptions is what the query asks for.
type remoteOptions struct {
	command                    []string
	stdin, stdout, stderr, tty bool
}

// session is one upgraded connection's streams, whatever its framing.
type session struct {
	stdin          io.Reader // nil unless asked for
	stdout, stderr io.Writer // nil unless asked for
	resize         <-chan runtime.TerminalSize
	// done is closed when the client went away.
	done <-chan struct{}
	// finish sends the final Status and closes the connection.
	finish func(*api.Status)
}

func (s *streamServer) serveExec(w http.ResponseWriter, r *http.Request) {
	s.serveRemoteCommand(w, r, true)
}

func (s *streamServer) serveAttach(w http.ResponseWriter, r *http.Request) {
	s.serveRemoteCommand(w, r, false)
}

func (s *streamServer) serveRemoteCommand(w http.ResponseWriter, r *http.Request, exec bool) {
	opts, err := remoteOptionsOf(r, exec)
	if err != nil {
		writeStatus(w, http.StatusBadRequest, err.Error())
		return
	}
	c, code, msg := s.container(r.Context(), r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container"), false)
	if code != 0 {
		writeStatus(w, code, msg)
		return
	}
	if c.State != runtime.ContainerRunning {
		writeStatus(w, http.StatusBadRequest, fmt.Sprintf("container %s is not running", c.Name))
		return
	}
	attacher, ok := s.streams.(runtime.Attacher)
	if !ok {
		writeStatus(w, http.StatusBadRequest, fmt.Sprintf("the runtime of node %s cannot attach streams to containers", s.node))
		return
	}
	sess, ok := s.upgradeRemoteCommand(w, r, opts)
	if !ok {
		return // the upgrade answered the error
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	go func() {
		select {
		case <-sess.done:
			cancel() // the client left: stop copying
		case <-ctx.Done():
		}
	}()
	streams := runtime.Streams{Stdin: sess.stdin, Stdout: sess.stdout, Stderr: sess.stderr, TTY: opts.tty, Resize: sess.resize}
	if !exec {
		err = attacher.Attach(ctx, c.ID, streams)
		sess.finish(exitStatus(0, err))
		return
	}
	exit, err := attacher.ExecStreams(ctx, c.ID, opts.command, streams)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("an exec stream broke off", zap.String("container", c.ID), zap.Error(err))
	}
	sess.finish(exitStatus(exit, err))
}

// upgradeRemoteCommand upgrades r to whichever framing the client asked
// for. It answers the error itself when it cannot.
func (s *streamServer) upgradeRemoteCommand(w http.ResponseWriter, r *http.Request, opts remoteOptions) (*session, bool) {
	switch {
	case isWebSocket(r):
		return upgradeWebSocket(w, r, opts)
	case isSPDY(r):
		return upgradeSPDY(w, r, opts)
	}
	writeStatus(w, http.StatusBadRequest,
		"unable to upgrade: the request must upgrade to a WebSocket (v5.channel.k8s.io) or to SPDY/3.1 (v4.channel.k8s.io)")
	return nil, false
}

// remoteOptionsOf reads the query as Kubernetes' PodExecOptions and
// PodAttachOptions. A terminal has one output stream, so stderr goes
// with tty.
func remoteOptionsOf(r *http.Request, exec bool) (remoteOptions, error) {
	q := r.URL.Query()
	var o remoteOptions
	var errs [4]error
	o.stdin, errs[0] = boolParam(q, "stdin")
	o.stdout, errs[1] = boolParam(q, "stdout")
	o.stderr, errs[2] = boolParam(q, "stderr")
	o.tty, errs[3] = boolParam(q, "tty")
	if err := firstErr(errs[:]...); err != nil {
		return o, err
	}
	o.command = q["command"]
	switch {
	case exec && len(o.command) == 0:
		return o, fmt.Errorf("you must specify at least one command for the container (command=…)")
	case !o.stdin && !o.stdout && !o.stderr:
		return o, fmt.Errorf("you must specify at least one of stdin, stdout, stderr")
	}
	if o.tty {
		o.stderr = false
	}
	return o, nil
}

// exitStatus is what the error stream says at the end, as Kubernetes'
// kubelet says it.
func exitStatus(exit int, err error) *api.Status {
	st := &api.Status{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"}}
	switch {
	case err != nil:
		st.Status, st.Reason, st.Code = "Failure", "InternalError", http.StatusInternalServerError
		st.Message = fmt.Sprintf("Internal error occurred: error executing command in container: %v", err)
	case exit != 0:
		st.Status, st.Reason = "Failure", streaming.NonZeroExitCodeReason
		st.Message = fmt.Sprintf("command terminated with non-zero exit code: exit status %d", exit)
		st.Details = &api.StatusDetails{Causes: []api.StatusCause{{Type: streaming.ExitCodeCauseType, Message: strconv.Itoa(exit)}}}
	default:
		st.Status = "Success"
	}
	return st
}
