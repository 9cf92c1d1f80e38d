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
		return strings.TrimSuffix(host, ".")
	}
	name = strings.TrimSuffix(name, ".")
	n, err := strconv.Atoi(port)
	if err != nil || n <= 0 || n > 65535 {
		return net.JoinHostPort(name, port)
	}
	if n == 80 || n == 443 {
		if strings.Contains(name, ":") {
			return "[" + name + "]"
		}
		return name
	}
	return net.JoinHostPort(name, strconv.Itoa(n))
}

// ParentDomains lists a host's name and the domains above it
// ("a.b.example" → a.b.example, b.example, example), for blocks that cover
// subdomains.
func ParentDomains(host string) []string {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	if net.ParseIP(strings.Trim(name, "[]")) != nil {
		return nil
	}
	var out []string
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
