package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"

	"kubelab/pkg/api"
)

// subresourceAPI is what each subresource serves, as Kubernetes' discovery
// lists it: the kind of its body ("" for the resource's own), with its
// group and version where they are not the resource's (a Scale is
// autoscaling/v1's whatever the resource's group), and its verbs. Any
// other verb is a 405 (request.go), so that DELETE pods/p1/status cannot
// delete the pod. Discovery shows this table.
var subresourceAPI = map[string]struct {
	kind, group, version string
	verbs                []string
}{
	"status":      {verbs: []string{"get", "patch", "update"}},
	"scale":       {kind: "Scale", group: "autoscaling", version: "v1", verbs: []string{"get", "patch", "update"}},
	"binding":     {kind: "Binding", verbs: []string{"create"}},
	"finalize":    {verbs: []string{"update"}},
	"log":         {verbs: []string{"get"}},
	"exec":        {kind: "PodExecOptions", verbs: []string{"create", "get"}},
	"attach":      {kind: "PodAttachOptions", verbs: []string{"create", "get"}},
	"portforward": {kind: "PodPortForwardOptions", verbs: []string{"create", "get"}},
	"token":       {kind: "TokenRequest", group: "authentication.k8s.io", version: "v1", verbs: []string{"create"}},
	"approval":    {verbs: []string{"get", "patch", "update"}},
}

// serveBinding answers POST pods/{name}/binding: the scheduler's way of
// placing a pod. A pod is bound once; binding it again is a conflict.
func (s *Server) serveBinding(w http.ResponseWriter, r *http.Request, info requestInfo) {
	body, _, st := s.readBody(w, r, objectTypes)
	if st != nil {
		writeStatus(w, st)
		return
	}
	var b api.Binding
	warnings, err := api.DecodeInto(body, &b)
	addWarnings(w.Header(), warnings)
	if err != nil {
		writeStatus(w, badRequest("the body is not a valid Binding: "+err.Error()))
		return
	}
	if b.Target.Name == "" {
		writeStatus(w, invalid(info.resource, info.name, api.ErrorList{{Type: "Required value", Field: "target.name"}}))
		return
	}
	if b.Name != "" && b.Name != info.name {
		writeStatus(w, badRequest(fmt.Sprintf("the binding's name (%s) does not match the pod on the URL (%s)", api.Shorten(b.Name), info.name)))
		return
	}
	_, st = s.update(r.Context(), info, func(cur api.Object) (api.Object, *api.Status) {
		pod := cur.(*api.Pod)
		if pod.DeletionTimestamp != nil {
			return nil, conflict(info.resource, info.name, "pod is being deleted, cannot be assigned to a host")
		}
		if pod.Spec.NodeName != "" {
			return nil, conflict(info.resource, info.name, fmt.Sprintf("pod %s is already assigned to node %q", info.name, pod.Spec.NodeName))
		}
		if b.UID != "" && b.UID != pod.UID {
			return nil, conflict(info.resource, info.name, "the binding's UID does not match the pod's")
		}
		pod.Spec.NodeName = b.Target.Name
		for k, v := range b.Annotations { // as Kubernetes: the binder may annotate the pod in the same write
			if pod.Annotations == nil {
				pod.Annotations = map[string]string{}
			}
			pod.Annotations[k] = v
		}
		setPodCondition(&pod.Status, api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue})
		pod.ResourceVersion = ""
		return pod, nil
	})
	if st != nil {
		writeStatus(w, st)
		return
	}
	writeJSON(w, http.StatusCreated, &api.Status{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"}, Status: "Success", Code: 201})
}

// setPodCondition sets a condition, keeping its transition time when the
// status does not change.
func setPodCondition(st *api.PodStatus, c api.PodCondition) {
	now := api.Now()
	for i := range st.Conditions {
		if st.Conditions[i].Type == c.Type {
			if st.Conditions[i].Status != c.Status {
				c.LastTransitionTime = now
			} else {
				c.LastTransitionTime = st.Conditions[i].LastTransitionTime
			}
			st.Conditions[i] = c
			return
		}
	}
	c.LastTransitionTime = now
	st.Conditions = append(st.Conditions, c)
}

// serveScale answers GET and PUT/PATCH of {replicasets,replicationcontrollers,deployments}/{name}/scale.
func (s *Server) serveScale(w http.ResponseWriter, r *http.Request, info requestInfo) {
	ctx := r.Context()
	if info.verb == "get" {
		obj, _, st := s.load(ctx, info.resource, info.namespace, info.name)
		if st != nil {
			writeStatus(w, st)
			return
		}
		writeJSON(w, http.StatusOK, scaleOf(obj))
		return
	}
	accepted := objectTypes
	if info.verb == "patch" {
		accepted = patchTypes
	}
	body, mediaType, st := s.readBody(w, r, accepted)
	if st == nil && mediaType == "" {
		st = unsupportedMediaType("", accepted)
	}
	if st != nil {
		writeStatus(w, st)
		return
	}
	main := info
	main.subresource = ""
	obj, st := s.update(ctx, main, func(cur api.Object) (api.Object, *api.Status) {
		sc, st := newScale(info.verb, mediaType, body, cur)
		if st != nil {
			return nil, st
		}
		if sc.Spec.Replicas < 0 {
			return nil, invalid(info.resource, info.name, api.ErrorList{{Type: "Invalid value", Field: "spec.replicas",
				BadValue: sc.Spec.Replicas, Detail: "must be greater than or equal to 0"}})
		}
		setReplicas(cur, sc.Spec.Replicas)
		cur.GetObjectMeta().ResourceVersion = sc.ResourceVersion
		return cur, nil
	})
	if st != nil {
		writeStatus(w, st)
		return
	}
	writeJSON(w, http.StatusOK, scaleOf(obj))
}

// newScale is the Scale a PUT sends, or a PATCH makes of cur's. A patch
// that sets no resourceVersion applies to whatever is current.
func newScale(verb, mediaType string, body []byte, cur api.Object) (api.Scale, *api.Status) {
	var sc api.Scale
	if verb == "update" {
		j, err := api.ToJSON(body)
		if err == nil {
			err = json.Unmarshal(j, &sc)
		}
		if err != nil {
			return sc, badRequest("the body is not a valid Scale: " + err.Error())
		}
		return sc, nil
	}
	doc, err := json.Marshal(scaleOf(cur))
	if err != nil {
		return sc, internalError(err)
	}
	patched, pinned, err := applyPatch(mediaType, doc, body)
	if err != nil {
		return sc, badRequest(err.Error())
	}
	if err := json.Unmarshal(patched, &sc); err != nil {
		return sc, badRequest("the patched body is not a valid Scale: " + err.Error())
	}
	if !pinned {
		sc.ResourceVersion = ""
	}
	return sc, nil
}

// scaleOf reads the Scale of any kind shaped like a ReplicaSet:
// spec.replicas, status.replicas and spec.selector (a LabelSelector, or a
// ReplicationController's map). The fields are found by name, so a new
// kind with a scale subresource (Deployment) needs no case here.
func scaleOf(obj api.Object) *api.Scale {
	sc := &api.Scale{TypeMeta: api.TypeMeta{APIVersion: "autoscaling/v1", Kind: "Scale"}}
	m := obj.GetObjectMeta()
	sc.Name, sc.Namespace, sc.UID, sc.ResourceVersion, sc.CreationTimestamp = m.Name, m.Namespace, m.UID, m.ResourceVersion, m.CreationTimestamp
	if r, ok := fieldOf(obj, "Spec", "Replicas").(*int32); ok && r != nil {
		sc.Spec.Replicas = *r
	}
	if r, ok := fieldOf(obj, "Status", "Replicas").(int32); ok {
		sc.Status.Replicas = r
	}
	switch sel := fieldOf(obj, "Spec", "Selector").(type) {
	case *api.LabelSelector:
		if s, err := api.SelectorFromLabelSelector(sel); err == nil {
			sc.Status.Selector = s.String()
		}
	case map[string]string:
		sc.Status.Selector = api.SelectorFromSet(sel).String()
	}
	return sc
}

// setReplicas writes spec.replicas of a kind scaleOf reads.
func setReplicas(obj api.Object, n int32) {
	if f := fieldValue(obj, "Spec", "Replicas"); f.IsValid() && f.CanSet() && f.Type() == reflect.TypeFor[*int32]() {
		f.Set(reflect.ValueOf(api.Int32(n)))
	}
}

// fieldOf is the value of a nested struct field of obj, nil if it has none.
func fieldOf(obj api.Object, path ...string) any {
	if f := fieldValue(obj, path...); f.IsValid() {
		return f.Interface()
	}
	return nil
}

func fieldValue(obj api.Object, path ...string) reflect.Value {
	v := reflect.ValueOf(obj).Elem()
	for _, name := range path {
		if v.Kind() != reflect.Struct {
			return reflect.Value{}
		}
		v = v.FieldByName(name)
	}
	return v
}
