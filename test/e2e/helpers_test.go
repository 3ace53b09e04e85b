package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
	"kubelab/pkg/kctl"
	"kubelab/pkg/pki"
)

// createPod creates pod bound to the node, as the scheduler would.
func (c *cluster) createPod(pod *api.Pod) *api.Pod {
	c.t.Helper()
	pod.Namespace = "default"
	pod.Spec.NodeName = c.node
	obj, err := c.client.Resource(resource("pods")).Namespace("default").Create(context.Background(), pod)
	if err != nil {
		c.t.Fatalf("create pod %s: %v", pod.Name, err)
	}
	return obj.(*api.Pod)
}

func (c *cluster) getPod(name string) (*api.Pod, error) {
	obj, err := c.client.Resource(resource("pods")).Namespace("default").Get(context.Background(), name)
	if err != nil {
		return nil, err
	}
	return obj.(*api.Pod), nil
}

// waitPod polls pod name until check returns nil, and returns the pod.
func (c *cluster) waitPod(name string, within time.Duration, what string, check func(*api.Pod) error) *api.Pod {
	c.t.Helper()
	var pod *api.Pod
	c.eventually(within, "pod "+name+" "+what, func() error {
		p, err := c.getPod(name)
		if err != nil {
			return err
		}
		pod = p
		return check(p)
	})
	return pod
}

// ready is a check that the pod runs and is Ready (or not).
func ready(want bool) func(*api.Pod) error {
	return func(p *api.Pod) error {
		got := condition(p, api.PodReady)
		if p.Status.Phase != api.PodRunning || (got == api.ConditionTrue) != want {
			return fmt.Errorf("phase %s, Ready=%s (%s)", p.Status.Phase, got, containerStates(p))
		}
		return nil
	}
}

func condition(p *api.Pod, typ string) string {
	for _, c := range p.Status.Conditions {
		if c.Type == typ {
			return c.Status
		}
	}
	return ""
}

// containerStates sums up the containers for failure messages.
func containerStates(p *api.Pod) string {
	var out []string
	for _, cs := range p.Status.ContainerStatuses {
		s := "?"
		switch {
		case cs.State.Running != nil:
			s = "running"
		case cs.State.Waiting != nil:
			s = "waiting " + cs.State.Waiting.Reason + ": " + cs.State.Waiting.Message
		case cs.State.Terminated != nil:
			s = fmt.Sprintf("terminated %s %d", cs.State.Terminated.Reason, cs.State.Terminated.ExitCode)
		}
		out = append(out, fmt.Sprintf("%s %s ready=%t restarts=%d", cs.Name, s, cs.Ready, cs.RestartCount))
	}
	return strings.Join(out, "; ")
}

func containerStatus(p *api.Pod, name string) api.ContainerStatus {
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == name {
			return cs
		}
	}
	return api.ContainerStatus{}
}

// events lists the messages of the events about pod name, "Reason: message".
func (c *cluster) events(name string) []string {
	c.t.Helper()
	objs, _, err := c.client.Resource(resource("events")).Namespace("default").List(context.Background(), client.ListOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	var out []string
	for _, obj := range objs {
		if ev := obj.(*api.Event); ev.InvolvedObject.Name == name {
			out = append(out, ev.Reason+": "+ev.Message)
		}
	}
	return out
}

// hasEvent is a check that an event about pod name has reason and a
// message containing text.
func (c *cluster) hasEvent(name, reason, text string) error {
	evs := c.events(name)
	for _, e := range evs {
		if strings.HasPrefix(e, reason+": ") && strings.Contains(e, text) {
			return nil
		}
	}
	return fmt.Errorf("no event %s %q among %q", reason, text, evs)
}

// httpGet GETs url with a short timeout and returns the body.
func httpGet(url string) (string, error) {
	cl := &http.Client{Timeout: 3 * time.Second}
	resp, err := cl.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), err
}

// kctl runs a kctl command in this process against the apiserver, as the
// admin, and returns its output, error output and exit code.
func (c *cluster) kctl(args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	cmd := kctl.NewRootCommand(strings.NewReader(""), &out, &errOut)
	cmd.SetArgs(append([]string{"--kubeconfig", c.file(pki.AdminKubeconfig)}, args...))
	code = kctl.Execute(cmd)
	return out.String(), errOut.String(), code
}

// mustKctl runs kctl and fails the test unless it exits 0.
func (c *cluster) mustKctl(args ...string) string {
	c.t.Helper()
	out, errOut, code := c.kctl(args...)
	if code != 0 {
		c.t.Fatalf("kctl %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// Pod manifests.

func fieldEnv(name, path string) api.EnvVar {
	return api.EnvVar{Name: name, ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: path}}}
}

// kubia is the demo server, told its pod's name and IP by the downward API.
func kubia() api.Container {
	return api.Container{
		Name: "kubia", Image: kubiaImage, ImagePullPolicy: api.PullNever,
		Ports: []api.ContainerPort{{Name: "http", ContainerPort: 8080}},
		Env:   []api.EnvVar{fieldEnv("POD_NAME", "metadata.name"), fieldEnv("POD_IP", "status.podIP")},
	}
}

// toolbox runs a shell script that ends at once on SIGTERM.
func toolbox(name, script string) api.Container {
	return api.Container{
		Name: name, Image: toolboxImage, ImagePullPolicy: api.PullNever,
		Command: []string{"sh", "-c", "trap 'exit 0' TERM; " + script},
	}
}

func httpProbe(path string, port api.IntOrString, failures int32) *api.Probe {
	return &api.Probe{
		ProbeHandler:  api.ProbeHandler{HTTPGet: &api.HTTPGetAction{Path: path, Port: port}},
		PeriodSeconds: 1, TimeoutSeconds: 1, FailureThreshold: failures,
	}
}

func newPod(name string, containers ...api.Container) *api.Pod {
	return &api.Pod{
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.PodSpec{
			Containers:                    containers,
			TerminationGracePeriodSeconds: api.Int64(5),
		},
	}
}
