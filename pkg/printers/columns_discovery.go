package printers

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"kubelab/pkg/api"
)

// endpointSliceRow is an EndpointSlice as kubectl prints it: its address
// type, then at most three ports and three addresses, with a count of
// the rest ("10.244.1.5,10.244.2.7,10.244.1.9 + 2 more...").
func endpointSliceRow(obj api.Object, now time.Time) []any {
	s := obj.(*api.EndpointSlice)
	var ports []string
	for _, p := range s.Ports {
		switch {
		case p.Port != nil:
			ports = append(ports, strconv.Itoa(int(*p.Port)))
		case p.Name != nil:
			ports = append(ports, *p.Name)
		default:
			ports = append(ports, "*") // no port: all of them
		}
	}
	var addrs []string
	for _, ep := range s.Endpoints {
		addrs = append(addrs, ep.Addresses...)
	}
	return []any{s.Name, s.AddressType, firstThree(ports), firstThree(addrs), Age(s.CreationTimestamp, now)}
}

// firstThree joins the first three items and counts the others, as
// kubectl's listWithMoreString; nothing at all is "<unset>".
func firstThree(items []string) string {
	const max = 3
	if len(items) == 0 {
		return "<unset>"
	}
	if len(items) <= max {
		return strings.Join(items, ",")
	}
	return strings.Join(items[:max], ",") + fmt.Sprintf(" + %d more...", len(items)-max)
}

// FormatEndpointSlices is the Endpoints line of kubectl describe service
// for one port: the ready addresses of the Service's slices as ip:port,
// at most three, then "+ N more...". No slice at all is "<none>"; slices
// without a ready endpoint make an empty line, as kubectl prints them. An
// endpoint with no ready condition counts as ready (unknown means ready,
// says the API).
func FormatEndpointSlices(slices []*api.EndpointSlice, portName string) string {
	if len(slices) == 0 {
		return "<none>"
	}
	const max = 3
	var list []string
	count := 0
	add := func(s string) {
		if len(list) < max {
			list = append(list, s)
		}
		count++
	}
	for _, s := range slices {
		for _, ep := range s.Endpoints {
			if r := ep.Conditions.Ready; (r != nil && !*r) || len(ep.Addresses) == 0 {
				continue
			}
			if len(s.Ports) == 0 { // a headless service may have no ports
				add(ep.Addresses[0])
			}
			for _, p := range s.Ports {
				if p.Port != nil && (p.Name == nil && portName == "" || p.Name != nil && *p.Name == portName) {
					add(net.JoinHostPort(ep.Addresses[0], strconv.Itoa(int(*p.Port))))
				}
			}
		}
	}
	out := strings.Join(list, ",")
	if count > max {
		out += fmt.Sprintf(" + %d more...", count-max)
	}
	return out
}
