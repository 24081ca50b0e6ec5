//! The VNet's subnet table, as visualsubnetcalc draws one: its subnets and free blocks in address
//! order ([`vnet_rows`]), and the edits that split a subnet in two halves, join two halves back
//! ([`split_subnet`], [`join_halves`]) and make a subnet of a free block ([`add_subnet`]).
//!
//! Each edit is one [`Edit`] of `vnet.subnets` (or of one subnet's `cidr`), applied with
//! [`crate::apply_edit`] like a finding's fix: the web planner undoes it as any other edit.
//! Splitting a subnet keeps its name and role on the lower half and names the upper half
//! `<name>-2` (or the next free number), role `other`; joining is its inverse, so a split then
//! a join gives the plan back (property-tested). A free block is not in the plan: splitting one
//! is a matter of the view (the web keeps the blocks split as `cuts`, see [`vnet_rows`]).
//!
//! Pure: no I/O.

use crate::cidr::Cidr;
use crate::finding::Edit;
use crate::plan::{Plan, Subnet, SubnetRole};

/// Azure's smallest subnet: a split never makes halves smaller than this prefix.
pub const SMALLEST_SUBNET: u8 = 29;

/// Addresses Azure reserves in every subnet (network, gateway, two DNS, broadcast).
pub const AZURE_RESERVED_PER_SUBNET: u64 = 5;

/// One row of the subnet table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// The block.
    pub cidr: Cidr,
    /// The subnet (index in `vnet.subnets`), or `None` for a free block.
    pub subnet: Option<usize>,
}

impl Row {
    /// Addresses a subnet of this size leaves for use: its size less Azure's five.
    pub fn usable(&self) -> u64 {
        self.cidr.size().saturating_sub(AZURE_RESERVED_PER_SUBNET)
    }
}

/// Why a split or join cannot be made; each message says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubnetEditError {
    /// The plan has no VNet of its own.
    #[error("the plan has no VNet of its own (AKS manages it): add a VNet to split subnets")]
    NoVnet,
    /// No subnet at that index.
    #[error("`vnet.subnets[{0}]` is not a subnet of this plan")]
    NoSuchSubnet(usize),
    /// The subnet's CIDR does not read.
    #[error("`vnet.subnets[{0}].cidr` is not a valid CIDR: fix it before splitting")]
    BadCidr(usize),
    /// The halves would be smaller than Azure allows.
    #[error("{0} cannot be split: its halves would be smaller than /{SMALLEST_SUBNET}, Azure's smallest subnet")]
    TooSmall(Cidr),
    /// The two blocks are not the two halves of one aligned block.
    #[error("{0} and {1} are not the two halves of one block: only adjacent halves join")]
    NotHalves(Cidr, Cidr),
    /// Neither half is a subnet: nothing in the plan to join.
    #[error("{0} and {1} are both free: joining them changes no subnet")]
    BothFree(Cidr, Cidr),
    /// A half that is neither a subnet nor free.
    #[error("{0} is partly used by a subnet: only a whole subnet or a free block joins")]
    PartlyUsed(Cidr),
    /// The upper subnet is needed by name or role elsewhere in the plan.
    #[error("`{name}` cannot be joined into `{into}`: it is {why}; join from its own row or move that first")]
    Referenced {
        /// The subnet that would disappear.
        name: String,
        /// The subnet it would be joined into.
        into: String,
        /// What needs it.
        why: &'static str,
    },
}

/// The two halves of `c`, or `None` for a /32.
pub fn halves(c: Cidr) -> Option<(Cidr, Cidr)> {
    let len = c.prefix_len().checked_add(1).filter(|l| *l <= 32)?;
    let lower = Cidr::from_u32(c.start(), len)?;
    let upper = Cidr::from_u32(c.start() | (1u32 << (32 - u32::from(len))), len)?;
    Some((lower, upper))
}

/// The block `a` and `b` are the lower and upper halves of, if they are.
pub fn parent_of(a: Cidr, b: Cidr) -> Option<Cidr> {
    let parent = a.supernet(a.prefix_len().checked_sub(1)?)?;
    (halves(parent) == Some((a, b))).then_some(parent)
}

/// The free space of `[from, to]` (inclusive) as the fewest aligned CIDRs, in address order.
fn aligned_blocks(mut from: u64, to: u64, out: &mut Vec<Cidr>) {
    while from <= to {
        // The largest block that starts at `from` (alignment) and ends by `to`.
        let align = if from == 0 {
            32
        } else {
            from.trailing_zeros().min(32)
        };
        let mut bits = align;
        while bits > 0 && from + (1u64 << bits) - 1 > to {
            bits -= 1;
        }
        if let Some(c) = Cidr::from_u32(from as u32, (32 - bits) as u8) {
            out.push(c);
        }
        from += 1u64 << bits;
    }
}

/// The free blocks of `within` that none of `taken` touches, as the fewest aligned CIDRs.
pub fn free_blocks(within: Cidr, taken: &[Cidr]) -> Vec<Cidr> {
    let mut used: Vec<(u64, u64)> = taken
        .iter()
        .filter(|t| t.overlaps(within))
        .map(|t| {
            (
                u64::from(t.start().max(within.start())),
                u64::from(t.end().min(within.end())),
            )
        })
        .collect();
    used.sort_unstable();
    let mut out = Vec::new();
    let mut cursor = u64::from(within.start());
    for (s, e) in used {
        if s > cursor {
            aligned_blocks(cursor, s - 1, &mut out);
        }
        cursor = cursor.max(e + 1);
    }
    aligned_blocks(cursor, u64::from(within.end()), &mut out);
    out
}

/// The subnets that read as CIDRs (host bits forgiven: `check` reports them), with their index.
fn parsed_subnets(plan: &Plan) -> Vec<(usize, Cidr)> {
    plan.vnet.as_ref().map_or_else(Vec::new, |v| {
        v.subnets
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((i, Cidr::parse_lenient(&s.cidr)?)))
            .collect()
    })
}

/// The subnet table of the plan's VNet: every subnet that reads and every free block of the
/// address space, in address order (a larger block before the blocks inside it). Free space is
/// cut into the fewest aligned blocks; a free block listed in `cuts` (the blocks the user split,
/// a view choice) is shown as its two halves, recursively. Empty without a VNet of the plan's.
pub fn vnet_rows(plan: &Plan, cuts: &[Cidr]) -> Vec<Row> {
    let Some(vnet) = &plan.vnet else {
        return Vec::new();
    };
    let subnets = parsed_subnets(plan);
    let taken: Vec<Cidr> = subnets.iter().map(|(_, c)| *c).collect();
    let mut spaces: Vec<Cidr> = vnet
        .address_space
        .iter()
        .filter_map(|s| Cidr::parse_lenient(s))
        .collect();
    spaces.sort_unstable();
    spaces.dedup();
    let mut rows: Vec<Row> = subnets
        .iter()
        .map(|&(i, cidr)| Row {
            cidr,
            subnet: Some(i),
        })
        .collect();
    let mut seen: Vec<Cidr> = Vec::new();
    for space in spaces {
        // A prefix inside another one adds no free space of its own.
        if seen.iter().any(|s| s.contains(space)) {
            continue;
        }
        seen.push(space);
        let mut stack = free_blocks(space, &taken);
        stack.reverse();
        while let Some(f) = stack.pop() {
            match halves(f).filter(|_| cuts.contains(&f)) {
                Some((lo, hi)) => {
                    stack.push(hi);
                    stack.push(lo);
                }
                None => rows.push(Row {
                    cidr: f,
                    subnet: None,
                }),
            }
        }
    }
    rows.sort_by_key(|r| {
        (
            r.cidr.start(),
            r.cidr.prefix_len(),
            r.subnet.is_none(),
            r.subnet,
        )
    });
    rows
}

/// A subnet name not yet used in the VNet (case-insensitively, as Azure compares them): `base`
/// with `-2`, `-3`... appended, `base` shortened to keep within Azure's 80 characters.
fn unused_name(subnets: &[Subnet], base: &str) -> String {
    let taken = |n: &str| subnets.iter().any(|s| s.name.eq_ignore_ascii_case(n));
    // Among len + 1 numbers one is always free.
    (2..subnets.len() + 3)
        .map(|k| {
            let suffix = format!("-{k}");
            let mut keep = base.len().min(80 - suffix.len());
            while !base.is_char_boundary(keep) {
                keep -= 1;
            }
            format!("{}{suffix}", &base[..keep])
        })
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_owned())
}

fn subnets_edit(subnets: &[Subnet]) -> Edit {
    Edit {
        path: "vnet.subnets".into(),
        value: serde_json::to_value(subnets).unwrap_or(serde_json::Value::Null),
    }
}

/// Splits `vnet.subnets[index]` in two halves: the lower keeps its name and role, the upper,
/// right after it in the list, is named `<name>-2` (or the next unused number), role `other`.
pub fn split_subnet(plan: &Plan, index: usize) -> Result<Edit, SubnetEditError> {
    let vnet = plan.vnet.as_ref().ok_or(SubnetEditError::NoVnet)?;
    let subnet = vnet
        .subnets
        .get(index)
        .ok_or(SubnetEditError::NoSuchSubnet(index))?;
    let cidr = Cidr::parse(&subnet.cidr).map_err(|_| SubnetEditError::BadCidr(index))?;
    let (lower, upper) = halves(cidr)
        .filter(|(l, _)| l.prefix_len() <= SMALLEST_SUBNET)
        .ok_or(SubnetEditError::TooSmall(cidr))?;
    let mut subnets = vnet.subnets.clone();
    subnets[index].cidr = lower.to_string();
    let name = unused_name(&subnets, &subnet.name);
    subnets.insert(
        index + 1,
        Subnet {
            name,
            cidr: upper.to_string(),
            role: SubnetRole::Other,
        },
    );
    Ok(subnets_edit(&subnets))
}

/// What `cidr` is in the plan: the subnet that is exactly it, free (`None`), or partly used.
fn block_use(plan: &Plan, cidr: Cidr) -> Result<Option<usize>, SubnetEditError> {
    let subnets = parsed_subnets(plan);
    if let Some(&(i, _)) = subnets.iter().find(|(_, c)| *c == cidr) {
        return Ok(Some(i));
    }
    if subnets.iter().any(|(_, c)| c.overlaps(cidr)) {
        return Err(SubnetEditError::PartlyUsed(cidr));
    }
    Ok(None)
}

/// Joins the two halves `lower` and `upper` of one aligned block. Two subnets become the lower
/// one (its name and role) over the whole block, the upper removed: refused when the upper is
/// the node subnet or the API server's (the plan needs it by role or name). A subnet and a free
/// half: the subnet grows over the whole block. Two free halves: nothing in the plan changes
/// ([`SubnetEditError::BothFree`]; the view joins them).
pub fn join_halves(plan: &Plan, lower: Cidr, upper: Cidr) -> Result<Edit, SubnetEditError> {
    let vnet = plan.vnet.as_ref().ok_or(SubnetEditError::NoVnet)?;
    let parent = parent_of(lower, upper).ok_or(SubnetEditError::NotHalves(lower, upper))?;
    match (block_use(plan, lower)?, block_use(plan, upper)?) {
        (None, None) => Err(SubnetEditError::BothFree(lower, upper)),
        (Some(i), None) | (None, Some(i)) => Ok(Edit {
            path: format!("vnet.subnets[{i}].cidr"),
            value: parent.to_string().into(),
        }),
        (Some(i), Some(j)) => {
            let (keep, gone) = (&vnet.subnets[i], &vnet.subnets[j]);
            let why = if gone.role == SubnetRole::Nodes {
                Some("the node subnet")
            } else if plan.api_server_subnet().is_some_and(|(k, _)| k == j) {
                Some("the API server's subnet (apiServer.vnetIntegration.subnet)")
            } else {
                None
            };
            if let Some(why) = why {
                return Err(SubnetEditError::Referenced {
                    name: gone.name.clone(),
                    into: keep.name.clone(),
                    why,
                });
            }
            let mut subnets = vnet.subnets.clone();
            subnets[i].cidr = parent.to_string();
            subnets.remove(j);
            Ok(subnets_edit(&subnets))
        }
    }
}

/// Makes a subnet of the free block `cidr`: named `subnet-2` (or the next unused number), role
/// `other`, added at the end of `vnet.subnets`.
pub fn add_subnet(plan: &Plan, cidr: Cidr) -> Result<Edit, SubnetEditError> {
    let vnet = plan.vnet.as_ref().ok_or(SubnetEditError::NoVnet)?;
    if block_use(plan, cidr)?.is_some() {
        return Err(SubnetEditError::PartlyUsed(cidr));
    }
    let mut subnets = vnet.subnets.clone();
    let name = unused_name(&subnets, "subnet");
    subnets.push(Subnet {
        name,
        cidr: cidr.to_string(),
        role: SubnetRole::Other,
    });
    Ok(subnets_edit(&subnets))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::apply_edit;
    use crate::plan::{ApiServer, VnetIntegration};
    use proptest::prelude::*;

    fn c(s: &str) -> Cidr {
        Cidr::parse(s).unwrap()
    }

    fn rows(plan: &Plan, cuts: &[Cidr]) -> Vec<(String, Option<usize>)> {
        vnet_rows(plan, cuts)
            .iter()
            .map(|r| (r.cidr.to_string(), r.subnet))
            .collect()
    }

    #[test]
    fn the_example_is_its_node_subnet_and_the_free_rest_in_address_order() {
        let p = Plan::example();
        let got = rows(&p, &[]);
        let want = [
            ("10.224.0.0/16", Some(0)),
            ("10.225.0.0/16", None),
            ("10.226.0.0/15", None),
            ("10.228.0.0/14", None),
            ("10.232.0.0/13", None),
        ];
        let want: Vec<_> = want.iter().map(|(a, b)| ((*a).to_owned(), *b)).collect();
        assert_eq!(got, want);
        assert_eq!(vnet_rows(&p, &[])[0].usable(), 65_531);
        // A cut free block shows as its halves, recursively.
        let cut = rows(&p, &[c("10.232.0.0/13"), c("10.232.0.0/14")]);
        assert_eq!(
            cut[4..],
            [
                ("10.232.0.0/15".to_owned(), None),
                ("10.234.0.0/15".to_owned(), None),
                ("10.236.0.0/14".to_owned(), None),
            ]
        );
        let mut managed = p.clone();
        managed.vnet = None;
        assert!(vnet_rows(&managed, &[]).is_empty());
    }

    #[test]
    fn free_blocks_are_the_fewest_aligned_cidrs() {
        let got = free_blocks(c("10.0.0.0/24"), &[c("10.0.0.8/29"), c("10.0.0.64/26")]);
        let got: Vec<String> = got.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "10.0.0.0/29",
                "10.0.0.16/28",
                "10.0.0.32/27",
                "10.0.0.128/25"
            ]
        );
        assert_eq!(free_blocks(c("0.0.0.0/0"), &[]), [c("0.0.0.0/0")]);
        assert!(free_blocks(c("10.0.0.0/8"), &[c("0.0.0.0/0")]).is_empty());
        let top = free_blocks(c("255.255.255.0/24"), &[c("255.255.255.0/25")]);
        assert_eq!(top, [c("255.255.255.128/25")]);
    }

    #[test]
    fn a_split_names_the_upper_half_and_a_join_gives_the_plan_back() {
        let p = Plan::example();
        let edit = split_subnet(&p, 0).unwrap();
        assert_eq!(edit.path, "vnet.subnets");
        let q = apply_edit(&p, &edit).unwrap();
        let subnets = &q.vnet.as_ref().unwrap().subnets;
        assert_eq!(
            (
                subnets[0].name.as_str(),
                subnets[0].cidr.as_str(),
                subnets[0].role
            ),
            ("nodes", "10.224.0.0/17", SubnetRole::Nodes)
        );
        assert_eq!(
            (
                subnets[1].name.as_str(),
                subnets[1].cidr.as_str(),
                subnets[1].role
            ),
            ("nodes-2", "10.224.128.0/17", SubnetRole::Other)
        );
        assert!(crate::check(&q)
            .findings
            .iter()
            .all(|f| f.rule.id() != "invalid-name"));
        // Split again: the next number.
        let r = apply_edit(&q, &split_subnet(&q, 0).unwrap()).unwrap();
        assert_eq!(r.vnet.as_ref().unwrap().subnets[1].name, "nodes-3");
        let back = apply_edit(
            &q,
            &join_halves(&q, c("10.224.0.0/17"), c("10.224.128.0/17")).unwrap(),
        )
        .unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn splits_and_joins_refuse_what_they_cannot_do() {
        let mut p = Plan::example();
        p.vnet.as_mut().unwrap().subnets[0].cidr = "10.224.0.0/29".into();
        assert_eq!(
            split_subnet(&p, 0),
            Err(SubnetEditError::TooSmall(c("10.224.0.0/29")))
        );
        assert_eq!(split_subnet(&p, 3), Err(SubnetEditError::NoSuchSubnet(3)));
        p.vnet.as_mut().unwrap().subnets[0].cidr = "10.224.0.1/16".into();
        assert_eq!(split_subnet(&p, 0), Err(SubnetEditError::BadCidr(0)));
        let p = Plan::example();
        assert!(matches!(
            join_halves(&p, c("10.225.0.0/16"), c("10.226.0.0/16")),
            Err(SubnetEditError::NotHalves(..))
        ));
        assert!(matches!(
            join_halves(&p, c("10.226.0.0/16"), c("10.227.0.0/16")),
            Err(SubnetEditError::BothFree(..))
        ));
        assert!(matches!(
            join_halves(&p, c("10.224.0.0/17"), c("10.224.128.0/17")),
            Err(SubnetEditError::PartlyUsed(..))
        ));
        // The node subnet as the upper half is refused, and says why.
        let mut q = p.clone();
        let v = q.vnet.as_mut().unwrap();
        v.subnets[0].cidr = "10.225.0.0/16".into();
        v.subnets.push(Subnet {
            name: "apps".into(),
            cidr: "10.224.0.0/16".into(),
            role: SubnetRole::Other,
        });
        let e = join_halves(&q, c("10.224.0.0/16"), c("10.225.0.0/16")).unwrap_err();
        assert!(
            e.to_string()
                .contains("`nodes` cannot be joined into `apps`: it is the node subnet"),
            "{e}"
        );
        // The API server's subnet likewise.
        q.vnet.as_mut().unwrap().subnets[0].role = SubnetRole::ApiServer;
        q.vnet.as_mut().unwrap().subnets[0].name = "api".into();
        q.api_server = Some(ApiServer {
            vnet_integration: Some(VnetIntegration {
                subnet: "api".into(),
            }),
            ..ApiServer::default()
        });
        assert!(matches!(
            join_halves(&q, c("10.224.0.0/16"), c("10.225.0.0/16")),
            Err(SubnetEditError::Referenced { .. })
        ));
    }

    #[test]
    fn a_subnet_grows_over_its_free_half_and_a_free_block_becomes_a_subnet() {
        let p = Plan::example();
        let e = join_halves(&p, c("10.224.0.0/16"), c("10.225.0.0/16")).unwrap();
        assert_eq!(e.path, "vnet.subnets[0].cidr");
        assert_eq!(e.value, "10.224.0.0/15");
        let e = add_subnet(&p, c("10.232.0.0/13")).unwrap();
        let q = apply_edit(&p, &e).unwrap();
        let s = &q.vnet.as_ref().unwrap().subnets[1];
        assert_eq!(
            (s.name.as_str(), s.cidr.as_str()),
            ("subnet-2", "10.232.0.0/13")
        );
        assert!(matches!(
            add_subnet(&p, c("10.224.0.0/24")),
            Err(SubnetEditError::PartlyUsed(..))
        ));
    }

    #[test]
    fn generated_names_stay_within_80_characters() {
        let long = "a".repeat(80);
        let s = [Subnet {
            name: long.clone(),
            cidr: "10.0.0.0/24".into(),
            role: SubnetRole::Other,
        }];
        let n = unused_name(&s, &long);
        assert_eq!(n.len(), 80);
        assert!(n.ends_with("-2"));
    }

    proptest! {
        /// Splitting any subnet of a plan and joining its halves back gives the plan back.
        #[test]
        fn split_then_join_is_identity(
            count in 1usize..8,
            pick in 0usize..8,
            prefix in 16u8..=28,
            names in proptest::collection::vec("[a-z][a-z0-9-]{0,10}[a-z0-9]", 8),
            roles in proptest::collection::vec(0u8..3, 8),
        ) {
            let mut p = Plan::example();
            let v = p.vnet.as_mut().unwrap();
            v.address_space = vec!["10.0.0.0/8".into()];
            v.subnets = (0..count)
                .map(|k| Subnet {
                    name: format!("{}{k}", names[k]),
                    cidr: Cidr::from_u32(0x0a00_0000 + ((k as u32) << (32 - u32::from(prefix))), prefix)
                        .unwrap()
                        .to_string(),
                    role: [SubnetRole::Nodes, SubnetRole::ApiServer, SubnetRole::Other][usize::from(roles[k])],
                })
                .collect();
            let i = pick % count;
            let q = apply_edit(&p, &split_subnet(&p, i).unwrap()).unwrap();
            let cidr = Cidr::parse(&p.vnet.as_ref().unwrap().subnets[i].cidr).unwrap();
            let (lo, hi) = halves(cidr).unwrap();
            prop_assert_eq!(q.vnet.as_ref().unwrap().subnets.len(), count + 1);
            let back = apply_edit(&q, &join_halves(&q, lo, hi).unwrap()).unwrap();
            prop_assert_eq!(back, p);
        }
    }
}
