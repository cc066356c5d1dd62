//! Who the client is behind a load balancer. The gateway sees the
//! balancer's address on every request; with `--trusted-proxy` it takes the
//! client's from `X-Forwarded-For`, but only from a peer it trusts, and
//! only the nearest address no trusted proxy wrote, so a client cannot
//! choose its own address by sending the header itself.

use std::net::IpAddr;

/// An address, or a network in CIDR form (`10.0.0.0/8`, `::1/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(text: &str) -> Result<Network, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address.parse().map_err(|_| {
            format!("trusted proxy `{text}` is not an address or network (like 10.0.0.5 or 10.0.0.0/24)")
        })?;
        let most = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => most,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|prefix| *prefix <= most)
                .ok_or_else(|| format!("trusted proxy `{text}`: the prefix must be 0 to {most}"))?,
        };
        Ok(Network { address, prefix })
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        fn bits(address: IpAddr) -> (u128, u32) {
            match address {
                IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
                IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                    Some(v4) => (u128::from(u32::from(v4)), 32),
                    None => (u128::from(v6), 128),
                },
            }
        }
        let (network, width) = bits(self.address);
        let (candidate, candidate_width) = bits(address);
        if width != candidate_width {
            return false;
        }
        let prefix = u32::from(self.prefix).min(width);
        if prefix == 0 {
            return true;
        }
        let shift = width - prefix;
        (network >> shift) == (candidate >> shift)
    }
}

/// The client's address: `peer` unless `peer` is a trusted proxy, then the
/// rightmost address of `forwarded_for` (each `X-Forwarded-For` value, in
/// order) that is not a trusted proxy. A malformed entry ends the walk, so
/// what lies left of it (written by whoever the client is) is never used.
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &[Network]) -> IpAddr {
    let is_trusted = |address: IpAddr| trusted.iter().any(|network| network.contains(address));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded_for
        .iter()
        .flat_map(|value| value.split(','))
        .rev()
    {
        match entry.trim().parse::<IpAddr>() {
            Ok(address) => {
                client = address;
                if !is_trusted(address) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_contain_what_they_should() {
        let lan = Network::parse("10.1.0.0/16").unwrap();
        assert!(lan.contains(ip("10.1.200.3")) && !lan.contains(ip("10.2.0.1")));
        assert!(Network::parse("127.0.0.1")
            .unwrap()
            .contains(ip("127.0.0.1")));
        assert!(Network::parse("127.0.0.1")
            .unwrap()
            .contains(ip("::ffff:127.0.0.1")));
        assert!(!Network::parse("127.0.0.1")
            .unwrap()
            .contains(ip("127.0.0.2")));
        assert!(Network::parse("::1").unwrap().contains(ip("::1")));
        assert!(Network::parse("0.0.0.0/0")
            .unwrap()
            .contains(ip("203.0.113.9")));
        for bad in ["10.0.0.0/33", "nope", "10.0.0.0/x", "::1/129"] {
            assert!(Network::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_client_is_the_nearest_address_no_trusted_proxy_wrote() {
        let trusted = [Network::parse("10.0.0.0/24").unwrap()];
        let balancer = ip("10.0.0.2");
        // Through the balancer: the address it saw.
        assert_eq!(
            client_address(balancer, &["203.0.113.7"], &trusted),
            ip("203.0.113.7")
        );
        // A client that sends its own header cannot choose its address: the
        // balancer appends what it saw, and that is what counts.
        assert_eq!(
            client_address(balancer, &["1.2.3.4, 203.0.113.7"], &trusted),
            ip("203.0.113.7")
        );
        // Two trusted hops.
        assert_eq!(
            client_address(balancer, &["198.51.100.4", "10.0.0.9"], &trusted),
            ip("198.51.100.4")
        );
        // From an untrusted peer the header means nothing.
        assert_eq!(
            client_address(ip("198.51.100.8"), &["1.2.3.4"], &trusted),
            ip("198.51.100.8")
        );
        // Garbage stops the walk at what the trusted hops wrote.
        assert_eq!(
            client_address(balancer, &["evil, 10.0.0.9"], &trusted),
            ip("10.0.0.9")
        );
        assert_eq!(client_address(balancer, &[], &trusted), balancer);
        // Nothing trusted: the peer, whatever the header says.
        assert_eq!(client_address(balancer, &["1.2.3.4"], &[]), balancer);
    }
}
