package api

// Validation of the smaller core kinds: Node, Event, ConfigMap, Secret.
// Namespace needs only its metadata checked, with names as DNS labels.

func validateNode(node *Node) ErrorList {
	errs := validateObjectMeta(&node.ObjectMeta, false, IsDNS1123Subdomain, "")
	p := fieldPath("spec")
	if c := node.Spec.PodCIDR; c != "" && !isValidCIDR(c) {
		errs = append(errs, invalid(p.child("podCIDR"), c, cidrErrorDetail))
	}
	for i, c := range node.Spec.PodCIDRs {
		if !isValidCIDR(c) {
			errs = append(errs, invalid(p.child("podCIDRs").index(i), c, cidrErrorDetail))
		}
	}
	if len(node.Spec.PodCIDRs) > 0 && node.Spec.PodCIDR != "" && node.Spec.PodCIDRs[0] != node.Spec.PodCIDR {
		errs = append(errs, invalid(p.child("podCIDRs").index(0), node.Spec.PodCIDRs[0], "must match `podCIDR`"))
	}
	seen := map[string]bool{}
	for i, t := range node.Spec.Taints {
		tp := p.child("taints").index(i)
		if t.Key == "" {
			errs = append(errs, required(tp.child("key"), ""))
		} else {
			errs = append(errs, check(tp.child("key"), t.Key, IsQualifiedName(t.Key))...)
		}
		errs = append(errs, check(tp.child("value"), t.Value, IsValidLabelValue(t.Value))...)
		switch {
		case t.Effect == "":
			errs = append(errs, required(tp.child("effect"), ""))
		case !oneOf(t.Effect, taintEffects...):
			errs = append(errs, notSupported(tp.child("effect"), t.Effect, taintEffects...))
		}
		key := t.Key + ":" + t.Effect
		if seen[key] {
			errs = append(errs, &FieldError{Type: ErrorTypeDuplicate, Field: string(tp), BadValue: key,
				Detail: "taints must be unique by key and effect pair"})
		}
		seen[key] = true
	}
	sp := fieldPath("status")
	for _, list := range []struct {
		name string
		rl   ResourceList
	}{{"capacity", node.Status.Capacity}, {"allocatable", node.Status.Allocatable}} {
		for _, name := range sortedKeys(list.rl) {
			if q := list.rl[name]; q.MilliValue() < 0 {
				errs = append(errs, invalid(sp.child(list.name).key(name), q.String(), "must be greater than or equal to 0"))
			}
		}
	}
	return append(errs, validateNodeAddresses(&node.Status, sp)...)
}

// validateNodeAddresses checks where a node says it can be reached: the
// apiserver dials its InternalIP and kubelet port for pods' logs and exec,
// so neither may be anything but an address and a port. A port of 0 is a
// kubelet that has not said yet (the proxy answers 503 for it).
func validateNodeAddresses(st *NodeStatus, sp fieldPath) ErrorList {
	var errs ErrorList
	if port := st.DaemonEndpoints.KubeletEndpoint.Port; port != 0 {
		errs = append(errs, validatePortNumber(sp.child("daemonEndpoints").child("kubeletEndpoint").child("Port"), port)...)
	}
	for i, a := range st.Addresses {
		ap := sp.child("addresses").index(i)
		switch {
		case !oneOf(a.Type, nodeAddressTypes...):
			errs = append(errs, notSupported(ap.child("type"), a.Type, nodeAddressTypes...))
		case a.Address == "":
			errs = append(errs, required(ap.child("address"), ""))
		case a.Type == NodeInternalIP || a.Type == NodeExternalIP:
			if !isValidIP(a.Address) {
				errs = append(errs, invalid(ap.child("address"), a.Address, ipErrorDetail))
			}
		default: // a name: Hostname, InternalDNS, ExternalDNS
			errs = append(errs, check(ap.child("address"), a.Address, IsDNS1123Subdomain(a.Address))...)
		}
	}
	return errs
}

// validateEvent is lenient, as Kubernetes is: components write events in
// many shapes. It checks the metadata, the type, and that an event about a
// namespaced object lives in that object's namespace.
func validateEvent(ev *Event) ErrorList {
	errs := validateObjectMeta(&ev.ObjectMeta, true, IsDNS1123Subdomain, "")
	if ns := ev.InvolvedObject.Namespace; ns != "" && ev.Namespace != "" && ns != ev.Namespace {
		errs = append(errs, invalid("involvedObject.namespace", ns, "does not match event.namespace"))
	}
	if ev.Type != "" && !oneOf(ev.Type, EventNormal, EventWarning) {
		errs = append(errs, notSupported("type", ev.Type, EventNormal, EventWarning))
	}
	if ev.Count < 0 {
		errs = append(errs, invalid("count", ev.Count, "must be greater than or equal to 0"))
	}
	return errs
}

const (
	configMapMaxBytes = 1024 * 1024
	secretMaxBytes    = 1024 * 1024
)

func validateConfigMap(cm *ConfigMap) ErrorList {
	errs := validateObjectMeta(&cm.ObjectMeta, true, IsDNS1123Subdomain, "")
	size := 0
	for _, k := range sortedKeys(cm.Data) {
		errs = append(errs, check("data", k, IsConfigMapKey(k))...)
		size += len(cm.Data[k])
	}
	for _, k := range sortedKeys(cm.BinaryData) {
		errs = append(errs, check("binaryData", k, IsConfigMapKey(k))...)
		if _, ok := cm.Data[k]; ok {
			errs = append(errs, invalid("binaryData", k, "duplicate of key present in data"))
		}
		size += len(cm.BinaryData[k])
	}
	if size > configMapMaxBytes {
		errs = append(errs, tooLong("data", configMapMaxBytes))
	}
	return errs
}

func validateSecret(s *Secret) ErrorList {
	errs := validateObjectMeta(&s.ObjectMeta, true, IsDNS1123Subdomain, "")
	size := 0
	for _, k := range sortedKeys(s.Data) {
		errs = append(errs, check("data", k, IsConfigMapKey(k))...)
		size += len(s.Data[k])
	}
	for _, k := range sortedKeys(s.StringData) {
		errs = append(errs, check("stringData", k, IsConfigMapKey(k))...)
		size += len(s.StringData[k])
	}
	if size > secretMaxBytes {
		errs = append(errs, tooLong("data", secretMaxBytes))
	}
	return errs
}
