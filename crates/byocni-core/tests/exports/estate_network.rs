//! Issue 13: the shared network of an estate in Terraform (`network.tf`) — the new VNets no
//! cluster file creates, every peering with a new VNet on one side both ways, and the other
//! VNets read by `data "azurerm_virtual_network"` — held to the azurerm reference, to
//! `terraform fmt`, and to hostile names staying inside string literals; snapshots of the
//! estate fixtures. The same network as ARM and Bicep, one template per resource group and
//! kind, each resource held to the ARM references and each Bicep file mirroring its ARM one.

use byocni_core::estate::Estate;
use byocni_core::render::estate::{
    render_estate, EstateFile, NETWORK_DEPLOY_FILE, NETWORK_TF_FILE,
};
use byocni_core::render::{Format, RenderOptions};
use serde_json::{json, Value};

use crate::injection::{arm_template_shape, code_skeleton, HOSTILE};
use crate::references::{arm_problems, bicep_resources, terraform_problems, tree};
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

/// The network files of an ARM or Bicep export (the templates and `network.deploy.sh`).
fn network_templates(estate: &Value, format: Format, force: bool) -> Vec<EstateFile> {
    let estate = Estate::from_json(&estate.to_string()).unwrap();
    render_estate(&estate, format, None, RenderOptions { force })
        .unwrap()
        .into_iter()
        .filter(|f| f.name.starts_with("network."))
        .collect()
}

/// Every ARM template of the network validates against deploymentTemplate 2019-04-01 and
/// Microsoft.Network.NRP 2025-07-01 (VNets, peerings); each Bicep file creates the same
/// resources with the same properties; the deploy script names each template once, VNets before
/// peerings; both ways of each peering land in their local VNet's group.
#[test]
fn estate_network_templates_match_the_arm_references() {
    for (name, estate) in estates() {
        let arm = network_templates(&estate, Format::Arm, false);
        let bicep = network_templates(&estate, Format::Bicep, false);
        assert_eq!(arm.len(), bicep.len(), "{name}");
        let deploy = arm.iter().find(|f| f.name == NETWORK_DEPLOY_FILE).unwrap();
        assert!(deploy.executable);
        let bicep_deploy = bicep
            .iter()
            .find(|f| f.name == NETWORK_DEPLOY_FILE)
            .unwrap();
        assert_eq!(
            bicep_deploy
                .text
                .replace(".bicep", ".json")
                .replace("Bicep", "ARM"),
            deploy.text,
            "{name}"
        );
        let mut last_vnets = 0;
        let mut first_peerings = usize::MAX;
        for (a, b) in arm
            .iter()
            .zip(&bicep)
            .filter(|(a, _)| a.name != NETWORK_DEPLOY_FILE)
        {
            assert_eq!(a.name.replace(".json", ".bicep"), b.name, "{name}");
            let at = deploy
                .text
                .find(&format!("--template-file {} ", a.name))
                .unwrap_or_else(|| panic!("{name}: {} not deployed\n{}", a.name, deploy.text));
            if a.name.ends_with(".vnets.json") {
                last_vnets = last_vnets.max(at);
            } else {
                first_peerings = first_peerings.min(at);
            }
            let template: Value = serde_json::from_str(&a.text).unwrap();
            let problems = arm_problems(&template);
            assert!(
                problems.is_empty(),
                "{name} {}: {problems:#?}\n{}",
                a.name,
                a.text
            );
            let made: Vec<Value> = bicep_resources(&b.text)
                .into_iter()
                .filter(|r| r.get("existing").is_none())
                .collect();
            let resources = template["resources"].as_array().unwrap();
            assert_eq!(made.len(), resources.len(), "{name} {}", b.name);
            for (x, y) in resources.iter().zip(&made) {
                for field in ["type", "apiVersion", "properties"] {
                    assert_eq!(
                        tree(&x[field]),
                        tree(&y[field]),
                        "{name} {} {field}",
                        b.name
                    );
                }
            }
            insta::assert_snapshot!(format!("{name}.{}", a.name), a.text);
            insta::assert_snapshot!(format!("{name}.{}", b.name), b.text);
        }
        assert!(
            last_vnets < first_peerings,
            "{name}: VNets first\n{}",
            deploy.text
        );
        insta::assert_snapshot!(format!("{name}.{NETWORK_DEPLOY_FILE}"), deploy.text);
    }
    // The spoke estate: its group created and tagged, its VNet with its subnet in spoke-rg's
    // file; hub-blue and hub-spoke, spoke-blue both ways: two peerings in each of the three
    // groups, each in the file of its local VNet's group.
    let arm = network_templates(&with_spoke("spoke", "apps", "spoke-rg"), Format::Arm, false);
    let names: Vec<&str> = arm.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "network.spoke-rg.vnets.json",
            "network.spoke-rg.peerings.json",
            "network.net-rg.peerings.json",
            "network.blue-rg.peerings.json",
            NETWORK_DEPLOY_FILE
        ]
    );
    let vnets: Value = serde_json::from_str(&arm[0].text).unwrap();
    assert_eq!(
        vnets["resources"][0]["tags"]["byocni-plan"],
        "estate.contoso-prod"
    );
    assert_eq!(
        vnets["resources"][0]["properties"]["subnets"][0]["name"],
        "apps"
    );
    for f in &arm[1..4] {
        let t: Value = serde_json::from_str(&f.text).unwrap();
        assert_eq!(t["resources"].as_array().unwrap().len(), 2, "{}", f.text);
    }
    assert!(arm[4].text.contains(
        "az group create --name spoke-rg --location westeurope --tags 'byocni=managed' 'byocni-plan=estate.contoso-prod' --output json"
    ));
    assert!(arm[2].text.contains(
        "\"id\": \"[resourceId('spoke-rg', 'Microsoft.Network/virtualNetworks', 'spoke')]\""
    ));
    let bicep = network_templates(
        &with_spoke("spoke", "apps", "spoke-rg"),
        Format::Bicep,
        false,
    );
    assert!(
        bicep[2]
            .text
            .contains("  name: 'spoke'\n  scope: resourceGroup('spoke-rg')\n"),
        "{}",
        bicep[2].text
    );
}

#[test]
fn a_drifted_network_template_is_caught() {
    let arm = network_templates(&with_spoke("spoke", "apps", "spoke-rg"), Format::Arm, false);
    let mut t: Value = serde_json::from_str(&arm[1].text).unwrap();
    t["resources"][0]["properties"]["remoteVirtualNetworkId"] = json!("x");
    assert!(!arm_problems(&t).is_empty());
}

#[test]
fn estate_network_templates_keep_hostile_names_inside_string_literals() {
    for format in [Format::Arm, Format::Bicep] {
        let good = network_templates(&with_spoke("spoke", "apps", "spoke-rg"), format, true);
        for h in HOSTILE {
            let bad = network_templates(
                &with_spoke(h, &format!("{h}s"), &format!("{h}g")),
                format,
                true,
            );
            assert_eq!(good.len(), bad.len(), "{h:?}");
            for (g, b) in good.iter().zip(&bad) {
                let (x, y) = if g.name == NETWORK_DEPLOY_FILE {
                    (
                        format!("{:?}", shell_shape(&g.text)),
                        format!("{:?}", shell_shape(&b.text)),
                    )
                } else if format == Format::Arm {
                    let t = |f: &EstateFile| {
                        arm_template_shape(&serde_json::from_str(&f.text).unwrap())
                    };
                    (t(g), t(b))
                } else {
                    (code_skeleton(&g.text, false), code_skeleton(&b.text, false))
                };
                assert_eq!(x, y, "{h:?} {}\n{}", b.name, b.text);
            }
        }
    }
}

/// The shape of a bash script: each command line's words, `az` and flags (`--name`) kept, values
/// made `v`
/// (shlex reads them as bash does); comments dropped.
fn shell_shape(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            shlex::split(l)
                .unwrap_or_else(|| panic!("unbalanced quotes: {l}"))
                .into_iter()
                .map(|w| {
                    if w == "az"
                        || w.strip_prefix("--").is_some_and(|f| {
                            !f.is_empty() && f.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                        })
                    {
                        w
                    } else {
                        "v".into()
                    }
                })
                .collect()
        })
        .collect()
}
