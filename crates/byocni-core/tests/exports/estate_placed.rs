//! Issue 13: an estate's new cluster on a VNet that is not a new one of its own group and
//! region — a new subnet of the existing hub (`on-hub`), a new VNet in another resource group
//! and region (`other-group`), one new VNet shared by two new clusters (`shared`) — exported as
//! Terraform, ARM, Bicep, bash and PowerShell: every IaC file held to its references (azurerm and
//! `terraform fmt`; deploymentTemplate and NRP, Bicep mirroring ARM), the existing VNet
//! never declared as a resource, each VNet created by exactly one file; snapshots.

use byocni_core::estate::Estate;
use byocni_core::render::estate::{render_estate, EstateFile, NETWORK_TF_FILE};
use byocni_core::render::{Format, RenderOptions};
use serde_json::{json, Value};

use crate::references::terraform_problems;
use crate::terraform_fmt::{fmt_diff, terraform};
use crate::workspace_root;

/// The blue/green fixture with blue moved, by name (as `tests/src/lib.rs`'s
/// `foreign_vnet_estates`).
pub(crate) fn foreign_vnet_estates() -> Vec<(&'static str, Value)> {
    let base: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("tests/fixtures/estate-bluegreen.json"))
            .unwrap(),
    )
    .unwrap();
    let mut on_hub = base.clone();
    on_hub["vnets"][0]["subnets"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "name": "blue-nodes", "cidr": "10.0.2.0/23", "role": "nodes" }));
    on_hub["clusters"][1]["nodeSubnet"] = json!("hub/blue-nodes");
    let mut other = base.clone();
    other["vnets"][2]["resourceGroup"] = json!("net-blue-rg");
    other["vnets"][2]["location"] = json!("northeurope");
    let mut shared = base;
    shared["vnets"][2]["subnets"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "name": "teal-nodes", "cidr": "10.224.16.0/20", "role": "nodes" }));
    let mut teal = shared["clusters"][1].clone();
    teal["name"] = json!("teal");
    teal["dnsPrefix"] = json!("teal");
    teal["nodeSubnet"] = json!("aks-blue/teal-nodes");
    teal["podCidr"] = json!("10.101.0.0/16");
    shared["clusters"].as_array_mut().unwrap().push(teal);
    vec![
        ("on-hub", on_hub),
        ("other-group", other),
        ("shared", shared),
    ]
}

pub(crate) fn export(estate: &Value, format: Format) -> Vec<EstateFile> {
    let estate = Estate::from_json(&estate.to_string()).unwrap();
    render_estate(&estate, format, None, RenderOptions::default()).unwrap()
}

fn text<'a>(files: &'a [EstateFile], name: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .text
}

#[test]
fn a_cluster_on_a_vnet_not_its_own_exports_as_terraform() {
    let terraform = terraform();
    let mut all = Vec::new();
    for (name, estate) in foreign_vnet_estates() {
        let files = export(&estate, Format::Terraform);
        for f in &files {
            let problems = terraform_problems(&f.text);
            assert!(
                problems.is_empty(),
                "{name} {}: {problems:#?}\n{}",
                f.name,
                f.text
            );
            if let Some(t) = &terraform {
                assert_eq!(fmt_diff(t, &f.text), None, "{name} {}", f.name);
            }
            insta::assert_snapshot!(format!("{name}.{}", f.name), f.text);
        }
        all.push((name, files));
    }
    let vnet = |v: &str| {
        format!("resource \"azurerm_virtual_network\" \"this\" {{\n  name                = \"{v}\"")
    };
    // on-hub: the hub is read, blue's subnet created in net-rg; aks-blue (no cluster on it now)
    // is the network's, with its subnet.
    let files = &all[0].1;
    let blue = text(files, "blue.tf");
    assert!(
        !blue.contains("resource \"azurerm_virtual_network\""),
        "{blue}"
    );
    assert!(blue.contains("data \"azurerm_virtual_network\" \"this\" {\n  name                = \"hub\"\n  resource_group_name = \"net-rg\"\n}"), "{blue}");
    assert!(blue.contains("resource \"azurerm_subnet\" \"blue_nodes_1\" {\n  name                 = \"blue-nodes\"\n  resource_group_name  = data.azurerm_virtual_network.this.resource_group_name\n"), "{blue}");
    assert!(
        !blue.contains("GatewaySubnet\"\n"),
        "the hub's other subnets are not managed\n{blue}"
    );
    assert!(
        blue.contains("assumed there and not managed here"),
        "{blue}"
    );
    let net = text(files, NETWORK_TF_FILE);
    assert!(net.contains("name                = \"aks-blue\""), "{net}");
    assert!(
        !net.contains("resource \"azurerm_resource_group\""),
        "blue-rg is blue's\n{net}"
    );
    // other-group: the network creates net-blue-rg and aks-blue in northeurope with its subnet;
    // blue reads it and names its node subnet by id.
    let files = &all[1].1;
    let blue = text(files, "blue.tf");
    assert!(
        !blue.contains("resource \"azurerm_virtual_network\""),
        "{blue}"
    );
    assert!(!blue.contains("resource \"azurerm_subnet\""), "{blue}");
    assert!(
        blue.contains("vnet_subnet_id = \"${data.azurerm_virtual_network.this.id}/subnets/nodes\""),
        "{blue}"
    );
    assert!(
        blue.contains("created by the shared network's file"),
        "{blue}"
    );
    let net = text(files, NETWORK_TF_FILE);
    assert!(
        net.contains("name     = \"net-blue-rg\"\n  location = \"northeurope\""),
        "{net}"
    );
    assert!(
        net.contains("resource \"azurerm_subnet\" \"vnet_2_subnet_0\""),
        "{net}"
    );
    assert!(
        net.contains("Apply it before the files of the clusters on VNet(s) aks-blue"),
        "{net}"
    );
    // shared: blue (first in file order, in the VNet's group) creates aks-blue with both
    // subnets; teal reads them.
    let files = &all[2].1;
    let blue = text(files, "blue.tf");
    let teal = text(files, "teal.tf");
    assert!(blue.contains(&vnet("aks-blue")), "{blue}");
    assert_eq!(
        blue.matches("resource \"azurerm_subnet\"").count(),
        2,
        "{blue}"
    );
    assert!(
        !teal.contains("resource \"azurerm_virtual_network\""),
        "{teal}"
    );
    assert!(!teal.contains("resource \"azurerm_subnet\""), "{teal}");
    assert!(teal.contains("created by cluster blue's file"), "{teal}");
    assert!(
        teal.contains("\"${data.azurerm_virtual_network.this.id}/subnets/teal-nodes\""),
        "{teal}"
    );
    assert!(!text(files, NETWORK_TF_FILE).contains("resource \"azurerm_virtual_network\""));
    // teal shares blue's group, which blue's file creates: teal's reads it.
    assert!(
        teal.contains("data \"azurerm_resource_group\" \"this\" {\n  name = \"blue-rg\"\n}"),
        "{teal}"
    );
    assert!(
        !teal.contains("resource \"azurerm_resource_group\""),
        "{teal}"
    );
    assert!(!teal.contains(" azurerm_resource_group.this."), "{teal}");
    assert!(
        teal.contains("resource_group_name = data.azurerm_resource_group.this.name"),
        "{teal}"
    );
    assert!(
        blue.contains("resource \"azurerm_resource_group\" \"this\""),
        "{blue}"
    );
}

/// The 3-cluster mesh shares one resource group: the first cluster's file creates it, the
/// others read it (Terraform refuses to create it twice).
#[test]
fn clusters_sharing_a_group_create_it_once_in_terraform() {
    let e: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("tests/fixtures/estate-mesh3.json"))
            .unwrap(),
    )
    .unwrap();
    let files = export(&e, Format::Terraform);
    let made: Vec<&str> = files
        .iter()
        .filter(|f| {
            f.text
                .contains("resource \"azurerm_resource_group\" \"this\"")
        })
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(made, ["mesh-a.tf"]);
    let terraform = terraform();
    for f in &files {
        assert!(terraform_problems(&f.text).is_empty(), "{}", f.text);
        if let Some(t) = &terraform {
            assert_eq!(fmt_diff(t, &f.text), None, "{}", f.name);
        }
    }
    assert!(text(&files, "mesh-b.tf").contains("data \"azurerm_resource_group\" \"this\""));
}

/// The blue/green fixture with the existing hub in blue's own resource group and blue on a new
/// subnet of it.
fn hub_in_blues_group() -> Value {
    let mut e = foreign_vnet_estates().remove(0).1;
    e["vnets"][0]["resourceGroup"] = json!("blue-rg");
    e
}

/// Each ARM template validates against the references (a nested deployment's inner template
/// too); each Bicep file creates the same resources with the same properties, in the same
/// order, a nested deployment's as the cluster's `<cluster>.vnet.bicep` module does.
fn check_templates(name: &str, arm: &[EstateFile], bicep: &[EstateFile]) {
    use crate::references::{arm_problems, bicep_resources, tree};
    let same = |x: &[Value], b: &EstateFile| {
        let made: Vec<Value> = bicep_resources(&b.text)
            .into_iter()
            .filter(|r| r.get("existing").is_none())
            .collect();
        assert_eq!(made.len(), x.len(), "{name} {}\n{}", b.name, b.text);
        for (x, y) in x.iter().zip(&made) {
            for field in ["type", "apiVersion", "properties"] {
                assert_eq!(
                    tree(&x[field]),
                    tree(&y[field]),
                    "{name} {} {field}",
                    b.name
                );
            }
        }
        insta::assert_snapshot!(format!("{name}.{}", b.name), b.text);
    };
    let mut modules = 0;
    for a in arm {
        if a.name == byocni_core::render::estate::NETWORK_DEPLOY_FILE {
            continue;
        }
        let template: Value = serde_json::from_str(&a.text).unwrap();
        let problems = arm_problems(&template);
        assert!(
            problems.is_empty(),
            "{name} {}: {problems:#?}\n{}",
            a.name,
            a.text
        );
        let bicep_name = a.name.replace(".json", ".bicep");
        let b = bicep.iter().find(|f| f.name == bicep_name).unwrap();
        let (nested, top): (Vec<Value>, Vec<Value>) = template["resources"]
            .as_array()
            .unwrap()
            .iter()
            .cloned()
            .partition(|r| r["type"] == "Microsoft.Resources/deployments");
        same(&top, b);
        for d in nested {
            let module = a.name.replace(".json", ".vnet.bicep");
            let m = bicep
                .iter()
                .find(|f| f.name == module)
                .unwrap_or_else(|| panic!("{name}: no {module}"));
            assert!(
                b.text.contains(&format!("module vnetSide '{module}' = {{")),
                "{}",
                b.text
            );
            same(
                d["properties"]["template"]["resources"].as_array().unwrap(),
                m,
            );
            modules += 1;
        }
        insta::assert_snapshot!(format!("{name}.{}", a.name), a.text);
    }
    assert_eq!(arm.len() + modules, bicep.len(), "{name}");
}

#[test]
fn a_cluster_on_a_vnet_not_its_own_exports_as_arm_and_bicep() {
    // The hub in blue's group: no VNet resource, blue's subnet a child resource of the hub.
    let e = hub_in_blues_group();
    let (arm, bicep) = (export(&e, Format::Arm), export(&e, Format::Bicep));
    check_templates("hub-in-blues-group", &arm, &bicep);
    let blue: Value = serde_json::from_str(text(&arm, "blue.json")).unwrap();
    let types: Vec<&str> = blue["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert!(
        !types.contains(&"Microsoft.Network/virtualNetworks"),
        "{types:?}"
    );
    let subnet = &blue["resources"][0];
    assert_eq!(subnet["type"], "Microsoft.Network/virtualNetworks/subnets");
    assert_eq!(subnet["name"], "[format('{0}/{1}', 'hub', 'blue-nodes')]");
    assert_eq!(subnet["properties"]["addressPrefix"], "10.0.2.0/23");
    let role = &blue["resources"][2];
    assert_eq!(
        role["dependsOn"][1],
        "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'hub', 'blue-nodes')]",
        "{role}"
    );
    let b = text(&bicep, "blue.bicep");
    assert!(b.contains("resource vnet 'Microsoft.Network/virtualNetworks@2025-07-01' existing = {\n  name: 'hub'\n}"), "{b}");
    assert!(b.contains("resource nodeSubnet 'Microsoft.Network/virtualNetworks/subnets@2025-07-01' = {\n  parent: vnet\n  name: 'blue-nodes'\n"), "{b}");
    // shared: blue's template creates aks-blue with both subnets, teal's reads it.
    let e = foreign_vnet_estates().remove(2).1;
    let (arm, bicep) = (export(&e, Format::Arm), export(&e, Format::Bicep));
    check_templates("shared", &arm, &bicep);
    let teal = text(&arm, "teal.json");
    assert!(
        !teal.contains("\"Microsoft.Network/virtualNetworks\""),
        "{teal}"
    );
    assert!(
        !teal.contains("\"Microsoft.Network/virtualNetworks/subnets\""),
        "{teal}"
    );
    assert!(teal.contains("created by cluster blue's file"), "{teal}");
    assert!(text(&arm, "blue.json").contains("\"Microsoft.Network/virtualNetworks\""));

    // on-hub: a nested deployment in net-rg makes blue's subnet of the hub and the role on it.
    let e = foreign_vnet_estates().remove(0).1;
    let (arm, bicep) = (export(&e, Format::Arm), export(&e, Format::Bicep));
    check_templates("on-hub", &arm, &bicep);
    let blue: Value = serde_json::from_str(text(&arm, "blue.json")).unwrap();
    let d = blue["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Resources/deployments")
        .expect("a nested deployment");
    assert_eq!(d["resourceGroup"], "net-rg");
    let inner: Vec<&str> = d["properties"]["template"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        inner,
        [
            "Microsoft.Network/virtualNetworks/subnets",
            "Microsoft.Authorization/roleAssignments"
        ]
    );
    assert!(!text(&arm, "blue.json").contains("\"Microsoft.Network/virtualNetworks\""));
    assert!(text(&arm, "blue.json").contains(
        "\"vnetSubnetID\": \"[resourceId('net-rg', 'Microsoft.Network/virtualNetworks/subnets', 'hub', 'blue-nodes')]\""
    ));
    let m = text(&bicep, "blue.vnet.bicep");
    assert!(m.contains("param principalId string"), "{m}");
    assert!(text(&bicep, "blue.bicep").contains("  scope: resourceGroup('net-rg')\n"));

    // other-group: the network's template makes aks-blue; blue's nested deployment only the role.
    let e = foreign_vnet_estates().remove(1).1;
    let (arm, bicep) = (export(&e, Format::Arm), export(&e, Format::Bicep));
    check_templates("other-group", &arm, &bicep);
    assert!(text(&arm, "network.net-blue-rg.vnets.json").contains("\"aks-blue\""));
    let blue = text(&arm, "blue.json");
    assert!(
        blue.contains("created by the shared network's file"),
        "{blue}"
    );
    assert!(
        !blue.contains("\"Microsoft.Network/virtualNetworks/subnets\""),
        "{blue}"
    );
}

/// blue's new VNet in blue's group but in northeurope: blue's files create it there.
#[test]
fn a_cluster_creates_its_vnet_of_its_group_in_the_vnets_region() {
    let mut e = foreign_vnet_estates().remove(1).1;
    e["vnets"][2]["resourceGroup"] = json!("blue-rg");
    let tf = export(&e, Format::Terraform);
    let blue = text(&tf, "blue.tf");
    assert!(terraform_problems(blue).is_empty(), "{blue}");
    if let Some(t) = terraform() {
        assert_eq!(fmt_diff(&t, blue), None);
    }
    assert!(
        blue.contains("resource \"azurerm_virtual_network\" \"this\" {\n  name                = \"aks-blue\"\n  location            = \"northeurope\"\n"),
        "{blue}"
    );
    assert!(!text(&tf, NETWORK_TF_FILE).contains("resource \"azurerm_virtual_network\""));
    let (arm, bicep) = (export(&e, Format::Arm), export(&e, Format::Bicep));
    check_templates("vnet-region", &arm, &bicep);
    let t: Value = serde_json::from_str(text(&arm, "blue.json")).unwrap();
    let vnet = t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.Network/virtualNetworks")
        .unwrap();
    assert_eq!(vnet["location"], "northeurope");
    assert!(text(&bicep, "blue.bicep").contains("  name: 'aks-blue'\n  location: 'northeurope'\n"));
}

/// The bash and PowerShell files of each estate (the cluster files with their placed, guarded
/// steps, and the network's), as snapshots; every guarded lookup of bash has its PowerShell
/// twin.
#[test]
fn a_cluster_on_a_vnet_not_its_own_exports_as_scripts() {
    for (name, estate) in foreign_vnet_estates() {
        let sh = export(&estate, Format::Bash);
        let ps = export(&estate, Format::Powershell);
        assert_eq!(sh.len(), ps.len(), "{name}");
        for (b, p) in sh.iter().zip(&ps) {
            assert_eq!(
                b.text.matches("|| BYOCNI_RC=$?").count(),
                p.text.matches("$BYOCNI_RC = $LASTEXITCODE").count(),
                "{name} {}",
                p.name
            );
            insta::assert_snapshot!(format!("{name}.{}", b.name), b.text);
            insta::assert_snapshot!(format!("{name}.{}", p.name), p.text);
        }
    }
}
