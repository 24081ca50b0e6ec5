//! The address map as a standalone picture: one row per range of the plan (VNet, subnets, pods,
//! services, connected networks, and the reserved ranges that fall where the plan is), grouped
//! by lane, each labelled with its name, CIDR and size, drawn to scale on an axis split into
//! bands, one per address block in use (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16,
//! 100.64.0.0/10, else the range's /8), each band scaled on its own, as the planner's map draws
//! it. Every range has a minimum width and a label in the label column, so every range of the
//! plan is visible and named in the picture whatever its size; ranges in an overlap finding are
//! hatched, outlined and say so.
//!
//! [`layout`] places the shapes once; [`svg`] writes them as SVG (`--format map-svg`, the design
//! document's map, the planner's "Download map (SVG)") and the planner's export worker paints
//! the same shapes on a canvas for the PNG download, so both pictures agree.

use crate::check::{Report, AKS_RESERVED, VNET_FORBIDDEN};
use crate::cidr::Cidr;
use crate::plan::Plan;
use crate::space::Taken;
use crate::text::{grouped, xml};

/// The picture's width.
pub const WIDTH: f64 = 1000.0;
/// Where the label column ends and the bands begin.
const TRACK_X: f64 = 400.0;
/// The bands' total width.
const TRACK_W: f64 = 590.0;
/// The gap between bands.
const BAND_GAP: f64 = 8.0;
/// The height of a range's row.
const ROW_H: f64 = 22.0;
/// The height of a lane's heading.
const LANE_H: f64 = 24.0;
/// The narrowest a range is drawn.
const MIN_W: f64 = 3.0;
/// The longest a name is written in the label column (the whole name is in the range's title).
const NAME_CHARS: usize = 32;
/// Above this many connected networks, adjacent ones are drawn as merged blocks.
const MERGE_ABOVE: usize = 300;

/// The lanes, with their colours (at least 3:1 against white, as graphics need).
const LANES: [(&str, &str); 6] = [
    ("VNet", "#1f5fa8"),
    ("Subnets", "#2e7d32"),
    ("Pods", "#8e24aa"),
    ("Services", "#b45300"),
    ("Connected", "#5d4037"),
    ("Reserved", "#616161"),
];
/// Text colour.
pub const INK: &str = "#1a1a1a";
/// The outline of a range in an overlap.
pub const OVERLAP: &str = "#b00020";
/// A band's background.
pub const BAND: &str = "#f0f2f5";

/// One thing drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A filled rectangle: a band's background or a range.
    Rect {
        /// Left.
        x: f64,
        /// Top.
        y: f64,
        /// Width.
        w: f64,
        /// Height.
        h: f64,
        /// Fill colour (`#rrggbb`).
        fill: &'static str,
        /// In an overlap finding: hatched and outlined.
        overlap: bool,
        /// What a pointer over it says (a range's whole name, range and size); empty for a band.
        title: String,
    },
    /// A line of text (user text unescaped: each writer escapes for its own language).
    Text {
        /// Left (or centre, when `middle`).
        x: f64,
        /// Baseline.
        y: f64,
        /// The text.
        text: String,
        /// Font size in pixels.
        size: u8,
        /// Bold.
        bold: bool,
        /// Centred on `x`.
        middle: bool,
    },
}

/// The map, placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Width in pixels.
    pub width: f64,
    /// Height in pixels.
    pub height: f64,
    /// What it says, for a screen reader (the SVG's `<title>`).
    pub title: String,
    /// The shapes in drawing order.
    pub shapes: Vec<Shape>,
}

/// One drawn range.
struct Item {
    lane: usize,
    name: String,
    cidr: Cidr,
    /// The range as written: the CIDR, or the first and last address of merged networks.
    span: String,
    /// Addresses in it.
    addresses: u64,
    /// The plan field, to mark overlaps.
    field: String,
}

/// The ranges the map draws, as the planner's map lists them.
fn items(plan: &Plan) -> Vec<Item> {
    let mut v = Vec::new();
    let mut push = |lane, name: &str, text: &str, field: String| {
        if let Some(cidr) = Cidr::parse_lenient(text) {
            v.push(Item {
                lane,
                name: name.to_owned(),
                cidr,
                span: cidr.to_string(),
                addresses: cidr.size(),
                field,
            });
        }
    };
    let vnet_name = plan
        .vnet
        .as_ref()
        .map_or("managed VNet", |v| v.name.as_str());
    for (i, s) in plan.vnet_address_space().iter().enumerate() {
        let f = if plan.vnet.is_some() {
            format!("vnet.addressSpace[{i}]")
        } else {
            "vnet".into()
        };
        push(0, vnet_name, s, f);
    }
    match &plan.vnet {
        Some(vn) => {
            for (i, s) in vn.subnets.iter().enumerate() {
                push(1, &s.name, &s.cidr, format!("vnet.subnets[{i}].cidr"));
            }
        }
        None => push(1, "managed nodes", "10.224.0.0/16", "vnet".into()),
    }
    if let Some(p) = &plan.pod_cidr {
        push(2, "pods", p, "podCidr".into());
    }
    push(
        3,
        "services",
        plan.effective_service_cidr(),
        "serviceCidr".into(),
    );
    let merge = plan.connected_networks.len() > MERGE_ABOVE;
    if !merge {
        for (i, n) in plan.connected_networks.iter().enumerate() {
            push(4, &n.name, &n.cidr, format!("connectedNetworks[{i}].cidr"));
        }
    }
    let mut reserved: Vec<&str> = AKS_RESERVED
        .iter()
        .chain(VNET_FORBIDDEN.iter())
        .copied()
        .collect();
    reserved.sort_unstable();
    reserved.dedup();
    for r in reserved {
        push(5, "reserved", r, String::new());
    }
    if merge {
        let taken = Taken::new(
            plan.connected_networks
                .iter()
                .filter_map(|n| Cidr::parse_lenient(&n.cidr)),
        );
        for &(s, e) in taken.intervals() {
            let (a, b) = (s as u32, e as u32);
            let common = (a ^ b).leading_zeros().min(32) as u8;
            if let Some(cidr) = Cidr::from_u32(a, common) {
                v.push(Item {
                    lane: 4,
                    name: "merged networks".to_owned(),
                    cidr,
                    span: format!(
                        "{} - {}",
                        std::net::Ipv4Addr::from(a),
                        std::net::Ipv4Addr::from(b)
                    ),
                    addresses: e - s + 1,
                    field: String::new(),
                });
            }
        }
    }
    v
}

/// The address block a range is drawn in: the private and shared blocks, else its /8 (or the
/// range itself when larger).
fn band_of(c: Cidr) -> Cidr {
    [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
    ]
    .iter()
    .filter_map(|b| Cidr::parse(b).ok())
    .find(|b| b.contains(c))
    .or_else(|| c.supernet(8))
    .unwrap_or(c)
}

/// At most [`NAME_CHARS`] characters of `name`, with `…` when cut.
fn short(name: &str) -> String {
    if name.chars().count() <= NAME_CHARS {
        name.to_owned()
    } else {
        let mut s: String = name.chars().take(NAME_CHARS - 1).collect();
        s.push('…');
        s
    }
}

/// Places the map of `plan` (`report` is its check: ranges in overlap findings are marked).
pub fn layout(plan: &Plan, report: &Report) -> Layout {
    let mut all = items(plan);
    let mut bands: Vec<Cidr> = all
        .iter()
        .filter(|i| i.lane < 5)
        .map(|i| band_of(i.cidr))
        .collect();
    bands.sort_unstable();
    bands.dedup();
    // Reserved ranges only where the plan is.
    all.retain(|i| bands.iter().any(|b| b.overlaps(i.cidr)));
    all.sort_by_key(|i| (i.lane, i.cidr.start()));
    let mut overlapping: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| {
            let id = f.rule.id();
            id.contains("overlap") || id == "reserved-range" || id == "vnet-forbidden-range"
        })
        .flat_map(|f| std::iter::once(f.field.as_str()).chain(f.related.iter().map(String::as_str)))
        .collect();
    overlapping.sort_unstable();
    let overlaps = |field: &str| !field.is_empty() && overlapping.binary_search(&field).is_ok();

    let n = bands.len().max(1) as f64;
    let band_w = (TRACK_W - BAND_GAP * (n - 1.0)) / n;
    let band_x = |k: usize| TRACK_X + k as f64 * (band_w + BAND_GAP);
    let title = format!(
        "Address map of {}: {} ranges in {} address blocks, each to its own scale",
        plan.cluster.name,
        all.len(),
        bands.len()
    );
    let mut shapes = vec![
        Shape::Text {
            x: 8.0,
            y: 24.0,
            text: format!("Address map: {}", short(&plan.cluster.name)),
            size: 16,
            bold: true,
            middle: false,
        },
        Shape::Text {
            x: 8.0,
            y: 44.0,
            text: format!(
                "{} ranges; {} address blocks, each drawn to its own scale",
                grouped(all.len() as u64),
                bands.len()
            ),
            size: 12,
            bold: false,
            middle: false,
        },
    ];
    let top = 56.0;
    // The rows, after the band names and a heading per lane.
    let lanes_used = {
        let mut l: Vec<usize> = all.iter().map(|i| i.lane).collect();
        l.dedup();
        l.len()
    };
    let height = top + 24.0 + lanes_used as f64 * LANE_H + all.len() as f64 * ROW_H + 12.0;
    for (k, b) in bands.iter().enumerate() {
        shapes.push(Shape::Rect {
            x: band_x(k),
            y: top,
            w: band_w,
            h: height - top - 8.0,
            fill: BAND,
            overlap: false,
            title: String::new(),
        });
        shapes.push(Shape::Text {
            x: band_x(k) + band_w / 2.0,
            y: top + 16.0,
            text: b.to_string(),
            size: if band_w < 100.0 { 10 } else { 12 },
            bold: true,
            middle: true,
        });
    }
    let mut y = top + 24.0;
    let mut lane = usize::MAX;
    for it in &all {
        if it.lane != lane {
            lane = it.lane;
            shapes.push(Shape::Text {
                x: 8.0,
                y: y + 17.0,
                text: LANES[lane].0.to_owned(),
                size: 13,
                bold: true,
                middle: false,
            });
            y += LANE_H;
        }
        let bad = overlaps(&it.field);
        let size = grouped(it.addresses);
        shapes.push(Shape::Text {
            x: 16.0,
            y: y + 15.0,
            text: format!(
                "{} {} · {size}{}",
                short(&it.name),
                it.span,
                if bad { " · overlaps" } else { "" }
            ),
            size: 12,
            bold: false,
            middle: false,
        });
        for (k, b) in bands.iter().enumerate() {
            if !b.overlaps(it.cidr) {
                continue;
            }
            let span = b.size() as f64;
            let from = f64::from(it.cidr.start().max(b.start()) - b.start());
            let to = (u64::from(it.cidr.end().min(b.end())) + 1 - u64::from(b.start())) as f64;
            let x = band_x(k) + from / span * band_w;
            let w = ((to - from) / span * band_w).max(MIN_W);
            shapes.push(Shape::Rect {
                x: x.min(band_x(k) + band_w - MIN_W),
                y: y + 4.0,
                w,
                h: ROW_H - 8.0,
                fill: LANES[it.lane].1,
                overlap: bad,
                title: format!(
                    "{}: {} {}, {size} addresses{}",
                    LANES[it.lane].0,
                    it.name,
                    it.span,
                    if bad { ", overlaps" } else { "" }
                ),
            });
        }
        y += ROW_H;
    }
    Layout {
        width: WIDTH,
        height,
        title,
        shapes,
    }
}

/// A coordinate for SVG: one decimal place at most.
fn num(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0")
        .map_or_else(|| s.clone(), str::to_owned)
}

/// The map as a standalone SVG document (no script, no external reference), user text escaped.
pub fn svg(layout: &Layout) -> String {
    let (w, h) = (num(layout.width), num(layout.height));
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         role=\"img\" aria-labelledby=\"map-title\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif\">\n\
         <title id=\"map-title\">{}</title>\n\
         <defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
         <rect width=\"6\" height=\"6\" fill=\"{OVERLAP}\"/><rect width=\"3\" height=\"6\" fill=\"#ffffff\"/></pattern></defs>\n\
         <rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n",
        xml(&layout.title)
    );
    for s in &layout.shapes {
        match s {
            Shape::Rect {
                x,
                y,
                w,
                h,
                fill,
                overlap,
                title,
            } => {
                let (x, y, w, h) = (num(*x), num(*y), num(*w), num(*h));
                let paint = if *overlap {
                    format!("fill=\"url(#hatch)\" stroke=\"{OVERLAP}\" stroke-width=\"1.5\"")
                } else {
                    format!("fill=\"{fill}\"")
                };
                if title.is_empty() {
                    out += &format!(
                        "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" {paint}/>\n"
                    );
                } else {
                    out += &format!(
                        "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" {paint}><title>{}</title></rect>\n",
                        xml(title)
                    );
                }
            }
            Shape::Text {
                x,
                y,
                text,
                size,
                bold,
                middle,
            } => {
                out +=
                    &format!(
                    "<text x=\"{}\" y=\"{}\" font-size=\"{size}\" fill=\"{INK}\"{}{}>{}</text>\n",
                    num(*x),
                    num(*y),
                    if *bold { " font-weight=\"bold\"" } else { "" },
                    if *middle { " text-anchor=\"middle\"" } else { "" },
                    xml(text)
                );
            }
        }
    }
    out += "</svg>\n";
    out
}

/// The map of `plan` as SVG.
pub fn map_svg(plan: &Plan, report: &Report) -> String {
    svg(&layout(plan, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(l: &Layout) -> Vec<&str> {
        l.shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Text { text, .. } => Some(text.as_str()),
                Shape::Rect { .. } => None,
            })
            .collect()
    }

    #[test]
    fn every_range_of_the_plan_is_drawn_and_labelled() {
        let plan = Plan::example();
        let l = layout(&plan, &crate::check(&plan));
        let texts = texts(&l);
        for r in super::super::ranges::rows(&plan) {
            assert!(
                texts.iter().any(|t| t.contains(&r.cidr)),
                "{} unlabelled in {texts:?}",
                r.cidr
            );
        }
        // The connected 192.168.0.0/16 gets its own band beside 10.0.0.0/8.
        assert!(texts.contains(&"192.168.0.0/16"), "{texts:?}");
        assert!(texts.contains(&"10.0.0.0/8"), "{texts:?}");
        // Every range is at least MIN_W wide.
        assert!(l.shapes.iter().all(|s| match s {
            Shape::Rect { w, .. } => *w >= MIN_W,
            Shape::Text { .. } => true,
        }));
    }

    #[test]
    fn overlaps_are_marked_and_hostile_names_escaped() {
        let mut plan = Plan::example();
        plan.service_cidr = plan.pod_cidr.clone();
        plan.connected_networks[0].name = "</text><script>alert(1)</script>\u{202e}".into();
        let svg = map_svg(&plan, &crate::check(&plan));
        assert!(svg.contains("url(#hatch)"), "{svg}");
        assert!(svg.contains("· overlaps"), "{svg}");
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;/text&gt;&lt;script&gt;"), "{svg}");
        assert!(!svg.contains('\u{202e}'));
    }

    #[test]
    fn many_connected_networks_are_merged_into_blocks() {
        let mut plan = Plan::example();
        plan.connected_networks = (0..400)
            .map(|i| crate::plan::ConnectedNetwork {
                name: format!("n{i}"),
                cidr: format!("172.16.{}.0/24", i % 256),
            })
            .collect();
        let l = layout(&plan, &crate::check(&plan));
        let texts = texts(&l);
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("merged networks 172.16.0.0 - 172.16.255.255")),
            "{texts:?}"
        );
    }
}
