package webhook

import (
	"errors"
	"net/netip"
)

// Reason says why a URL or an address is refused; it is stable, for a
// problem's message to be chosen by.
type Reason string

// The reasons a receiver is refused.
const (
	ReasonInvalidURL    Reason = "invalid-url"    // not an absolute URL with a host
	ReasonScheme        Reason = "scheme"         // not https (nor http to loopback when allowed)
	ReasonCredentials   Reason = "credentials"    // user:password in the URL
	ReasonNumericHost   Reason = "numeric-host"   // a host such as 2130706433 or 0x7f.1 that some parsers read as an address
	ReasonUnresolvable  Reason = "unresolvable"   // the name has no address
	ReasonLoopback      Reason = "loopback"       // 127.0.0.0/8, ::1
	ReasonPrivate       Reason = "private"        // RFC 1918, and fec0::/10 site-local
	ReasonLinkLocal     Reason = "link-local"     // 169.254.0.0/16 (the cloud metadata service), fe80::/10
	ReasonUniqueLocal   Reason = "unique-local"   // fc00::/7
	ReasonSharedAddress Reason = "shared-address" // 100.64.0.0/10, carrier-grade NAT
	ReasonUnspecified   Reason = "unspecified"    // 0.0.0.0/8, ::
	ReasonMulticast     Reason = "multicast"      // 224.0.0.0/4, ff00::/8
	ReasonBroadcast     Reason = "broadcast"      // 255.255.255.255
	ReasonDocumentation Reason = "documentation"  // 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20
	ReasonBenchmark     Reason = "benchmark"      // 198.18.0.0/15, 2001:2::/48
	ReasonReserved      Reason = "reserved"       // any other special-purpose or unallocated range
)

// RefusedError is a receiver refused, with the reason. AtConnect is set when
// the address was refused as it was dialled rather than when the URL was
// checked: the name resolved to a different address by then.
type RefusedError struct {
	Reason    Reason
	Host      string     // the URL's host, when known
	Addr      netip.Addr // the refused address, when the reason is one
	AtConnect bool
	Err       error // the cause behind ReasonUnresolvable or ReasonInvalidURL
}

func (e *RefusedError) Error() string {
	msg := "webhook: receiver refused (" + string(e.Reason) + ")"
	if e.Host != "" {
		msg += ": " + e.Host
	}
	if e.Addr.IsValid() && e.Addr.String() != e.Host {
		msg += " at " + e.Addr.String()
	}
	if e.AtConnect {
		msg += " on connecting"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *RefusedError) Unwrap() error { return e.Err }

// ReasonOf is the reason err was refused for, and false if it is no refusal.
func ReasonOf(err error) (Reason, bool) {
	var r *RefusedError
	if errors.As(err, &r) {
		return r.Reason, true
	}
	return "", false
}

type rangeReason struct {
	prefix netip.Prefix
	reason Reason
}

func prefixes(pairs ...any) []rangeReason {
	out := make([]rangeReason, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, rangeReason{netip.MustParsePrefix(pairs[i].(string)), pairs[i+1].(Reason)})
	}
	return out
}

// The special-purpose ranges (IANA's IPv4 and IPv6 registries), most specific
// first where they nest.
var (
	v4Ranges = prefixes(
		"255.255.255.255/32", ReasonBroadcast,
		"0.0.0.0/8", ReasonUnspecified,
		"10.0.0.0/8", ReasonPrivate,
		"100.64.0.0/10", ReasonSharedAddress,
		"127.0.0.0/8", ReasonLoopback,
		"169.254.0.0/16", ReasonLinkLocal,
		"172.16.0.0/12", ReasonPrivate,
		"192.0.0.0/24", ReasonReserved,
		"192.0.2.0/24", ReasonDocumentation,
		"192.88.99.0/24", ReasonReserved,
		"192.168.0.0/16", ReasonPrivate,
		"198.18.0.0/15", ReasonBenchmark,
		"198.51.100.0/24", ReasonDocumentation,
		"203.0.113.0/24", ReasonDocumentation,
		"224.0.0.0/4", ReasonMulticast,
		"240.0.0.0/4", ReasonReserved,
	)
	v6Ranges = prefixes(
		"::/128", ReasonUnspecified,
		"::1/128", ReasonLoopback,
		"fe80::/10", ReasonLinkLocal,
		"fec0::/10", ReasonPrivate,
		"fc00::/7", ReasonUniqueLocal,
		"ff00::/8", ReasonMulticast,
		"2001:db8::/32", ReasonDocumentation,
		"3fff::/20", ReasonDocumentation,
		"2001:2::/48", ReasonBenchmark,
		"2001::/23", ReasonReserved, // IETF protocol assignments, Teredo among them
		"2002::/16", ReasonReserved, // 6to4, which carries an IPv4 address
		"64:ff9b::/96", ReasonReserved, // NAT64, likewise
		"64:ff9b:1::/48", ReasonReserved,
	)
	globalUnicast6 = netip.MustParsePrefix("2000::/3")
)

// classify is why addr may not be called, or "" for a public address. An
// IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged as the IPv4 address.
func classify(addr netip.Addr) Reason {
	if !addr.IsValid() {
		return ReasonInvalidURL
	}
	if addr.Zone() != "" {
		return ReasonLinkLocal
	}
	addr = addr.Unmap()
	if addr.Is4() {
		for _, r := range v4Ranges {
			if r.prefix.Contains(addr) {
				return r.reason
			}
		}
		return ""
	}
	for _, r := range v6Ranges {
		if r.prefix.Contains(addr) {
			return r.reason
		}
	}
	if !globalUnicast6.Contains(addr) {
		return ReasonReserved // the IPv4-compatible ::a.b.c.d, 100::/64 and every unallocated block
	}
	return ""
}

// allowed is whether addr may be called; loopback only when allowLoopback.
func allowed(addr netip.Addr, allowLoopback bool) Reason {
	r := classify(addr)
	if r == ReasonLoopback && allowLoopback {
		return ""
	}
	return r
}

func refusedAddr(host string, addr netip.Addr, reason Reason, atConnect bool) error {
	return &RefusedError{Reason: reason, Host: host, Addr: addr, AtConnect: atConnect}
}
