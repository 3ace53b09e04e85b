// Package integration runs kubelab's programs as real processes against
// each other on this machine: built binaries, real embedded etcd, real
// HTTP on loopback. Tests here are slower than unit tests (seconds) and
// skip under -short.
package integration
