package kubelet

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

// Keys of ConfigMaps and Secrets become a container's environment in two
// ways: one key as one variable (valueFrom.configMapKeyRef,
// secretKeyRef), or every key as a variable of its name, perhaps with a
// prefix (envFrom). The kubelet reads them from the API before each start
// of the container, so a restarted container sees the values of the
// moment; a running one keeps those it started with, as in Kubernetes.
// What is missing is said as Kubernetes says it:
//
//	configmap "settings" not found
//	secret "db" not found
//	couldn't find key password in Secret default/db
//
// A key that envFrom cannot make a variable of (1st, say, with no
// prefix) is skipped, and one event names them all:
//
//	Keys [1st] from the EnvFrom configMap default/settings were skipped
//	since they are considered invalid environment variable names.

// configAPI is what the kubelet reads of ConfigMaps and Secrets. The node
// authorizer lets it read only those its pods name.
type configAPI interface {
	GetConfigMap(ctx context.Context, namespace, name string) (*api.ConfigMap, error)
	GetSecret(ctx context.Context, namespace, name string) (*api.Secret, error)
}

// keyValue reads one key of a ConfigMap or Secret (kind). An optional one
// that is missing, or whose key is, gives "".
func (s *envSources) keyValue(ctx context.Context, namespace, kind string, ref *api.KeySelector) (string, error) {
	optional := ref.Optional != nil && *ref.Optional
	data, found, err := s.keys(ctx, namespace, kind, ref.Name, optional)
	if err != nil || !found {
		return "", err
	}
	v, ok := data[ref.Key]
	if !ok && !optional {
		return "", fmt.Errorf("couldn't find key %s in %s %s/%s", ref.Key, kind, namespace, ref.Name)
	}
	return v, nil
}

// envFrom sets a variable for each key of the ConfigMap or Secret src
// names, and tells in an event which keys it skipped.
func (s *envSources) envFrom(ctx context.Context, pod *api.Pod, src api.EnvFromSource, own *envVars) error {
	kind, name, optional := "ConfigMap", "", false
	switch {
	case src.ConfigMapRef != nil:
		name, optional = src.ConfigMapRef.Name, src.ConfigMapRef.Optional != nil && *src.ConfigMapRef.Optional
	case src.SecretRef != nil:
		kind, name, optional = "Secret", src.SecretRef.Name, src.SecretRef.Optional != nil && *src.SecretRef.Optional
	default:
		return nil
	}
	data, found, err := s.keys(ctx, pod.Namespace, kind, name, optional)
	if err != nil || !found {
		return err
	}
	var invalid []string
	for _, key := range slices.Sorted(maps.Keys(data)) {
		if len(api.IsEnvVarName(src.Prefix+key)) > 0 {
			invalid = append(invalid, src.Prefix+key)
			continue
		}
		own.set(src.Prefix+key, data[key])
	}
	if len(invalid) > 0 && s.events != nil {
		s.events.Eventf(pod, api.EventWarning, "InvalidEnvironmentVariableNames",
			"Keys [%s] from the EnvFrom %s %s/%s were skipped since they are considered invalid environment variable names.",
			strings.Join(invalid, ", "), strings.ToLower(kind[:1])+kind[1:], pod.Namespace, name)
	}
	return nil
}

// keys reads the string data of a ConfigMap (its data) or a Secret. found
// is false for an optional one that does not exist; a required one that
// does not is an error as Kubernetes words it: configmap "x" not found.
func (s *envSources) keys(ctx context.Context, namespace, kind, name string, optional bool) (data map[string]string, found bool, err error) {
	resource := strings.ToLower(kind)
	if s.config == nil {
		return nil, false, fmt.Errorf("%s %q: this kubelet reads no ConfigMaps or Secrets", resource, name)
	}
	if kind == "ConfigMap" {
		var cm *api.ConfigMap
		if cm, err = s.config.GetConfigMap(ctx, namespace, name); err == nil {
			data = cm.Data
		}
	} else {
		var secret *api.Secret
		if secret, err = s.config.GetSecret(ctx, namespace, name); err == nil {
			data = map[string]string{}
			for k, b := range secret.Data {
				data[k] = string(b)
			}
		}
	}
	switch {
	case client.IsNotFound(err) && optional:
		return nil, false, nil
	case client.IsNotFound(err):
		return nil, false, fmt.Errorf("%s %q not found", resource, name)
	case err != nil:
		return nil, false, fmt.Errorf("get %s %q: %w", resource, name, err)
	}
	return data, true, nil
}
