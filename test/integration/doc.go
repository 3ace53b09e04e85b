// Package integration runs kubelab's programs as real processes against
// each other on this machine: built binaries, real embedded etcd, real
// HTTPS on loopback, each component under its own identity from one
// cluster PKI made for the run (pki_test.go). Tests here are slower than
// unit tests (seconds) and skip under -short.
package integration
