//! Address-space indexes that keep checks and suggestions O(n log n) in the number of connected
//! networks (100,000 and more).
//!
//! * [`CidrIndex`] answers "which of these ranges overlap this one?" in O(33 log n + k): CIDRs
//!   are laminar (two are either disjoint or nested), so the ranges overlapping `r` are the ones
//!   whose start lies inside `r` (a binary search over the sorted starts) plus `r`'s supernets
//!   (at most 32 more binary searches). One sorted vector, no hash map: building it is one sort.
//! * [`Taken`] is a sorted union of taken intervals with a first-fit search for a free, aligned
//!   block of a given size.

use crate::cidr::Cidr;

/// An index over labelled CIDRs for overlap queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrIndex<T> {
    /// Sorted by (start, prefix length).
    sorted: Vec<(Cidr, T)>,
}

impl<T: Ord> CidrIndex<T> {
    /// Builds the index; O(n log n). A [`Cidr`] orders by (start, prefix length), so the
    /// entries sort by range and, for one range given twice, by label: in the order given when
    /// the labels are positions, as every caller's are. With the `fast-index` feature one
    /// unstable sort of plain pairs (a third faster than a stable sort by a computed key, at
    /// 100,000 networks); without it (the planner's page, for size) the stable sort by range,
    /// which gives the same order.
    pub fn new(items: impl IntoIterator<Item = (Cidr, T)>) -> Self {
        let mut sorted: Vec<(Cidr, T)> = items.into_iter().collect();
        #[cfg(feature = "fast-index")]
        sorted.sort_unstable();
        #[cfg(not(feature = "fast-index"))]
        sorted.sort_by_key(|(c, _)| (c.start(), c.prefix_len()));
        CidrIndex { sorted }
    }
}

impl<T> CidrIndex<T> {
    /// How many ranges the index holds.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// All indexed ranges, sorted by start.
    pub fn iter(&self) -> impl Iterator<Item = &(Cidr, T)> {
        self.sorted.iter()
    }

    /// Every indexed range that overlaps `r`, each once, sorted by start.
    pub fn overlapping(&self, r: Cidr) -> Vec<&(Cidr, T)> {
        let mut out: Vec<&(Cidr, T)> = Vec::new();
        // Strict supernets of r (start before r, or same start and shorter prefix).
        for p in 0..r.prefix_len() {
            let sup = r.supernet(p).expect("p < prefix length");
            out.extend(self.equal_to(sup));
        }
        // Everything starting inside r: r itself and its subnets (and nothing else, by laminarity).
        let lo = self
            .sorted
            .partition_point(|(c, _)| (c.start(), c.prefix_len()) < (r.start(), r.prefix_len()));
        let hi = self.sorted.partition_point(|(c, _)| c.start() <= r.end());
        out.extend(self.sorted[lo..hi].iter());
        out.sort_by_key(|(c, _)| (c.start(), c.prefix_len()));
        out
    }

    /// The indexed entries equal to `c` (a contiguous run of the sorted vector).
    fn equal_to(&self, c: Cidr) -> &[(Cidr, T)] {
        let key = (c.start(), c.prefix_len());
        let lo = self
            .sorted
            .partition_point(|(x, _)| (x.start(), x.prefix_len()) < key);
        let hi =
            lo + self.sorted[lo..].partition_point(|(x, _)| (x.start(), x.prefix_len()) <= key);
        &self.sorted[lo..hi]
    }

    /// Whether any indexed range overlaps `r`.
    pub fn any_overlap(&self, r: Cidr) -> bool {
        (0..r.prefix_len()).any(|p| {
            !self
                .equal_to(r.supernet(p).expect("p < prefix length"))
                .is_empty()
        }) || {
            let lo = self.sorted.partition_point(|(c, _)| c.start() < r.start());
            self.sorted
                .get(lo)
                .is_some_and(|(c, _)| c.start() <= r.end())
        }
    }
}

/// A set of taken addresses as sorted, merged, inclusive intervals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taken {
    /// Disjoint, non-adjacent, sorted `(start, end)` pairs, inclusive, as u64 so that the end
    /// of the address space needs no special case.
    intervals: Vec<(u64, u64)>,
}

impl Taken {
    /// Builds the set from ranges; O(n log n).
    pub fn new(ranges: impl IntoIterator<Item = Cidr>) -> Self {
        let mut iv: Vec<(u64, u64)> = ranges
            .into_iter()
            .map(|c| (u64::from(c.start()), u64::from(c.end())))
            .collect();
        iv.sort_unstable();
        Self::merged(iv)
    }

    /// Builds the set from ranges sorted by their first address (a [`CidrIndex`]'s order): with
    /// the `fast-index` feature one merging pass, no sort (ranges out of that order are sorted
    /// first); without it, [`Taken::new`].
    #[cfg(not(feature = "fast-index"))]
    pub fn from_sorted(ranges: impl IntoIterator<Item = Cidr>) -> Self {
        Self::new(ranges)
    }

    /// Builds the set from ranges sorted by their first address (a [`CidrIndex`]'s order): with
    /// the `fast-index` feature one merging pass, no sort (ranges out of that order are sorted
    /// first); without it, [`Taken::new`].
    #[cfg(feature = "fast-index")]
    pub fn from_sorted(ranges: impl IntoIterator<Item = Cidr>) -> Self {
        let mut iv: Vec<(u64, u64)> = ranges
            .into_iter()
            .map(|c| (u64::from(c.start()), u64::from(c.end())))
            .collect();
        if !iv.is_sorted_by_key(|&(s, _)| s) {
            iv.sort_unstable();
        }
        Self::merged(iv)
    }

    /// Intervals sorted by start, merged where they overlap or touch.
    fn merged(iv: Vec<(u64, u64)>) -> Self {
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(iv.len());
        for (s, e) in iv {
            match merged.last_mut() {
                Some(last) if s <= last.1 + 1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        Taken { intervals: merged }
    }

    /// Adds one range: a binary search and one splice, O(log n + k) plus the memmove.
    pub fn insert(&mut self, c: Cidr) {
        let (mut s, mut e) = (u64::from(c.start()), u64::from(c.end()));
        // First interval that ends at or after s - 1 (touching counts, to keep them merged).
        let lo = self.intervals.partition_point(|&(_, end)| end + 1 < s);
        // First interval that starts after e + 1.
        let hi = self.intervals.partition_point(|&(start, _)| start <= e + 1);
        if lo < hi {
            s = s.min(self.intervals[lo].0);
            e = e.max(self.intervals[hi - 1].1);
        }
        self.intervals.splice(lo..hi, std::iter::once((s, e)));
    }

    /// The merged intervals, inclusive.
    pub fn intervals(&self) -> &[(u64, u64)] {
        &self.intervals
    }

    /// Whether any address of `c` is taken.
    pub fn overlaps(&self, c: Cidr) -> bool {
        let (s, e) = (u64::from(c.start()), u64::from(c.end()));
        let i = self.intervals.partition_point(|&(_, end)| end < s);
        self.intervals.get(i).is_some_and(|&(start, _)| start <= e)
    }

    /// The lowest free block of `prefix_len` inside `within`, aligned to its size; O(log n + k).
    pub fn first_free(&self, within: Cidr, prefix_len: u8) -> Option<Cidr> {
        if prefix_len < within.prefix_len() || prefix_len > 32 {
            return None;
        }
        let size = 1u64 << (32 - u32::from(prefix_len));
        let (lo, hi) = (u64::from(within.start()), u64::from(within.end()));
        let mut cursor = lo;
        let mut i = self.intervals.partition_point(|&(_, end)| end < cursor);
        loop {
            let cand = cursor.div_ceil(size) * size;
            if cand + size - 1 > hi {
                return None;
            }
            match self.intervals.get(i) {
                Some(&(s, e)) if s < cand + size => {
                    if e >= cand {
                        cursor = e + 1;
                    }
                    i += 1;
                }
                _ => return Cidr::from_u32(cand as u32, prefix_len),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index's one sort relies on a [`Cidr`] ordering by (start, prefix length), a range
    /// given twice keeping its positions' order, and `Taken::from_sorted` agreeing with `new`.
    #[test]
    fn the_index_sorts_by_start_then_prefix_then_position() {
        let nets = [
            "10.1.0.0/16",
            "10.0.0.0/8",
            "10.1.0.0/24",
            "9.0.0.0/8",
            "10.1.0.0/16",
        ];
        let idx = CidrIndex::new(nets.iter().enumerate().map(|(i, n)| (c(n), i)));
        let order: Vec<usize> = idx.iter().map(|&(_, i)| i).collect();
        assert_eq!(order, [3, 1, 0, 4, 2]);
        let from_sorted = Taken::from_sorted(idx.iter().map(|&(x, _)| x));
        assert_eq!(from_sorted, Taken::new(nets.iter().map(|n| c(n))));
        // Out of order, it sorts first.
        assert_eq!(
            Taken::from_sorted(nets.iter().map(|n| c(n))),
            Taken::new(nets.iter().map(|n| c(n)))
        );
    }

    fn c(s: &str) -> Cidr {
        Cidr::parse(s).unwrap()
    }

    #[test]
    fn overlapping_finds_supernets_subnets_and_equals() {
        let idx = CidrIndex::new(
            [
                "10.0.0.0/8",
                "10.1.0.0/16",
                "10.1.2.0/24",
                "10.2.0.0/16",
                "192.168.0.0/16",
                "10.1.0.0/16",
            ]
            .iter()
            .enumerate()
            .map(|(i, s)| (c(s), i)),
        );
        let got: Vec<usize> = idx
            .overlapping(c("10.1.0.0/16"))
            .iter()
            .map(|(_, i)| *i)
            .collect();
        assert_eq!(got, vec![0, 1, 5, 2]);
        assert!(idx.overlapping(c("11.0.0.0/8")).is_empty());
        assert!(idx.any_overlap(c("10.2.3.0/24")));
        assert!(!idx.any_overlap(c("172.16.0.0/12")));
        assert_eq!(idx.overlapping(c("0.0.0.0/0")).len(), 6);
    }

    #[test]
    fn first_free_skips_taken_and_aligns() {
        let t = Taken::new([c("10.0.0.0/16"), c("10.1.0.0/24"), c("10.2.0.0/15")]);
        assert_eq!(t.first_free(c("10.0.0.0/8"), 16), Some(c("10.4.0.0/16")));
        assert_eq!(t.first_free(c("10.0.0.0/8"), 24), Some(c("10.1.1.0/24")));
        assert_eq!(t.first_free(c("10.0.0.0/15"), 15), None);
        assert!(t.overlaps(c("10.3.255.0/24")));
        assert!(!t.overlaps(c("10.1.1.0/24")));
        let full = Taken::new([c("0.0.0.0/0")]);
        assert_eq!(full.first_free(c("0.0.0.0/0"), 32), None);
        assert_eq!(
            Taken::default().first_free(c("0.0.0.0/0"), 0),
            Some(c("0.0.0.0/0"))
        );
    }

    #[test]
    fn insert_merges_like_new() {
        let parts = [
            "10.0.0.0/24",
            "10.0.2.0/24",
            "10.0.1.0/24",
            "9.0.0.0/8",
            "10.0.4.0/22",
            "10.0.0.0/16",
        ];
        let mut t = Taken::default();
        for (i, p) in parts.iter().enumerate() {
            t.insert(c(p));
            assert_eq!(t, Taken::new(parts[..=i].iter().map(|p| c(p))), "after {p}");
        }
    }
}
