package kctl

import (
	"net/http"
	"strings"
	"testing"
)

func TestExec(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		request string
		out     string
		errOut  string
		code    int
	}{
		{"a command", []string{"exec", "kubia", "--", "ls", "-l", "/"},
			"POST /api/v1/namespaces/default/pods/kubia/exec?command=ls&command=-l&command=%2F", "ran\n", "", 0},
		{"a container, and the command's exit code", []string{"exec", "-n", "lab", "kubia", "-c", "app", "--", "false"},
			"POST /api/v1/namespaces/lab/pods/kubia/exec?command=false&container=app", "ran\n", "command terminated with exit code 3\n", 3},
		{"no exit code: the stream broke off", []string{"exec", "kubia", "--", "cut"},
			"POST /api/v1/namespaces/default/pods/kubia/exec?command=cut", "ran\n",
			"error: the connection ended before the command did: its exit code is unknown\n", 1},
		{"an error from the kubelet", []string{"exec", "gone", "--", "ls"},
			"POST /api/v1/namespaces/default/pods/gone/exec?command=ls", "", "Error from server (NotFound): pods \"gone\" not found on node n1\n", 1},
		{"no command", []string{"exec", "kubia"}, "", "", "error: you must specify at least one command for the container\n", 1},
		{"two pods", []string{"exec", "a", "b", "--", "ls"}, "", "", "error: exactly one pod before --, got [\"a\" \"b\"]\n", 1},
		{"interactive", []string{"exec", "-it", "kubia", "--", "sh"}, "", "",
			"error: kctl exec runs commands without stdin or a terminal: leave out -i and -t\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, url := newStreamServer(t, func(w http.ResponseWriter, r *http.Request) {
				if strings.Contains(r.URL.Path, "/gone/") {
					writeStatus(w, http.StatusNotFound, "NotFound", `pods "gone" not found on node n1`)
					return
				}
				w.Header().Set("Trailer", exitCodeTrailer)
				w.Write([]byte("ran\n"))
				switch r.URL.Query().Get("command") {
				case "false":
					w.Header().Set(exitCodeTrailer, "3")
				case "cut":
				default:
					w.Header().Set(exitCodeTrailer, "0")
				}
			})
			out, errOut, code := kctl(t, url, "", tc.args...)
			if out != tc.out || errOut != tc.errOut || code != tc.code {
				t.Errorf("got %q %q exit %d, want %q %q exit %d", out, errOut, code, tc.out, tc.errOut, tc.code)
			}
			var want []string
			if tc.request != "" {
				want = []string{tc.request}
			}
			if strings.Join(s.requests, "\n") != strings.Join(want, "\n") {
				t.Errorf("requests %q, want %q", s.requests, want)
			}
		})
	}
}
