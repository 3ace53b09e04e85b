// Package kctl is kubelab's command-line client, a small kubectl: the same
// verbs, flags and output, so that what a student types here works on a
// real cluster too. cmd/kctl only calls NewRootCommand and Execute.
//
// Every command talks to the apiserver through pkg/client and writes to the
// io.Writers it is given, never to os.Stdout, so tests run the commands
// against a fake server and read what they printed.
//
// kctl finds the apiserver, and who to be, as kubectl does: in a kubeconfig
// (pkg/kubeconfig), --kubeconfig, else the first file of $KUBECONFIG that
// exists, else .kubelab/admin.conf in the working directory (what `make
// up` writes, so the quick start needs no flag), else ~/.kube/config. Its
// context gives the server and the CA to check it with, the client
// certificate or token to present, and the namespace -n defaults to.
// --context, --server, --token, --certificate-authority,
// --client-certificate, --client-key and --insecure-skip-tls-verify
// override it; --server alone, with no file, reaches a plain-http server.
//
// The files, one idea each:
//
//	root.go          the root command, global flags, kubectl-style error lines
//	config.go        finding the kubeconfig, and the flags over it
//	resources.go     reading TYPE NAME, TYPE/NAME and "all" arguments
//	manifests.go     reading -f files, directories and stdin into objects
//	apply.go         kctl apply: create, or patch what changed
//	apply_patch.go   the three-way merge that decides the patch (pure)
//	create.go        kctl create -f, create namespace|serviceaccount
//	create_rbac.go   kctl create role|clusterrole|rolebinding|clusterrolebinding
//	create_token.go  kctl create token: a ServiceAccount's or a bootstrap token
//	create_workloads.go kctl create deployment|job|cronjob
//	create_config.go kctl create configmap
//	create_secret.go kctl create secret generic|tls|docker-registry
//	run.go, expose.go, set_image.go  kctl run, expose, set image
//	rollout*.go      kctl rollout status|history|undo|pause|resume|restart
//	scale.go         kctl scale, through the scale subresource
//	get.go           kctl get, including --watch
//	get_tables.go    asking the server for Tables, as kubectl does: the
//	                 columns of each kind live in pkg/printers, not here
//	printers.go      -o yaml|json|name|jsonpath, tables, -L
//	customcolumns.go -o custom-columns=… and custom-columns-file=…
//	events.go        the order events happened in, for get and describe
//	jsonpath.go      a small JSONPath for -o jsonpath=…: the parser
//	jsonpath_eval.go running a parsed template
//	describe.go      kctl describe: the section writer and events
//	describe_pod.go  pods and containers
//	describe_kinds.go services, nodes, controllers and the rest
//	describe_volumes.go a pod's API-backed volumes and envFrom
//	describe_workloads.go, describe_statefulset.go, describe_storage.go
//	                 deployments, jobs, cronjobs, statefulsets, pv, pvc, sc
//	delete.go        kctl delete, --cascade, --grace-period, --wait
//	label.go         kctl label and kctl annotate
//	edit.go          kctl edit: the edit loop
//	editor.go        finding and running $KUBE_EDITOR, $EDITOR or vi
//	logs.go          kctl logs, of one pod or of a selector's
//	kubeconfig.go    kctl config view|current-context|get-contexts|
//	                 use-context|set-context
//	auth.go          kctl auth whoami: a SelfSubjectReview
//	auth_cani.go     kctl auth can-i: a SelfSubjectAccessReview
//	clusterinfo.go   kctl cluster-info
//	doctor.go        kctl doctor: the judgement (pure)
//	doctor_gather.go kctl doctor: reading the machine
//	apiresources.go  kctl api-resources, from the server's discovery
//	version.go       kctl version
//
// Errors print as kubectl prints them: `Error from server (NotFound): pods
// "x" not found` for an error the server answered with, `error: …` for
// anything else, and the exit code is 1. Commands that work on several
// objects (apply, delete, get a b c) report each failure and go on.
package kctl
