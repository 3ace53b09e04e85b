package kctl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// editor is the program kctl edit opens a file in, found as kubectl finds
// it: $KUBE_EDITOR, else $EDITOR, else vi. A value with blanks is split
// into arguments, or, if it also holds quotes or backslashes, handed to
// the shell whole.
type editor struct {
	args  []string
	shell bool
}

func findEditor(getenv func(string) string) editor {
	cmd := ""
	for _, env := range []string{"KUBE_EDITOR", "EDITOR"} {
		if cmd = getenv(env); cmd != "" {
			break
		}
	}
	switch {
	case cmd == "":
		return editor{args: []string{"vi"}}
	case !strings.Contains(cmd, " "):
		return editor{args: []string{cmd}}
	case !strings.ContainsAny(cmd, "\"'\\"):
		return editor{args: strings.Split(cmd, " ")}
	}
	shell := getenv("SHELL")
	if shell == "" {
		shell = "/bin/bash"
	}
	return editor{args: []string{shell, "-c", cmd}, shell: true}
}

// editTempFile writes content to a new temporary file, opens it in the
// editor with the user's terminal, and returns what the file holds once
// the editor exits, and the file's path. The file stays: the caller
// removes it, or keeps it when the edit failed. If the editor fails, the
// file is removed: it holds nothing the user wrote.
func (e editor) editTempFile(content []byte, in io.Reader, out, errOut io.Writer) ([]byte, string, error) {
	f, err := os.CreateTemp("", "kctl-edit-*.yaml")
	if err != nil {
		return nil, "", err
	}
	path := f.Name()
	_, err = io.Copy(f, bytes.NewReader(content))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, "", err
	}
	if err := e.launch(path, in, out, errOut); err != nil {
		os.Remove(path)
		return nil, "", err
	}
	edited, err := os.ReadFile(path)
	return edited, path, err
}

// launch runs the editor on path and waits for it.
func (e editor) launch(path string, in io.Reader, out, errOut io.Writer) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	args := append([]string(nil), e.args...)
	if e.shell {
		args[len(args)-1] = fmt.Sprintf("%s %q", args[len(args)-1], abs)
	} else {
		args = append(args, abs)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, out, errOut
	if err := cmd.Run(); err != nil {
		name := strings.Join(e.args, " ")
		if errors.Is(err, exec.ErrNotFound) {
			return fmt.Errorf("unable to launch the editor %q", name)
		}
		return fmt.Errorf("there was a problem with the editor %q", name)
	}
	return nil
}
