package kctl

import (
	"fmt"
	"strings"
	"time"

	"kubelab/pkg/api"
)

// Rows of the RBAC kinds, as kubectl prints them. A role has no AGE but
// a CREATED AT timestamp; a binding's ROLE is Kind/name, and -o wide
// lists its subjects by kind (a ServiceAccount as namespace/name).

func roleRow(obj api.Object, now time.Time) []string {
	m := obj.GetObjectMeta()
	return []string{m.Name, createdAt(m.CreationTimestamp)}
}

// createdAt is the CREATED AT column: RFC 3339 in UTC.
func createdAt(t api.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return t.UTC().Format(time.RFC3339)
}

func bindingRow(obj api.Object, now time.Time) []string {
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
	return []string{m.Name, ref.Kind + "/" + ref.Name, age(m.CreationTimestamp, now),
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
func csrRow(obj api.Object, now time.Time) []string {
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
	return []string{csr.Name, age(csr.CreationTimestamp, now), csr.Spec.SignerName, csr.Spec.Username, duration, strings.Join(conds, ",")}
}
