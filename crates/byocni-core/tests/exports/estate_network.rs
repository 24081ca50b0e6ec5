//! Issue 13: the shared network of an estate in Terraform (`network.tf`) — the new VNets no
//! cluster file creates, every peering with a new VNet on one side both ways, and the other
//! VNets read by `data "azurerm_virtual_network"` — held to the azurerm reference, to
//! `terraform fmt`, and to hostile names staying inside string literals; snapshots of the
//! estate fixtures.

use byocni_core::estate::Estate;
use byocni_core::render::estate::{render_estate, NETWORK_TF_FILE};
use byocni_core::render::{Format, RenderOptions};
use serde_json::{json, Value};

use crate::injection::{code_skeleton, HOSTILE};
use crate::references::terraform_problems;
use crate::terraform_fmt::{fmt_diff, terraform};
use crate::workspace_root;

fn fixture(name: &str) -> Value {
    let path = workspace_root().join(format!("tests/fixtures/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The blue/green fixture with a new spoke VNet (its own group, a subnet) peered with the hub
/// and with blue's VNet: the network then creates a group, a VNet and a subnet.
fn with_spoke(vnet: &str, subnet: &str, group: &str) -> Value {
    let mut e = fixture("estate-bluegreen");
    e["vnets"].as_array_mut().unwrap().push(json!({
        "name": vnet, "resourceGroup": group, "location": "westeurope",
        "addressSpace": ["10.30.0.0/16"],
        "subnets": [{ "name": subnet, "cidr": "10.30.0.0/24" }]
    }));
    let peerings = e["peerings"].as_array_mut().unwrap();
    peerings.push(json!({ "between": ["hub", vnet] }));
    peerings.push(json!({ "between": [vnet, "aks-blue"] }));
    e
}

fn network_tf(estate: &Value, force: bool) -> String {
    let estate = Estate::from_json(&estate.to_string()).unwrap();
    render_estate(&estate, Format::Terraform, None, RenderOptions { force })
        .unwrap()
        .into_iter()
        .find(|f| f.name == NETWORK_TF_FILE)
        .expect("network.tf written")
        .text
}

fn estates() -> Vec<(&'static str, Value)> {
    vec![
        ("estate-bluegreen", fixture("estate-bluegreen")),
        ("estate-mesh3", fixture("estate-mesh3")),
        (
            "estate-bluegreen-spoke",
            with_spoke("spoke", "apps", "spoke-rg"),
        ),
    ]
}

#[test]
fn estate_network_tf_matches_azurerm_and_terraform_fmt() {
    let terraform = terraform();
    for (name, estate) in estates() {
        let text = network_tf(&estate, false);
        let problems = terraform_problems(&text);
        assert!(problems.is_empty(), "{name}: {problems:#?}\n{text}");
        if let Some(t) = &terraform {
            assert_eq!(fmt_diff(t, &text), None, "{name}");
        }
        insta::assert_snapshot!(format!("{name}.network-tf"), text);
    }
    // What the spoke estate holds: the group and VNet tagged as apply tags them, the subnet,
    // existing and cluster-made VNets read, four peerings both ways.
    let text = network_tf(&with_spoke("spoke", "apps", "spoke-rg"), false);
    assert_eq!(
        text.matches("\"byocni-plan\" = \"estate.contoso-prod\"")
            .count(),
        2
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.trim().starts_with("byocni ") && l.ends_with("= \"managed\""))
            .count(),
        2,
        "{text}"
    );
    assert!(text.contains("resource \"azurerm_subnet\" \"vnet_3_subnet_0\""));
    assert_eq!(text.matches("data \"azurerm_virtual_network\"").count(), 2);
    assert_eq!(
        text.matches("resource \"azurerm_virtual_network_peering\"")
            .count(),
        6
    );
    assert!(!text.contains("aks-green"), "both existing: already peered");
}

#[test]
fn a_data_source_argument_azurerm_lacks_is_caught() {
    let text = network_tf(&fixture("estate-bluegreen"), false);
    assert!(terraform_problems(&text).is_empty());
    let unknown = text.replacen(
        "  resource_group_name = \"net-rg\"\n",
        "  resource_group_name = \"net-rg\"\n  location = \"westeurope\"\n",
        1,
    );
    let p = terraform_problems(&unknown);
    assert!(
        p.iter().any(|p| p.contains("location: not an argument")),
        "{p:#?}"
    );
    let missing = text.replacen("  resource_group_name = \"net-rg\"\n", "", 1);
    let p = terraform_problems(&missing);
    assert!(
        p.iter()
            .any(|p| p.contains("required argument resource_group_name missing")),
        "{p:#?}"
    );
    let other = text.replacen(
        "data \"azurerm_virtual_network\"",
        "data \"azurerm_subnet\"",
        1,
    );
    let p = terraform_problems(&other);
    assert!(
        p.iter().any(|p| p.contains("azurerm_subnet: not one")),
        "{p:#?}"
    );
}

#[test]
fn estate_network_tf_keeps_hostile_names_inside_string_literals() {
    let good = network_tf(&with_spoke("spoke", "apps", "spoke-rg"), true);
    for h in HOSTILE {
        let bad = network_tf(&with_spoke(h, &format!("{h}s"), &format!("{h}g")), true);
        assert_eq!(
            code_skeleton(&bad, true),
            code_skeleton(&good, true),
            "{h:?}\n{bad}"
        );
    }
}
