package kctl

// kctl set image changes the image of named containers (or of all, with
// *) in anything that runs pods: a pod's own spec, or the pod template of
// a deployment, replica set, daemon set, job or (in its jobTemplate) a
// cron job. It sends a strategic merge patch that names each container,
// so the server merges the containers list by name instead of replacing
// it; for a deployment that change of template is a new rollout.

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"kubelab/pkg/api"
	"kubelab/pkg/client"
)

func newSetCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "set SUBCOMMAND",
		Short: "Set specific features on objects",
	}
	cmd.AddCommand(newSetImageCommand(g))
	return cmd
}

func newSetImageCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "image (TYPE NAME | TYPE/NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... CONTAINER_NAME_N=CONTAINER_IMAGE_N",
		Short: "Update the image of a pod template",
		Example: "  kctl set image deployment/nginx busybox=busybox nginx=nginx:1.9.1\n" +
			"  kctl set image deployment,rs nginx *=nginx:1.9.1   # every container\n" +
			"  kctl set image pod/kubia kubia=kubelab/kubia:v2",
		RunE: func(cmd *cobra.Command, args []string) error {
			var objArgs []string
			images := map[string]string{}
			for _, a := range args {
				name, image, ok := strings.Cut(a, "=")
				if !ok {
					objArgs = append(objArgs, a)
					continue
				}
				if name == "" || image == "" {
					return fmt.Errorf("invalid image %q: want CONTAINER=IMAGE", a)
				}
				images[name] = image
			}
			if len(images) == 0 {
				return fmt.Errorf("at least one image update is required")
			}
			targets, err := parseTargets("set image", objArgs)
			if err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			failed := false
			for _, t := range targets {
				if len(t.names) == 0 {
					return fmt.Errorf("resource(s) were provided, but no name was specified")
				}
				rc := c.Resource(t.res).Namespace(namespaceFor(t.res, g.namespace))
				for _, name := range t.names {
					changed, err := setImage(cmd, rc, t.res, name, images)
					switch {
					case err != nil && isUnreachable(err):
						return err
					case err != nil:
						fmt.Fprintln(g.errOut, errorLine(err))
						failed = true
					case changed:
						fmt.Fprintf(g.out, "%s image updated\n", objectLabel(t.res, name))
					}
				}
			}
			if failed {
				return errReported
			}
			return nil
		},
	}
}

// setImage patches one object; an object that already runs the images is
// left alone and reported unchanged, as kubectl prints nothing for it.
func setImage(cmd *cobra.Command, rc *client.ResourceClient, res api.Resource, name string, images map[string]string) (bool, error) {
	obj, err := rc.Get(cmd.Context(), name)
	if err != nil {
		return false, err
	}
	spec, wrap := podSpecOf(obj)
	if spec == nil {
		return false, fmt.Errorf("the object is not a pod or does not have a pod template: %s", groupKind(res))
	}
	patch, err := imagePatch(spec, images)
	if err != nil || patch == nil {
		return false, err
	}
	body, _ := json.Marshal(wrap(patch))
	_, err = rc.Patch(cmd.Context(), name, client.StrategicMergePatch, body, "")
	return err == nil, err
}

// imagePatch is the part of a pod spec patch that sets the images: for
// each list (initContainers, containers) the changed containers by name.
// A container named outright gets its image even if * is given too. nil
// means nothing changes.
func imagePatch(spec *api.PodSpec, images map[string]string) (map[string]any, error) {
	patch := map[string]any{}
	found := map[string]bool{}
	for _, list := range []struct {
		key        string
		containers []api.Container
	}{{"initContainers", spec.InitContainers}, {"containers", spec.Containers}} {
		var changed []map[string]string
		for _, c := range list.containers {
			image, named := images[c.Name]
			all, star := images["*"]
			found[c.Name], found["*"] = named, found["*"] || star
			switch {
			case !named && !star:
				continue
			case !named:
				image = all
			}
			if image != c.Image {
				changed = append(changed, map[string]string{"name": c.Name, "image": image})
			}
		}
		if len(changed) > 0 {
			patch[list.key] = changed
		}
	}
	for _, name := range sortedKeys(images) {
		if !found[name] {
			return nil, fmt.Errorf("unable to find container named %q", name)
		}
	}
	if len(patch) == 0 {
		return nil, nil
	}
	return patch, nil
}

// podSpecOf finds the pod spec of obj and returns it with the function
// that wraps a patch of it into a patch of obj.
func podSpecOf(obj api.Object) (*api.PodSpec, func(map[string]any) map[string]any) {
	template := func(p map[string]any) map[string]any {
		return map[string]any{"spec": map[string]any{"template": map[string]any{"spec": p}}}
	}
	switch o := obj.(type) {
	case *api.Pod:
		return &o.Spec, func(p map[string]any) map[string]any { return map[string]any{"spec": p} }
	case *api.Deployment:
		return &o.Spec.Template.Spec, template
	case *api.ReplicaSet:
		return &o.Spec.Template.Spec, template
	case *api.DaemonSet:
		return &o.Spec.Template.Spec, template
	case *api.StatefulSet:
		return &o.Spec.Template.Spec, template
	case *api.Job:
		return &o.Spec.Template.Spec, template
	case *api.ReplicationController:
		if o.Spec.Template != nil {
			return &o.Spec.Template.Spec, template
		}
	case *api.CronJob:
		return &o.Spec.JobTemplate.Spec.Template.Spec, func(p map[string]any) map[string]any {
			return map[string]any{"spec": map[string]any{"jobTemplate": template(p)}}
		}
	}
	return nil, nil
}
