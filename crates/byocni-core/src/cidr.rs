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

/// Why a text is not a usable IPv4 CIDR or address.
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
    /// A number written with a leading zero (`010.0.0.0/8`): `inet_aton` reads it as octal,
    /// Python and Go refuse it (rule 25). Carries the text with the zeros dropped.
    #[error("`{text}` has a number with a leading zero, which some tools read as octal and others refuse; write it without, as {decimal}")]
    LeadingZero {
        /// The text as written.
        text: String,
        /// The same text with every number's leading zeros dropped.
        decimal: String,
    },
    /// Not one IPv4 address (for the DNS service IP).
    #[error("`{0}` is not an IPv4 address; write four numbers from 0 to 255, such as 10.0.0.10")]
    InvalidAddress(String),
    /// A network where one address is required.
    #[error("`{0}` is a network; write one IPv4 address without a prefix, such as 10.0.0.10")]
    NotAnAddress(String),
    /// An empty address.
    #[error("is empty; write an IPv4 address such as 10.0.0.10")]
    EmptyAddress,
    /// A valid network written with host bits set; carries the normalised network.
    #[error("`{text}` has host bits set; the network is {normalised}")]
    HostBitsSet {
        /// The text as written.
        text: String,
        /// The network it denotes.
        normalised: Cidr,
    },
}

/// Why [`split_ipv4`] refused a text.
enum Syntax {
    /// Not four dot-separated decimal numbers 0-255 with an optional `/0`-`/32`.
    Bad,
    /// Well-formed but for leading zeros.
    LeadingZero,
}

/// Reads the decimal number at `b[*i..]` (advancing `*i` past its digits): at most
/// `max_digits` significant ASCII digits, at most `max`; leading zeros (other than `0` itself)
/// make it [`Syntax::LeadingZero`] when it is otherwise valid, which `*zeros` records.
fn decimal(
    b: &[u8],
    i: &mut usize,
    max_digits: usize,
    max: u32,
    zeros: &mut bool,
) -> Result<u32, Syntax> {
    let start = *i;
    while b.get(*i).is_some_and(u8::is_ascii_digit) {
        *i += 1;
    }
    let digits = &b[start..*i];
    let first = digits
        .iter()
        .position(|&d| d != b'0')
        .unwrap_or(digits.len().saturating_sub(1));
    let significant = digits.get(first..).unwrap_or_default();
    if significant.is_empty() || significant.len() > max_digits {
        return Err(Syntax::Bad);
    }
    let n = significant
        .iter()
        .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
    if n > max {
        return Err(Syntax::Bad);
    }
    *zeros |= first > 0;
    Ok(n)
}

/// The one IPv4 reader of the core (rule 25): `a.b.c.d` or `a.b.c.d/p` in plain decimal, each
/// number ASCII digits only (no sign, no space, no hex), no leading zeros, octets 0-255, the
/// prefix 0-32. Returns the address and the prefix when there is one. One pass over the bytes:
/// it reads every connected network of a plan (100,000s).
fn split_ipv4(text: &str) -> Result<(Ipv4Addr, Option<u8>), Syntax> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut zeros = false;
    let mut octets = [0u8; 4];
    for (k, o) in octets.iter_mut().enumerate() {
        if k > 0 {
            if b.get(i) != Some(&b'.') {
                return Err(Syntax::Bad);
            }
            i += 1;
        }
        // At most 255: the cast cannot truncate.
        *o = decimal(b, &mut i, 3, 255, &mut zeros)? as u8;
    }
    let prefix = match b.get(i) {
        None => None,
        Some(b'/') => {
            i += 1;
            Some(decimal(b, &mut i, 2, 32, &mut zeros)? as u8)
        }
        Some(_) => return Err(Syntax::Bad),
    };
    if i != b.len() {
        return Err(Syntax::Bad);
    }
    if zeros {
        return Err(Syntax::LeadingZero);
    }
    Ok((Ipv4Addr::from(octets), prefix))
}

/// `text` with the leading zeros of each number dropped (`010.0.0.0/08` -> `10.0.0.0/8`).
fn drop_leading_zeros(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if at_start && c == '0' && chars.peek().is_some_and(char::is_ascii_digit) {
            continue;
        }
        at_start = !c.is_ascii_digit();
        out.push(c);
    }
    out
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

    /// Parses text strictly: plain dotted decimal (rule 25, see [`parse_ipv4`]); host bits set
    /// is an error that carries the normalised network. Space around the text is ignored.
    pub fn parse(text: &str) -> Result<Self, CidrError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(CidrError::Empty);
        }
        let (addr, prefix) = match split_ipv4(t) {
            Ok(parts) => parts,
            Err(_) if t.contains(':') => return Err(CidrError::Ipv6(t.to_owned())),
            Err(Syntax::LeadingZero) => {
                return Err(CidrError::LeadingZero {
                    text: t.to_owned(),
                    decimal: drop_leading_zeros(t),
                })
            }
            Err(Syntax::Bad) => return Err(CidrError::Invalid(t.to_owned())),
        };
        let Some(prefix) = prefix else {
            return Err(CidrError::MissingPrefix(t.to_owned()));
        };
        let net = Ipv4Net::new(addr, prefix).map_err(|_| CidrError::Invalid(t.to_owned()))?;
        let normalised = Cidr(net.trunc());
        if normalised.0.network() != addr {
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

/// Parses a single IPv4 address (for the DNS service IP) with the same reader as [`Cidr::parse`]
/// (rule 25: plain dotted decimal, no leading zeros, signs or inner spaces), with messages that
/// call it an address. Space around the text is ignored.
pub fn parse_ipv4(text: &str) -> Result<Ipv4Addr, CidrError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(CidrError::EmptyAddress);
    }
    match split_ipv4(t) {
        Ok((addr, None)) => Ok(addr),
        Ok((_, Some(_))) => Err(CidrError::NotAnAddress(t.to_owned())),
        Err(Syntax::LeadingZero) => Err(CidrError::LeadingZero {
            text: t.to_owned(),
            decimal: drop_leading_zeros(t),
        }),
        Err(Syntax::Bad) => Err(CidrError::InvalidAddress(t.to_owned())),
    }
}

/// Whether the text is an IPv6 network (`fd00:db8::/48`, host bits allowed): what dual-stack
/// VNets hold beside their IPv4 prefixes.
pub fn is_ipv6_network(text: &str) -> bool {
    text.trim().parse::<ipnet::Ipv6Net>().is_ok()
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

    /// Rule 25 at the edges: leading zeros carry the decimal form; signs, spaces, hex,
    /// non-ASCII digits and out-of-range numbers are refused.
    #[test]
    fn plain_dotted_decimal_only() {
        assert_eq!(
            Cidr::parse("010.20.0.0/16"),
            Err(CidrError::LeadingZero {
                text: "010.20.0.0/16".into(),
                decimal: "10.20.0.0/16".into()
            })
        );
        assert_eq!(
            parse_ipv4("10.0.0.010"),
            Err(CidrError::LeadingZero {
                text: "10.0.0.010".into(),
                decimal: "10.0.0.10".into()
            })
        );
        assert!(matches!(
            Cidr::parse("10.0.0.0/08"),
            Err(CidrError::LeadingZero { decimal, .. }) if decimal == "10.0.0.0/8"
        ));
        assert!(matches!(
            Cidr::parse("00.0.0.0/0"),
            Err(CidrError::LeadingZero { decimal, .. }) if decimal == "0.0.0.0/0"
        ));
        for bad in [
            "+10.0.0.0/8",
            "10.0.0.0/+8",
            "10.0.0.0/-8",
            "1 0.0.0.0/8",
            "10.0.0.0/ 8",
            "10.0.0.0 /8",
            "0x0a.0.0.0/8",
            "10.0.0.0/8/8",
            "10..0.0/8",
            "10.0.0.0/",
            "/8",
            "10.0.0.0/33",
            "10.0.0.0/100",
            "256.0.0.0/8",
            "1000.0.0.0/8",
            "٣.0.0.0/8",
            "10.0.0.0/8 x",
            "10.0.0.0.0/8",
        ] {
            assert!(
                matches!(Cidr::parse(bad), Err(CidrError::Invalid(_))),
                "{bad}"
            );
        }
        // A leading zero in an otherwise bad text is just bad.
        assert!(matches!(
            Cidr::parse("0256.0.0.0/8"),
            Err(CidrError::Invalid(_))
        ));
        assert_eq!(parse_ipv4(" 10.0.0.10 "), Ok(Ipv4Addr::new(10, 0, 0, 10)));
        assert_eq!(parse_ipv4(""), Err(CidrError::EmptyAddress));
        assert!(matches!(
            parse_ipv4("10.0.0.10/32"),
            Err(CidrError::NotAnAddress(_))
        ));
        assert!(matches!(
            parse_ipv4("fd00::1"),
            Err(CidrError::InvalidAddress(_))
        ));
        assert!(is_ipv6_network("fd00:db8:deca::/48"));
        assert!(is_ipv6_network("2001:db8::1/64"));
        assert!(!is_ipv6_network("10.0.0.0/8"));
        assert!(!is_ipv6_network("fd00:zz::/48"));
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Differential: the address reader accepts exactly what the standard library's strict
        /// `Ipv4Addr` parser accepts (which also refuses leading zeros and signs), with the same
        /// value; it only also trims the outside.
        #[test]
        fn the_address_reader_agrees_with_std(s in "[ 0-9.+x/-]{0,18}") {
            prop_assert_eq!(parse_ipv4(&s).ok(), s.trim().parse::<Ipv4Addr>().ok(), "{:?}", s);
        }

        /// A CIDR is accepted exactly in its one canonical spelling (what `Display` writes);
        /// a refused text with host bits set names the network std's reading denotes.
        #[test]
        fn a_cidr_reads_only_in_its_canonical_spelling(s in "[ 0-9./+]{0,20}") {
            match Cidr::parse(&s) {
                Ok(c) => prop_assert_eq!(c.to_string(), s.trim()),
                Err(CidrError::HostBitsSet { normalised, .. }) => {
                    let (a, p) = s.trim().split_once('/').unwrap();
                    let a: Ipv4Addr = a.parse().unwrap();
                    prop_assert_eq!(Some(normalised), Cidr::new(a, p.parse().unwrap()));
                }
                Err(CidrError::LeadingZero { decimal, .. }) => {
                    let again = matches!(Cidr::parse(&decimal), Err(CidrError::LeadingZero { .. }));
                    prop_assert!(!again, "{:?} -> {:?}", s, decimal);
                }
                Err(_) => {}
            }
        }

        /// Every network reads back from its spelling.
        #[test]
        fn every_network_round_trips(start in any::<u32>(), p in 0u8..=32) {
            let c = Cidr::from_u32(start, p).unwrap();
            prop_assert_eq!(Cidr::parse(&c.to_string()), Ok(c));
            prop_assert_eq!(parse_ipv4(&c.network().to_string()), Ok(c.network()));
        }
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
