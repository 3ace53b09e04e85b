package apiserver

import "runtime"

// Version is kubelab's version, reported by /version and kctl version.
const Version = "v0.1.0"

type versionResponse struct {
	Major      string `json:"major"`
	Minor      string `json:"minor"`
	GitVersion string `json:"gitVersion"`
	GoVersion  string `json:"goVersion"`
	Platform   string `json:"platform"`
}

// versionInfo answers as a Kubernetes 1.30 server would, so that clients
// that check versions accept kubelab; gitVersion says what it really is.
func versionInfo() versionResponse {
	return versionResponse{Major: "1", Minor: "30", GitVersion: "v1.30.0-kubelab-" + Version,
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
}
