package kctl

import "testing"

func TestRun(t *testing.T) {
	const pods = "/api/v1/namespaces/default/pods"
	runGeneratorCases(t, nil, []generatorCase{
		{"args, port, env", []string{"run", "nginx", "--image=nginx", "--port=80", "--env=A=1", "--env=B=x=y", "--", "-g", "daemon off;"},
			"pod/nginx created\n", "", 0, pods,
			`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"nginx","labels":{"run":"nginx"}},"spec":{"containers":[{"name":"nginx","image":"nginx",` +
				`"args":["-g","daemon off;"],"ports":[{"containerPort":80}],"env":[{"name":"A","value":"1"},{"name":"B","value":"x=y"}]}],` +
				`"restartPolicy":"Always","dnsPolicy":"ClusterFirst"}}`},
		{"labels, restart, command", []string{"run", "b", "--image=busybox", "--labels=app=b,tier=x", "--restart=Never", "--command", "--", "sleep", "1"},
			"pod/b created\n", "", 0, pods,
			`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"b","labels":{"app":"b","tier":"x"}},"spec":{"containers":[{"name":"b","image":"busybox",` +
				`"command":["sleep","1"]}],"restartPolicy":"Never","dnsPolicy":"ClusterFirst"}}`},
		{"no image", []string{"run", "b"}, "", "error: --image is required\n", 1, "", ""},
		{"no name", []string{"run", "--image=b"}, "", "error: NAME is required for run\n", 1, "", ""},
		{"bad restart", []string{"run", "b", "--image=b", "--restart=Sometimes"}, "", "error: invalid restart policy: Sometimes\n", 1, "", ""},
		{"bad label", []string{"run", "b", "--image=b", "--labels=app"}, "", "error: invalid label spec: app\n", 1, "", ""},
		{"bad env", []string{"run", "b", "--image=b", "--env=A"}, "", "error: invalid env: A\n", 1, "", ""},
		{"dry run", []string{"run", "b", "--image=b", "--dry-run=client"}, "pod/b created (dry run)\n", "", 0, "", ""},
		{"server dry run", []string{"run", "b", "--image=b", "--dry-run=server"}, "pod/b created (server dry run)\n", "", 0, pods,
			`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"b","labels":{"run":"b"}},"spec":{"containers":[{"name":"b","image":"b"}],` +
				`"restartPolicy":"Always","dnsPolicy":"ClusterFirst"}}`},
		{"bad dry run", []string{"run", "b", "--image=b", "--dry-run=maybe"}, "",
			"error: Invalid dry-run value (maybe). Must be \"none\", \"server\", or \"client\".\n", 1, "", ""},
	})
}
