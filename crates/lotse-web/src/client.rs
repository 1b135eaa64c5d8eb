//! The client's address, for throttling sign-ins per address.
//!
//! It is the connection's peer (`lotse serve` records it for every connection). Only when the
//! peer is one of the configured trusted proxies (`WebConfig::trusted_proxies`, none by default)
//! is `X-Forwarded-For` read: the client is then the rightmost address in it that is not itself
//! a trusted proxy (addresses further left were written by the client and prove nothing).
//! Without connection information (a router called directly, as in tests) the address is
//! unknown and only the per-account limits apply.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::AppState;

/// The client's address, if known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(Self(peer.map(|peer| {
            client_address(peer, &parts.headers, &state.config.trusted_proxies)
        })))
    }
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy, else the rightmost
/// `X-Forwarded-For` entry that is not a trusted proxy (an unreadable entry ends the walk).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.contains(&ip.to_canonical());
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer.to_canonical();
    for entry in entries.iter().rev() {
        if !is_trusted(client) {
            break;
        }
        match entry.parse::<IpAddr>() {
            Ok(ip) => client = ip.to_canonical(),
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.5".parse().unwrap();
        let h = headers(&["198.51.100.1, 203.0.113.5"]);
        assert_eq!(client_address(client, &h, &[]), client, "nothing trusted: the peer");
        assert_eq!(client_address(client, &h, &[proxy]), client, "the peer is no proxy");
        assert_eq!(client_address(proxy, &h, &[proxy]), client, "the rightmost entry");
        let two = "10.0.0.2".parse().unwrap();
        let h = headers(&["198.51.100.1", "203.0.113.5, 10.0.0.2"]);
        assert_eq!(
            client_address(proxy, &h, &[proxy, two]),
            client,
            "proxies chained, several lines"
        );
        assert_eq!(client_address(proxy, &headers(&["not-an-ip"]), &[proxy]), proxy);
        assert_eq!(client_address(proxy, &HeaderMap::new(), &[proxy]), proxy);
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(client_address(mapped, &headers(&["203.0.113.5"]), &[proxy]), client);
    }
}
