package store

import (
	"net"
	"strconv"
	"strings"
)

// NormalizeHost writes a host the one way policies and deliveries compare
// it: lower case, no trailing dot, no default port (80, 443), no leading
// zeros in the port. Different spellings of one server must not slip past
// a block.
func NormalizeHost(host string) string {
	host = strings.ToLower(strings.TrimSpace(host))
	name, port, err := net.SplitHostPort(host)
	if err != nil {
		return hostName(strings.TrimSuffix(host, "."))
	}
	name = strings.TrimSuffix(name, ".")
	n, err := strconv.Atoi(port)
	if err != nil || n <= 0 || n > 65535 {
		return net.JoinHostPort(name, port)
	}
	if n == 80 || n == 443 {
		return hostName(name)
	}
	return net.JoinHostPort(strings.Trim(hostName(name), "[]"), strconv.Itoa(n))
}

// hostName writes a host without its port the one way: an IPv6 address in
// its shortest form and in brackets, as it appears in URLs.
func hostName(name string) string {
	if ip := net.ParseIP(strings.Trim(name, "[]")); ip != nil && strings.Contains(name, ":") {
		return "[" + ip.String() + "]"
	}
	return name
}

// ParentDomains lists the domains above a host, and its bare name when it
// has a port ("a.b.example:8443" → a.b.example, b.example), for blocks that
// cover subdomains and every port. Top-level names are left out.
func ParentDomains(host string) []string {
	name := host
	var out []string
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
		if net.ParseIP(name) == nil {
			out = append(out, name)
		} else {
			return []string{hostName(name)}
		}
	}
	if net.ParseIP(strings.Trim(name, "[]")) != nil {
		return nil
	}
	for {
		i := strings.IndexByte(name, '.')
		if i < 0 {
			return out
		}
		name = name[i+1:]
		if strings.Contains(name, ".") {
			out = append(out, name)
		}
	}
}
