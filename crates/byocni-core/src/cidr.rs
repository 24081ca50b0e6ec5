//! IPv4 CIDR parsing into a normalised [`Cidr`], and the small address arithmetic the rules need.
//!
//! A [`Cidr`] is known to be a valid IPv4 network with no host bits set: it is what the rest of
//! the core passes around once a plan's text has been parsed ("parse, don't validate").

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use ipnet::Ipv4Net;

/// A normalised IPv4 network (no host bits set).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr(Ipv4Net);

/// Why a text is not a usable IPv4 CIDR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CidrError {
    /// Empty text.
    #[error("is empty; write an IPv4 network such as 10.0.0.0/16")]
    Empty,
    /// An IPv6 network where IPv4 is required.
    #[error("`{0}` is IPv6; AKS with --network-plugin none plans IPv4 here, such as 10.0.0.0/16")]
    Ipv6(String),
    /// An address without a prefix length.
    #[error("`{0}` has no prefix length; write it as a network such as {0}/16")]
    MissingPrefix(String),
    /// Not parseable at all.
    #[error("`{0}` is not an IPv4 CIDR; write it as address/prefix, such as 10.0.0.0/16")]
    Invalid(String),
    /// A valid network written with host bits set; carries the normalised network.
    #[error("`{text}` has host bits set; the network is {normalised}")]
    HostBitsSet {
        /// The text as written.
        text: String,
        /// The network it denotes.
        normalised: Cidr,
    },
}

impl Cidr {
    /// Builds a CIDR from an address and a prefix length, clearing host bits.
    ///
    /// Returns `None` when `prefix_len > 32`.
    pub fn new(addr: Ipv4Addr, prefix_len: u8) -> Option<Self> {
        Ipv4Net::new(addr, prefix_len).ok().map(|n| Cidr(n.trunc()))
    }

    /// Builds a CIDR from the numeric first address and a prefix length, clearing host bits.
    pub fn from_u32(start: u32, prefix_len: u8) -> Option<Self> {
        Self::new(Ipv4Addr::from(start), prefix_len)
    }

    /// Parses text strictly: host bits set is an error that carries the normalised network.
    pub fn parse(text: &str) -> Result<Self, CidrError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(CidrError::Empty);
        }
        if t.contains(':') {
            return Err(CidrError::Ipv6(t.to_owned()));
        }
        if !t.contains('/') {
            return Err(if t.parse::<Ipv4Addr>().is_ok() {
                CidrError::MissingPrefix(t.to_owned())
            } else {
                CidrError::Invalid(t.to_owned())
            });
        }
        let net: Ipv4Net = t.parse().map_err(|_| CidrError::Invalid(t.to_owned()))?;
        let normalised = Cidr(net.trunc());
        if normalised.0 != net {
            return Err(CidrError::HostBitsSet {
                text: t.to_owned(),
                normalised,
            });
        }
        Ok(normalised)
    }

    /// Parses text, accepting host bits set (the network they denote): for arithmetic on plans
    /// that [`crate::check`] has already reported on.
    pub fn parse_lenient(text: &str) -> Option<Self> {
        match Cidr::parse(text) {
            Ok(c) | Err(CidrError::HostBitsSet { normalised: c, .. }) => Some(c),
            Err(_) => None,
        }
    }

    /// The underlying `ipnet` network.
    pub fn net(self) -> Ipv4Net {
        self.0
    }

    /// The prefix length, 0..=32.
    pub fn prefix_len(self) -> u8 {
        self.0.prefix_len()
    }

    /// The network (first) address.
    pub fn network(self) -> Ipv4Addr {
        self.0.network()
    }

    /// The broadcast (last) address.
    pub fn broadcast(self) -> Ipv4Addr {
        self.0.broadcast()
    }

    /// The first address as a number.
    pub fn start(self) -> u32 {
        u32::from(self.0.network())
    }

    /// The last address as a number (inclusive).
    pub fn end(self) -> u32 {
        u32::from(self.0.broadcast())
    }

    /// How many addresses the range holds (2^(32 - prefix)); up to 2^32, hence `u64`.
    pub fn size(self) -> u64 {
        1u64 << (32 - u32::from(self.prefix_len()))
    }

    /// Whether the two ranges share at least one address.
    pub fn overlaps(self, other: Cidr) -> bool {
        self.start() <= other.end() && other.start() <= self.end()
    }

    /// Whether `other` lies wholly inside `self`.
    pub fn contains(self, other: Cidr) -> bool {
        self.start() <= other.start() && other.end() <= self.end()
    }

    /// Whether the address lies inside the range.
    pub fn contains_addr(self, addr: Ipv4Addr) -> bool {
        self.0.contains(&addr)
    }

    /// The enclosing network of the given (shorter or equal) prefix length.
    pub fn supernet(self, prefix_len: u8) -> Option<Cidr> {
        (prefix_len <= self.prefix_len()).then(|| Cidr::new(self.network(), prefix_len))?
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cidr({})", self.0)
    }
}

impl FromStr for Cidr {
    type Err = CidrError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cidr::parse(s)
    }
}

impl From<Ipv4Net> for Cidr {
    fn from(net: Ipv4Net) -> Self {
        Cidr(net.trunc())
    }
}

impl serde::Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Parses a single IPv4 address (for the DNS service IP), with messages in the house style.
pub fn parse_ipv4(text: &str) -> Result<Ipv4Addr, CidrError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(CidrError::Empty);
    }
    if t.contains(':') {
        return Err(CidrError::Ipv6(t.to_owned()));
    }
    t.parse().map_err(|_| CidrError::Invalid(t.to_owned()))
}

/// The smallest prefix length whose block holds at least `n` addresses (`n` >= 1); `None` when
/// more than 2^32 addresses are asked for.
pub fn prefix_for_addresses(n: u64) -> Option<u8> {
    if n > 1u64 << 32 {
        return None;
    }
    let bits = n.max(1).next_power_of_two().trailing_zeros();
    Some((32 - bits) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        assert_eq!(
            Cidr::parse("10.0.0.0/16").unwrap().to_string(),
            "10.0.0.0/16"
        );
        assert_eq!(
            Cidr::parse("10.0.0.1/16"),
            Err(CidrError::HostBitsSet {
                text: "10.0.0.1/16".into(),
                normalised: Cidr::parse("10.0.0.0/16").unwrap()
            })
        );
        assert!(matches!(Cidr::parse("fd00::/8"), Err(CidrError::Ipv6(_))));
        assert!(matches!(
            Cidr::parse("10.0.0.0"),
            Err(CidrError::MissingPrefix(_))
        ));
        assert!(matches!(
            Cidr::parse("10.0.0.0/33"),
            Err(CidrError::Invalid(_))
        ));
        assert!(matches!(Cidr::parse("banana"), Err(CidrError::Invalid(_))));
        assert_eq!(Cidr::parse(""), Err(CidrError::Empty));
    }

    #[test]
    fn arithmetic() {
        let c = Cidr::parse("10.224.0.0/12").unwrap();
        assert_eq!(c.size(), 1 << 20);
        assert_eq!(c.broadcast(), Ipv4Addr::new(10, 239, 255, 255));
        assert!(c.contains(Cidr::parse("10.224.0.0/16").unwrap()));
        assert!(!c.overlaps(Cidr::parse("10.240.0.0/16").unwrap()));
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().size(), 1 << 32);
        assert_eq!(prefix_for_addresses(1), Some(32));
        assert_eq!(prefix_for_addresses(9), Some(28));
        assert_eq!(prefix_for_addresses(256), Some(24));
        assert_eq!(prefix_for_addresses(257), Some(23));
        assert_eq!(prefix_for_addresses((1 << 32) + 1), None);
    }
}
