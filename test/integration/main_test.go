package integration

import (
	"os"
	"testing"
)

// TestMain removes what the tests of a run share once they have all run:
// the binaries (procs_test.go) and the cluster PKI (pki_test.go).
func TestMain(m *testing.M) {
	code := m.Run()
	removeBinaries()
	removePKI()
	os.Exit(code)
}
