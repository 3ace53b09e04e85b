package apiserver

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"kubelab/pkg/api"
	"kubelab/pkg/kubeconfig"
)

// The cluster-info ConfigMap in kube-public tells a joining node where the
// apiserver is and which CA signed its certificate, as kubeadm's does: a
// kubeconfig with one cluster and no user. Anyone may GET it (authn.go),
// since a new node has no credentials yet. It proves nothing by itself: the
// node compares the CA's hash with the --ca-cert-hash it was given (what
// `kubeadm join --discovery-token-ca-cert-hash` does), and only then trusts
// the connection it sends its bootstrap token over. (kubeadm also signs the
// ConfigMap with each bootstrap token, for joins without a hash; kubelab
// requires the hash.)

const (
	clusterInfoNamespace = "kube-public"
	clusterInfoName      = "cluster-info"
	clusterInfoPath      = "/api/v1/namespaces/" + clusterInfoNamespace + "/configmaps/" + clusterInfoName
)

// ensureClusterInfo writes the cluster-info ConfigMap for the advertised
// address and the cluster CA, if the server knows both.
func (s *Server) ensureClusterInfo(ctx context.Context) error {
	if len(s.clusterCA) == 0 || s.advertise.ip == "" {
		return nil
	}
	server := "https://" + net.JoinHostPort(s.advertise.ip, strconv.Itoa(int(s.advertise.port)))
	kc := kubeconfig.Config{Kind: "Config", APIVersion: "v1",
		Clusters: []kubeconfig.NamedCluster{{Name: "", Cluster: kubeconfig.Cluster{Server: server, CertificateAuthorityData: s.clusterCA}}}}
	data, err := kc.Marshal()
	if err != nil {
		return err
	}
	want := &api.ConfigMap{ObjectMeta: api.ObjectMeta{Name: clusterInfoName, Namespace: clusterInfoNamespace},
		Data: map[string]string{"kubeconfig": string(data)}}
	res := mustResource("configmaps")
	cur, _, st := s.load(ctx, res, clusterInfoNamespace, clusterInfoName)
	switch {
	case st != nil && st.Reason == "NotFound":
		if _, st = s.create(ctx, requestInfo{resource: res, verb: "create", namespace: clusterInfoNamespace}, want); st != nil && st.Reason != "AlreadyExists" {
			return fmt.Errorf("create the cluster-info ConfigMap: %s", st.Message)
		}
		return nil
	case st != nil:
		return fmt.Errorf("read the cluster-info ConfigMap: %s", st.Message)
	case cur.(*api.ConfigMap).Data["kubeconfig"] == want.Data["kubeconfig"]:
		return nil
	}
	_, st = s.update(ctx, requestInfo{resource: res, verb: "update", namespace: clusterInfoNamespace, name: clusterInfoName},
		func(cur api.Object) (api.Object, *api.Status) {
			cm := cur.(*api.ConfigMap)
			cm.Data = want.Data
			cm.ResourceVersion = ""
			return cm, nil
		})
	if st != nil {
		return fmt.Errorf("update the cluster-info ConfigMap: %s", st.Message)
	}
	return nil
}
