// Package browser tests kubelab's dashboard in a real browser: headless
// Chromium (Debian's chromium package), driven over the DevTools protocol
// by chromedp, against a whole cluster of simulated nodes that the test
// runs in its own process on free loopback ports. It checks what a
// student sees: the nodes on the map, pods appearing as a ReplicaSet makes
// them, a deleted pod leaving and its replacement arriving, the pod page's
// scheduling table and events, the scale action reaching the API, and the
// apply form showing a field's error beside it. The browser may reach
// nothing but the dashboard: a request anywhere else fails the test.
//
// Without Chromium the tests skip, saying so. The same package holds the
// dashboard's benchmark (BenchmarkDashboard): pod creation to card in the
// browser against the apiserver's own watch, and the dashboard's memory
// with a thousand pods (hack/bench/dashboard.sh).
package browser
