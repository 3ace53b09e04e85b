package printers

import (
	"fmt"
	"strings"
	"time"

	"kubelab/pkg/api"
)

// Rows of the RBAC kinds, as kubectl prints them. A role has no printer
// of its own (table.go's default shows it); a binding's ROLE is
// Kind/name, and -o wide lists its subjects by kind (a ServiceAccount as
// namespace/name).

// bindingColumns are a binding's columns; kind names it in their
// descriptions, as Kubernetes does.
func bindingColumns(kind string) []Column {
	return []Column{name(),
		col("Role", "string", "RoleRef can only reference the current namespace's Role or a ClusterRole."),
		age(),
		wide("Users", "string", "Users in the "+kind),
		wide("Groups", "string", "Groups in the "+kind),
		wide("ServiceAccounts", "string", "ServiceAccounts in the "+kind),
	}
}

func bindingRow(obj api.Object, now time.Time) []any {
	var ref api.RoleRef
	var subjects []api.Subject
	switch b := obj.(type) {
	case *api.RoleBinding:
		ref, subjects = b.RoleRef, b.Subjects
	case *api.ClusterRoleBinding:
		ref, subjects = b.RoleRef, b.Subjects
	}
	m := obj.GetObjectMeta()
	users, groups, sas := subjectNames(subjects)
	return []any{m.Name, ref.Kind + "/" + ref.Name, Age(m.CreationTimestamp, now),
		strings.Join(users, ", "), strings.Join(groups, ", "), strings.Join(sas, ", ")}
}

// subjectNames sorts a binding's subjects into users, groups and
// ServiceAccounts (namespace/name), in the binding's order.
func subjectNames(subjects []api.Subject) (users, groups, sas []string) {
	for _, s := range subjects {
		switch s.Kind {
		case api.SubjectUser:
			users = append(users, s.Name)
		case api.SubjectGroup:
			groups = append(groups, s.Name)
		case api.SubjectServiceAccount:
			sas = append(sas, fmt.Sprintf("%s/%s", s.Namespace, s.Name))
		}
	}
	return users, groups, sas
}

// csrRow is a CertificateSigningRequest as kubectl prints it: who asked,
// for which signer, and where it stands (Pending, Approved,Issued, …).
func csrRow(obj api.Object, now time.Time) []any {
	csr := obj.(*api.CertificateSigningRequest)
	duration := "<none>"
	if e := csr.Spec.ExpirationSeconds; e != nil {
		duration = (time.Duration(*e) * time.Second).String()
	}
	var conds []string
	for _, c := range csr.Status.Conditions {
		if c.Status == api.ConditionTrue {
			conds = append(conds, c.Type)
		}
	}
	if len(csr.Status.Certificate) > 0 {
		conds = append(conds, "Issued")
	}
	if len(conds) == 0 {
		conds = []string{"Pending"}
	}
	return []any{csr.Name, Age(csr.CreationTimestamp, now), csr.Spec.SignerName, csr.Spec.Username, duration, strings.Join(conds, ",")}
}
