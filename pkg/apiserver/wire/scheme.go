package wire

import (
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// scheme knows the group versions kubelab serves, with the kinds bodies
// of their subresources carry (autoscaling/v1 Scale, policy/v1 Eviction,
// authentication/v1 TokenRequest). Each group registers DeleteOptions in
// its own version too, as clients send them in the resource's version.
var scheme = newScheme()

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	metav1.AddToGroupVersion(s, metav1.SchemeGroupVersion) // meta.k8s.io/v1 DeleteOptions
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme,
		appsv1.AddToScheme,
		batchv1.AddToScheme,
		coordinationv1.AddToScheme,
		certificatesv1.AddToScheme,
		discoveryv1.AddToScheme,
		storagev1.AddToScheme,
		rbacv1.AddToScheme,
		autoscalingv1.AddToScheme,
		policyv1.AddToScheme,
		authenticationv1.AddToScheme,
		authorizationv1.AddToScheme,
	} {
		if err := add(s); err != nil {
			panic("wire: build the scheme: " + err.Error()) // a programming error, found by any test
		}
	}
	return s
}
