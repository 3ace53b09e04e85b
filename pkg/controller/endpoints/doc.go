// Package endpoints keeps, for every Service with a selector, an Endpoints
// object of the same name that lists the pods behind it. The proxy turns
// those addresses into iptables rules; this package decides what they are.
//
// For a Service named web in namespace shop, selector app=web:
//
//	pods in shop with app=web
//	  skip: no podIP yet, being deleted, finished (Succeeded/Failed)
//	  Ready=True  → subsets[].addresses
//	  otherwise   → subsets[].notReadyAddresses
//	ports: each service port's targetPort, resolved in each pod
//	  8080   → 8080
//	  "http" → the containerPort named http in that pod (pods without it
//	           are left out for that port)
//	pods whose ports resolve to the same numbers share one subset
//
// A Service without a selector keeps the Endpoints its user wrote by hand;
// an ExternalName Service has none. When a Service goes, its Endpoints go.
// With publishNotReadyAddresses, every pod with an IP counts as ready, even
// one being deleted (StatefulSet peers find each other that way).
//
// The heart is Sync: it computes the subsets from the caches and writes
// only when they differ from what is stored, so a resync writes nothing.
//
// # Wiring
//
// The caller builds shared informers and hands this package their caches
// and handlers:
//
//	ctrl := endpoints.New(services, pods, endpointsInf, writer, recorder, log)
//	services.AddHandler(ctrl.ServiceHandler())
//	pods.AddHandler(ctrl.PodHandler())
//	endpointsInf.AddHandler(ctrl.EndpointsHandler())
//	// start the informers, wait for them to sync, then
//	ctrl.Run(ctx, 2)
//
// The services informer needs the controller.IndexNamespace index (a pod
// event looks up the services of its namespace), and so does the pods
// informer (a sync looks up the pods of the service's namespace).
package endpoints
