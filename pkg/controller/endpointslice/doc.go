// Package endpointslice keeps, for every Service with a selector, the
// EndpointSlices (discovery.k8s.io/v1) that list the pods behind it:
// what client-go programs, kubectl describe and newer proxies read.
//
// For a Service web in namespace shop, selector app=web, port 80 → "http":
//
//	pods in shop with app=web
//	  skip: no IP of the slice's address type, finished (Succeeded/Failed)
//	  each pod is one endpoint, with conditions
//	    serving     its Ready condition
//	    terminating deletionTimestamp set
//	    ready       serving and not terminating (always, with
//	                publishNotReadyAddresses)
//	ports: each service port's targetPort resolved in the pod, as the
//	  endpoints controller does (controller.ResolveTargetPort)
//	pods whose ports resolve alike share slices of at most 100 endpoints
//
//	EndpointSlice web-x7k2p
//	  labels  kubernetes.io/service-name=web
//	          endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io
//	  ownerReferences  Service web (controller)
//
// Slice names are generated (generateName "web-"): readers find a
// Service's slices by the service-name label, never by name. A Service
// with no endpoints keeps one empty slice, as in Kubernetes, so that
// "no endpoints" and "not synced yet" look different. Deleting the
// Service deletes its slices through the owner reference (the garbage
// collector does it); a Service without a selector gets none from this
// controller (Kubernetes mirrors hand-written Endpoints into slices; kubelab
// does not).
//
// Terminating pods stay in the slices, not ready, unlike in Endpoints:
// a proxy may keep sending to a serving, terminating endpoint when no
// ready one is left.
//
// kubelab's proxy and DNS still read Endpoints (package endpoints keeps
// them); the slices are for clients that expect them.
//
// The heart is Sync: it computes the slices from the caches, pairs them
// with the stored ones, and writes only those that differ.
//
// # Wiring
//
//	ctrl := endpointslice.New(services, pods, slices, nodes, writer, recorder, log)
//	services.AddHandler(ctrl.ServiceHandler())
//	pods.AddHandler(ctrl.PodHandler())
//	slices.AddHandler(ctrl.SliceHandler())
//	// start the informers, wait for them to sync, then
//	ctrl.Run(ctx, 2)
//
// The services, pods and slices informers need the controller.IndexNamespace
// index. nodes may be nil; with it, endpoints get their node's zone.
package endpointslice
