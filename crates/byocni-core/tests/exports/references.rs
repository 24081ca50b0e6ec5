//! The exports against the official references in `../shared/iac-refs/` (see its SOURCES.md):
//! every fixture and a sample of generated plans, in every format.
//!
//! - ARM: each resource validates against its type's schema at the API version it names
//!   (`jsonschema`, draft-04, every `$ref` resolved from the held files), and has no property
//!   the schema lacks. The schemas leave `additionalProperties` open, so a misspelt property
//!   passes plain validation: [`unknown_fields`] walks the instance beside the schema (following
//!   `$ref`, `allOf`, and the `oneOf`/`anyOf` branches of the instance's JSON type) and names
//!   every key no schema declares. The template's envelope validates against
//!   `deploymentTemplate.json` with its `resource` union (every provider, not held) opened.
//! - Bicep: no compiler here, so its resources are parsed (a reader of the Bicep this project
//!   writes: objects, arrays, strings, numbers, booleans and expressions) and must mirror the ARM
//!   template resource by resource, type, API version and property tree; they then go through
//!   the same ARM schema checks.
//! - Terraform: every argument and block, at its nesting, exists in the azurerm argument lists
//!   of both v4.0.0 and v4.81.0 (the export asks for `~> 4.0`), as an argument or a block as
//!   written, with a value from the docs' list where they give one (`terraform fmt -check` is
//!   `terraform_fmt.rs`, in this same test binary).
//! - Cilium values: valid against the chart's `values.schema.json` (draft-07), and every key path
//!   is in the key tree of the chart's `values.yaml`.
//! - Calico: the `Installation` validates against the CRD's `openAPIV3Schema`, with no field the
//!   schema lacks (unless under `x-kubernetes-preserve-unknown-fields`).
//!
//! A negative test per reference proves each check catches a drifted export.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use byocni_core::cni_values::{CALICO_VERSION, CILIUM_CHART_VERSION};
use byocni_core::render::{Format, AKS_API_VERSION, AKS_PREVIEW_API_VERSION};
use byocni_core::Plan;
use serde_json::{json, Value};

use crate::{fixtures, forced, forced_terraform, gen, workspace_root};

// ----------------------------------------------------------------------------------- the files

/// `../shared/iac-refs` beside the workspace (or `$BYOCNI_IAC_REFS`); a clear failure if absent.
fn refs_dir() -> PathBuf {
    let dir = std::env::var_os("BYOCNI_IAC_REFS").map_or_else(
        || workspace_root().join("../shared/iac-refs"),
        PathBuf::from,
    );
    assert!(
        dir.join("SOURCES.md").is_file(),
        "the official IaC references are missing: expected {} (with SOURCES.md; set \
         BYOCNI_IAC_REFS to another copy). The reference-validation test cannot run without them.",
        dir.display()
    );
    dir
}

/// A JSON reference file, gunzipped when it ends in `.gz`.
fn read_json(rel: &str) -> Value {
    let path = refs_dir().join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = if path.extension().is_some_and(|x| x == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut s)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        s
    } else {
        String::from_utf8(bytes).unwrap()
    };
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ------------------------------------------------------------------------- schema documents

const ARM_PREFIX: &str = "https://schema.management.azure.com/schemas/";

/// Schema documents by URI (no fragment), loaded on first use: ARM files under `arm/`.
#[derive(Default)]
struct Docs(Mutex<BTreeMap<String, Arc<Value>>>);

impl Docs {
    fn get(&self, uri: &str) -> Arc<Value> {
        let mut docs = self.0.lock().unwrap();
        if let Some(d) = docs.get(uri) {
            return d.clone();
        }
        let rel = uri
            .strip_prefix(ARM_PREFIX)
            .unwrap_or_else(|| panic!("a $ref outside the held ARM schemas: {uri}"));
        let mut doc = read_json(&format!("arm/{rel}.gz"));
        if rel == "2019-04-01/deploymentTemplate.json" {
            // Its `resource` is a union over every provider's schemas, which are not held:
            // the envelope is validated with it open, each resource on its own.
            doc["definitions"]["resource"] = json!({});
        }
        let doc = Arc::new(doc);
        docs.insert(uri.to_owned(), doc.clone());
        doc
    }
}

fn docs() -> &'static Docs {
    static DOCS: OnceLock<Docs> = OnceLock::new();
    DOCS.get_or_init(Docs::default)
}

/// Hands `jsonschema` the held ARM files for their `https://schema.management.azure.com` URIs.
struct HeldArm;

impl jsonschema::Retrieve for HeldArm {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let uri = uri.as_str();
        let base = uri.split('#').next().unwrap_or(uri);
        if base.starts_with(ARM_PREFIX) {
            Ok((*docs().get(base)).clone())
        } else {
            Err(format!("not held: {uri}").into())
        }
    }
}

/// A draft-04 validator of ARM schema `schema`, its refs read from the held files.
fn arm_validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .with_retriever(HeldArm)
        .build(schema)
        .unwrap_or_else(|e| panic!("ARM schema does not compile: {e}"))
}

/// The errors of `validator` on `instance`, one line each.
fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

// ----------------------------------------------------------------------- unknown properties

/// Resolves `$ref` against `base` (the URI of the document the schema is in).
fn resolve(reference: &str, base: &str, local: &Value) -> (Value, String) {
    let (doc_uri, pointer) = reference.split_once('#').unwrap_or((reference, ""));
    let (doc, doc_uri) = if doc_uri.is_empty() {
        (local.clone(), base.to_owned())
    } else {
        ((*docs().get(doc_uri)).clone(), doc_uri.to_owned())
    };
    let target = doc
        .pointer(pointer)
        .unwrap_or_else(|| panic!("unresolved $ref {reference} in {base}"))
        .clone();
    (target, doc_uri)
}

/// Whether `schema`'s `type` admits `instance` (an absent type admits anything).
fn type_admits(schema: &Value, instance: &Value) -> bool {
    let kind = match instance {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let ok = |t: &Value| t == kind || (kind == "integer" && t == "number");
    match schema.get("type") {
        None => true,
        Some(Value::Array(ts)) => ts.iter().any(ok),
        Some(t) => ok(t),
    }
}

/// A schema and the document it lives in (for its local `$ref`s).
#[derive(Clone)]
struct Located {
    schema: Value,
    base: String,
    doc: Arc<Value>,
}

/// The schemas that apply to `instance` at once: `schema` itself, its `$ref` target, every
/// `allOf` member, and the `oneOf`/`anyOf` branches whose type admits the instance.
fn applicable(s: &Located, instance: &Value, out: &mut Vec<Located>) {
    if let Some(Value::String(r)) = s.schema.get("$ref") {
        let (schema, base) = resolve(r, &s.base, &s.doc);
        let doc = if base == s.base {
            s.doc.clone()
        } else {
            docs().get(&base)
        };
        applicable(&Located { schema, base, doc }, instance, out);
        return;
    }
    out.push(s.clone());
    if let Some(Value::Array(all)) = s.schema.get("allOf") {
        for m in all {
            applicable(
                &Located {
                    schema: m.clone(),
                    ..s.clone()
                },
                instance,
                out,
            );
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = s.schema.get(key) {
            for b in branches {
                let mut inner = Vec::new();
                applicable(
                    &Located {
                        schema: b.clone(),
                        ..s.clone()
                    },
                    instance,
                    &mut inner,
                );
                if inner.iter().all(|l| type_admits(&l.schema, instance)) {
                    out.extend(inner);
                }
            }
        }
    }
}

/// Every key path of `instance` that none of the schemas applying there declares, unless a
/// schema there leaves the object open (`additionalProperties` a schema or `true` with no
/// `properties`, no `properties` at all, or `x-kubernetes-preserve-unknown-fields`).
fn unknown_fields(s: &Located, instance: &Value, path: &str, found: &mut Vec<String>) {
    let mut here = Vec::new();
    applicable(s, instance, &mut here);
    match instance {
        Value::Object(map) => {
            let declares = here.iter().any(|l| l.schema.get("properties").is_some());
            let preserve = here.iter().any(|l| {
                l.schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true))
            });
            let additional: Vec<Located> = here
                .iter()
                .filter_map(|l| match l.schema.get("additionalProperties") {
                    Some(a @ Value::Object(_)) => Some(Located {
                        schema: a.clone(),
                        ..l.clone()
                    }),
                    _ => None,
                })
                .collect();
            for (k, v) in map {
                let sub = format!("{path}.{k}");
                let declared: Vec<Located> = here
                    .iter()
                    .filter_map(|l| {
                        l.schema
                            .get("properties")
                            .and_then(|p| p.get(k))
                            .map(|schema| Located {
                                schema: schema.clone(),
                                ..l.clone()
                            })
                    })
                    .collect();
                if !declared.is_empty() {
                    for d in &declared {
                        unknown_fields(d, v, &sub, found);
                    }
                } else if !additional.is_empty() {
                    for a in &additional {
                        unknown_fields(a, v, &sub, found);
                    }
                } else if declares && !preserve {
                    found.push(sub);
                }
            }
        }
        Value::Array(items) => {
            for l in &here {
                if let Some(item) = l.schema.get("items") {
                    for (i, v) in items.iter().enumerate() {
                        let item = Located {
                            schema: item.clone(),
                            ..l.clone()
                        };
                        unknown_fields(&item, v, &format!("{path}[{i}]"), found);
                    }
                }
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------- ARM

/// The catalog pointer of `(type, apiVersion)`, refusing pairs whose file is not held.
fn arm_definition(kind: &str, api: &str) -> String {
    let catalog = read_json("arm/catalog.json");
    let pointer = catalog["types"][kind][api]
        .as_str()
        .unwrap_or_else(|| panic!("{kind}@{api}: not an official apiVersion of the type"));
    let file = pointer.split('#').next().unwrap();
    assert!(
        catalog["stored"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == file),
        "{kind}@{api}: official, but its schema ({file}) is not held in iac-refs/arm"
    );
    format!("{ARM_PREFIX}{pointer}")
}

/// Every problem of one ARM resource: schema errors and unknown properties.
///
/// A cluster without kube-proxy (`cni.kubeProxy: false`) uses the preview API version
/// [`AKS_PREVIEW_API_VERSION`]: `networkProfile.kubeProxyConfig` exists only in preview API
/// versions (2022-08-02-preview and later; Microsoft Learn, "Configure kube-proxy in AKS
/// (preview)", learn.microsoft.com/azure/aks/configure-kube-proxy, documents
/// `{"enabled": false}`), and no GA schema has it. The catalog lists that version as official for
/// managedClusters but its schema is not held in `iac-refs/arm`, so such a resource is held to
/// the GA [`AKS_API_VERSION`] schema (a preview adds to the GA surface) plus exactly the
/// documented property: `kubeProxyConfig` must be `{"enabled": false}` and nothing else.
fn arm_resource_problems(resource: &Value) -> Vec<String> {
    static VALIDATORS: OnceLock<Mutex<BTreeMap<String, Arc<jsonschema::Validator>>>> =
        OnceLock::new();
    if resource["type"] == "Microsoft.Resources/deployments" {
        return nested_deployment_problems(resource);
    }
    if resource["type"] == "Microsoft.ContainerService/managedClusters"
        && resource["apiVersion"] == AKS_PREVIEW_API_VERSION
    {
        let catalog = read_json("arm/catalog.json");
        assert!(
            catalog["types"]["Microsoft.ContainerService/managedClusters"][AKS_PREVIEW_API_VERSION]
                .is_string(),
            "{AKS_PREVIEW_API_VERSION} is not an official managedClusters API version"
        );
        let mut ga = resource.clone();
        ga["apiVersion"] = json!(AKS_API_VERSION);
        let mut problems = Vec::new();
        match ga["properties"]["networkProfile"]
            .as_object_mut()
            .and_then(|n| n.remove("kubeProxyConfig"))
        {
            Some(k) if k == json!({ "enabled": false }) => {}
            Some(k) => problems.push(format!(
                "managedClusters@{AKS_PREVIEW_API_VERSION}: kubeProxyConfig is {k}, not the documented {{\"enabled\": false}}"
            )),
            None => problems.push(format!(
                "managedClusters@{AKS_PREVIEW_API_VERSION} without networkProfile.kubeProxyConfig: the preview is used for nothing"
            )),
        }
        problems.extend(arm_resource_problems(&ga));
        return problems;
    }
    let kind = resource["type"].as_str().unwrap_or_default();
    let api = resource["apiVersion"].as_str().unwrap_or_default();
    let definition = arm_definition(kind, api);
    let schema = json!({ "allOf": [
        { "$ref": format!("{ARM_PREFIX}2019-04-01/deploymentTemplate.json#/definitions/resourceBase") },
        { "$ref": definition },
    ]});
    let validator = VALIDATORS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap()
        .entry(definition.clone())
        .or_insert_with(|| Arc::new(arm_validator(&schema)))
        .clone();
    let at = format!("{kind}@{api}");
    let mut problems: Vec<String> = errors(&validator, resource)
        .into_iter()
        .map(|e| format!("{at}: {e}"))
        .collect();
    let mut unknown = Vec::new();
    let root = Located {
        schema,
        base: "urn:byocni:arm-resource".into(),
        doc: Arc::new(Value::Null),
    };
    unknown_fields(&root, resource, "", &mut unknown);
    problems.extend(
        unknown
            .into_iter()
            .map(|u| format!("{at}: unknown property {u}")),
    );
    problems
}

/// Every problem of a nested deployment (an estate cluster's side of a VNet in another resource
/// group). `../shared/iac-refs/arm/` holds no Microsoft.Resources schema, so its envelope is
/// held to the shape Microsoft Learn documents for `Microsoft.Resources/deployments`
/// (learn.microsoft.com/azure/templates/microsoft.resources/deployments, and "Deploy Azure
/// resources to more than one subscription or resource group": `resourceGroup` at the top,
/// `properties.mode`, `expressionEvaluationOptions.scope` `inner` with the values passed as
/// `parameters`) and an API version it lists; its inner template is held to the references as
/// any template is.
fn nested_deployment_problems(resource: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let api = resource["apiVersion"].as_str().unwrap_or_default();
    // Versions the page lists (the newest GA ones).
    if ![
        "2022-09-01",
        "2023-07-01",
        "2024-03-01",
        "2024-07-01",
        "2025-04-01",
    ]
    .contains(&api)
    {
        problems.push(format!("deployments@{api}: not a documented API version"));
    }
    let allowed_top = [
        "type",
        "apiVersion",
        "name",
        "resourceGroup",
        "subscriptionId",
        "location",
        "dependsOn",
        "properties",
    ];
    for k in resource.as_object().into_iter().flatten().map(|(k, _)| k) {
        if !allowed_top.contains(&k.as_str()) {
            problems.push(format!("deployments: unknown property {k}"));
        }
    }
    let props = &resource["properties"];
    for k in props.as_object().into_iter().flatten().map(|(k, _)| k) {
        if ![
            "mode",
            "expressionEvaluationOptions",
            "parameters",
            "template",
        ]
        .contains(&k.as_str())
        {
            problems.push(format!("deployments: unknown property properties.{k}"));
        }
    }
    if !["Incremental", "Complete"].contains(&props["mode"].as_str().unwrap_or_default()) {
        problems.push("deployments: properties.mode is not Incremental or Complete".into());
    }
    if props["expressionEvaluationOptions"] != json!({ "scope": "inner" }) {
        problems.push("deployments: expressionEvaluationOptions.scope is not inner".into());
    }
    // Every value passed is a declared parameter of the inner template, and back.
    let passed: Vec<&String> = props["parameters"]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    let declared: Vec<&String> = props["template"]["parameters"]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    if passed != declared {
        problems.push(format!(
            "deployments: parameters passed {passed:?}, declared {declared:?}"
        ));
    }
    problems.extend(
        arm_problems(&props["template"])
            .into_iter()
            .map(|p| format!("deployments template: {p}")),
    );
    problems
}

/// Every problem of an ARM template: the envelope, then each resource.
pub(crate) fn arm_problems(template: &Value) -> Vec<String> {
    static ENVELOPE: OnceLock<jsonschema::Validator> = OnceLock::new();
    let envelope = ENVELOPE.get_or_init(|| {
        arm_validator(
            &json!({ "$ref": format!("{ARM_PREFIX}2019-04-01/deploymentTemplate.json#") }),
        )
    });
    let mut problems: Vec<String> = errors(envelope, template)
        .into_iter()
        .map(|e| format!("template: {e}"))
        .collect();
    for r in template["resources"].as_array().into_iter().flatten() {
        problems.extend(arm_resource_problems(r));
    }
    problems
}

// -------------------------------------------------------------------------------------- Bicep

/// A reader of the Bicep this project writes: `resource sym 'type@api' [existing] = { ... }`
/// with objects, arrays, strings, numbers, booleans and expressions (kept as `[expr]`, as ARM
/// writes them). Returns each resource as an ARM-like object (`type`, `apiVersion`, `existing`,
/// and its body's keys).
pub(crate) fn bicep_resources(text: &str) -> Vec<Value> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with('@'))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        i += 1;
        let Some(rest) = l.strip_prefix("resource ") else {
            continue;
        };
        let (_, rest) = rest.split_once(' ').unwrap();
        let (type_api, rest) = rest
            .strip_prefix('\'')
            .and_then(|r| r.split_once('\''))
            .unwrap_or_else(|| panic!("Bicep: resource without a 'type@api': {l}"));
        let (kind, api) = type_api.split_once('@').unwrap();
        assert!(rest.trim_end().ends_with("= {"), "Bicep: {l}");
        let mut body = bicep_object(&lines, &mut i);
        body["type"] = json!(kind);
        body["apiVersion"] = json!(api);
        if rest.contains("existing") {
            body["existing"] = json!(true);
        }
        out.push(body);
    }
    out
}

/// The object whose `{` ended the previous line, up to its `}`.
fn bicep_object(lines: &[&str], i: &mut usize) -> Value {
    let mut map = serde_json::Map::new();
    while *i < lines.len() {
        let l = lines[*i];
        *i += 1;
        if l == "}" {
            return Value::Object(map);
        }
        let (key, value) = l
            .split_once(": ")
            .unwrap_or_else(|| panic!("Bicep: expected `key: value`, found {l}"));
        let key = bicep_key(key);
        let value = bicep_value(value, lines, i);
        map.insert(key, value);
    }
    panic!("Bicep: unclosed object");
}

fn bicep_key(k: &str) -> String {
    if k.starts_with('\'') {
        // An interpolated key (`'${identity.id}'`): ARM writes it as an expression.
        format!("[{}]", k.trim_matches('\''))
    } else {
        k.to_owned()
    }
}

/// The array whose `[` ended the previous line, up to its `]`.
fn bicep_array(lines: &[&str], i: &mut usize) -> Value {
    let mut items = Vec::new();
    while *i < lines.len() {
        let l = lines[*i];
        *i += 1;
        if l == "]" {
            return Value::Array(items);
        }
        items.push(bicep_value(l, lines, i));
    }
    panic!("Bicep: unclosed array");
}

fn bicep_value(v: &str, lines: &[&str], i: &mut usize) -> Value {
    match v {
        "{" => bicep_object(lines, i),
        "[" => bicep_array(lines, i),
        "{}" => json!({}),
        "true" => json!(true),
        "false" => json!(false),
        v if v.starts_with('\'') && v.ends_with('\'') && v.len() >= 2 => {
            Value::String(bicep_string(&v[1..v.len() - 1]))
        }
        v if v.parse::<i64>().is_ok() => json!(v.parse::<i64>().unwrap()),
        v => Value::String(format!("[{v}]")),
    }
}

/// A Bicep string literal's contents, unescaped.
fn bicep_string(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hex: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
            }
            Some(c) => out.push(c),
            None => {}
        }
    }
    out
}

/// The key tree of a value, with literal strings, numbers and booleans (expressions as `expr`).
pub(crate) fn tree(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let k = if k.starts_with('[') {
                        "[expr]".into()
                    } else {
                        k.clone()
                    };
                    (k, tree(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(tree).collect()),
        Value::String(s) if s.starts_with('[') && !s.starts_with("[[") => json!("expr"),
        other => other.clone(),
    }
}

/// Bicep mirrors ARM: the same resources (Bicep's `existing` references aside), each with the
/// same type, API version, and property tree with the same literal values. Top-level keys that
/// only one language has (ARM's `type`/`apiVersion`/`dependsOn` are Bicep's header and implicit
/// or `dependsOn` list; Bicep's `parent`/`scope` symbols are ARM's name and scope expressions)
/// are left to each language.
fn bicep_mirror_problems(arm: &Value, bicep: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let b: Vec<Value> = bicep_resources(bicep)
        .into_iter()
        .filter(|r| r.get("existing").is_none())
        .collect();
    let a = arm["resources"].as_array().cloned().unwrap_or_default();
    let key = |r: &Value| {
        format!(
            "{}@{}",
            r["type"].as_str().unwrap(),
            r["apiVersion"].as_str().unwrap()
        )
    };
    let ak: Vec<String> = a.iter().map(key).collect();
    let bk: Vec<String> = b.iter().map(key).collect();
    if ak != bk {
        problems.push(format!("resources differ: ARM {ak:?}, Bicep {bk:?}"));
        return problems;
    }
    for (ar, br) in a.iter().zip(&b) {
        for field in ["name", "location", "identity", "properties"] {
            let (x, y) = (tree(&ar[field]), tree(&br[field]));
            if x != y {
                problems.push(format!(
                    "{}: `{field}` differs:\n  ARM   {x}\n  Bicep {y}",
                    key(ar)
                ));
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------------- Terraform

/// The azurerm argument lists held: v4.0.0 and v4.81.0.
fn azurerm() -> &'static [Value; 2] {
    static A: OnceLock<[Value; 2]> = OnceLock::new();
    A.get_or_init(|| {
        [
            read_json("terraform/azurerm-v4.0.0.json"),
            read_json("terraform/azurerm-v4.81.0.json"),
        ]
    })
}

/// One Terraform item as the export writes it: an attribute or a block, with its path.
#[derive(Debug)]
struct TfItem {
    /// `resource.<type>`, `provider`, `terraform`.
    owner: String,
    /// Enclosing blocks inside the owner, outermost first.
    blocks: Vec<String>,
    name: String,
    is_block: bool,
    /// A quoted literal value, decoded, when it is one.
    literal: Option<String>,
    line: usize,
    /// Which top-level block it is in (counted from 0).
    top: usize,
}

/// Reads the export's HCL line by line (it writes one item a line, `terraform fmt` style).
fn terraform_items(text: &str) -> Vec<TfItem> {
    let mut items = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut owner = String::new();
    let mut skip_depth = 0usize;
    let mut top = 0usize;
    for (n, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with("//") {
            continue;
        }
        if skip_depth > 0 {
            skip_depth += l.matches('{').count();
            skip_depth -= l.matches('}').count();
            continue;
        }
        if l == "}" {
            stack.pop();
            continue;
        }
        if stack.is_empty() {
            let header = l.trim_end_matches('{').trim();
            let header = header.strip_suffix("{}").unwrap_or(header).trim();
            owner = if let Some(rest) = header.strip_prefix("resource ") {
                format!("resource.{}", rest.split('"').nth(1).unwrap())
            } else if let Some(rest) = header.strip_prefix("data ") {
                format!("data.{}", rest.split('"').nth(1).unwrap())
            } else {
                header.split(' ').next().unwrap().to_owned()
            };
            if l.ends_with('{') {
                stack.push(owner.clone());
            }
            top += 1;
            continue;
        }
        let blocks: Vec<String> = stack[1..].to_vec();
        if let Some((name, value)) = l.split_once(" = ") {
            let value = value.trim();
            items.push(TfItem {
                owner: owner.clone(),
                blocks,
                name: name.trim().to_owned(),
                is_block: false,
                literal: value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .map(str::to_owned),
                line: n + 1,
                top,
            });
            if value == "{" {
                skip_depth = 1;
            }
        } else {
            let name = l
                .trim_end_matches("{}")
                .trim_end_matches('{')
                .trim()
                .to_owned();
            items.push(TfItem {
                owner: owner.clone(),
                blocks,
                name: name.clone(),
                is_block: true,
                literal: None,
                line: n + 1,
                top,
            });
            if l.ends_with('{') {
                stack.push(name);
            }
        }
    }
    items
}

/// Meta-arguments Terraform itself gives every resource.
const META_ARGUMENTS: [&str; 6] = [
    "depends_on",
    "count",
    "for_each",
    "provider",
    "lifecycle",
    "ignore_changes",
];

/// The azurerm data sources the exports read, with their arguments (`true`: required) as the
/// provider documents them in `website/docs/d/<name without azurerm_>.html.markdown`
/// (hashicorp/terraform-provider-azurerm @ `033f40eb3a2627a28964a85eafc6910dd77149ae`, after
/// v4.81.0; `../shared/iac-refs/terraform/` holds the resources' pages only). The estate's
/// `network.tf` reads the VNets it peers but does not create with `data "azurerm_virtual_network"`
/// (so does a cluster's file its VNet when that is not its own).
const AZURERM_DATA_SOURCES: &[(&str, &[(&str, bool)])] = &[
    (
        "azurerm_virtual_network",
        &[("name", true), ("resource_group_name", true)],
    ),
    // An estate cluster whose resource group an earlier cluster's file creates reads it.
    ("azurerm_resource_group", &[("name", true)]),
];

/// Every problem of the data blocks of `items`: a data source not in [`AZURERM_DATA_SOURCES`],
/// an argument it does not document, a nested block, or a required argument left out.
fn terraform_data_problems(items: &[TfItem]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut tops: Vec<usize> = items.iter().map(|it| it.top).collect();
    tops.dedup();
    for top in tops {
        let block: Vec<&TfItem> = items.iter().filter(|it| it.top == top).collect();
        let Some(kind) = block[0].owner.strip_prefix("data.") else {
            continue;
        };
        let line = block[0].line;
        let Some((_, args)) = AZURERM_DATA_SOURCES.iter().find(|(k, _)| *k == kind) else {
            problems.push(format!(
                "line {line}: data source {kind}: not one the exports may read"
            ));
            continue;
        };
        for item in &block {
            if item.is_block
                || !item.blocks.is_empty()
                || !args.iter().any(|(a, _)| *a == item.name)
            {
                problems.push(format!(
                    "line {}: data.{kind} {}: not an argument of the data source",
                    item.line, item.name
                ));
            }
        }
        for (a, required) in *args {
            if *required && !block.iter().any(|it| it.name == *a) {
                problems.push(format!(
                    "line {line}: data.{kind}: required argument {a} missing"
                ));
            }
        }
    }
    problems
}

/// The lowest azurerm release the export's `version = "~> X.Y"` admits, as (X, Y).
fn provider_floor(text: &str) -> (u64, u64) {
    let constraint = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("version"))
        .and_then(|v| v.split('"').nth(1))
        .unwrap_or_else(|| panic!("Terraform: no provider version constraint"));
    let v = constraint
        .strip_prefix("~> ")
        .unwrap_or_else(|| panic!("Terraform: unexpected constraint {constraint:?}"));
    let mut parts = v.split('.').map(|p| p.parse::<u64>().unwrap());
    (parts.next().unwrap(), parts.next().unwrap_or(0))
}

/// Every argument or block of the export that one of the held azurerm releases its provider
/// constraint admits lacks (a plan with API server VNet integration asks for `~> 4.81`: the
/// arguments came back after 4.0).
pub(crate) fn terraform_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let floor = provider_floor(text);
    let admitted = |release: &Value| {
        let tag = release["tag"].as_str().unwrap().trim_start_matches('v');
        let mut parts = tag.split('.').map(|p| p.parse::<u64>().unwrap());
        (parts.next().unwrap(), parts.next().unwrap()) >= floor
    };
    assert!(
        azurerm().iter().any(admitted),
        "Terraform: no held azurerm release satisfies the export's constraint {floor:?}"
    );
    let items = terraform_items(text);
    problems.extend(terraform_data_problems(&items));
    for item in items {
        if item.owner.starts_with("data.") {
            continue;
        }
        let at = format!("line {}: {} {}", item.line, item.owner, {
            let mut p = item.blocks.clone();
            p.push(item.name.clone());
            p.join(".")
        });
        if item.owner == "terraform" {
            continue;
        }
        if item.owner.starts_with("resource.")
            && (META_ARGUMENTS.contains(&item.name.as_str())
                || item.blocks.first().is_some_and(|b| b == "lifecycle"))
        {
            continue;
        }
        for release in azurerm().iter().filter(|r| admitted(r)) {
            let tag = release["tag"].as_str().unwrap();
            let spec = match item.owner.strip_prefix("resource.") {
                Some(kind) => {
                    if release["all_resources"]
                        .as_array()
                        .is_some_and(|a| !a.iter().any(|r| r == kind))
                    {
                        problems.push(format!("{at}: azurerm {tag} has no resource {kind}"));
                        continue;
                    }
                    &release["resources"][kind]
                }
                None if item.owner == "provider" => &release["provider"],
                None => {
                    problems.push(format!("{at}: unknown top-level block"));
                    continue;
                }
            };
            let scope = item.blocks.last().map_or("", String::as_str);
            match spec["arguments"][scope].get(&item.name) {
                None => problems.push(format!("{at}: not an argument of azurerm {tag}")),
                Some(arg) => {
                    if arg["block"].as_bool() != Some(item.is_block) {
                        problems.push(format!(
                            "{at}: written as {} but azurerm {tag} has it as {}",
                            if item.is_block {
                                "a block"
                            } else {
                                "an argument"
                            },
                            if item.is_block {
                                "an argument"
                            } else {
                                "a block"
                            }
                        ));
                    }
                    if let (Some(values), Some(lit)) = (arg["values"].as_array(), &item.literal) {
                        if !values.iter().any(|v| v == lit.as_str()) {
                            problems.push(format!(
                                "{at}: {lit:?} is not one of azurerm {tag}'s {values:?}"
                            ));
                        }
                    }
                }
            }
        }
    }
    problems
}

// ------------------------------------------------------------------------------------- Cilium

/// The key tree of the pinned chart's `values.yaml`, and its schema's validator.
fn cilium_refs() -> &'static (Value, jsonschema::Validator) {
    static C: OnceLock<(Value, jsonschema::Validator)> = OnceLock::new();
    C.get_or_init(|| {
        let tree = read_json(&format!("cilium/{CILIUM_CHART_VERSION}/values-tree.json"));
        assert_eq!(tree["chart"], format!("cilium-{CILIUM_CHART_VERSION}.tgz"));
        let schema = read_json(&format!(
            "cilium/{CILIUM_CHART_VERSION}/values.schema.json.gz"
        ));
        let v = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .build(&schema)
            .unwrap();
        (tree["tree"].clone(), v)
    })
}

/// Key paths of `values` that the tree lacks.
fn outside_tree(values: &Value, tree: &Value, path: &str, found: &mut Vec<String>) {
    let Value::Object(map) = values else {
        return;
    };
    for (k, v) in map {
        let sub = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        match tree.get(k) {
            None => found.push(sub),
            Some(Value::String(s)) if s == "open" => {}
            Some(Value::String(_)) => {
                if v.as_object().is_some_and(|m| !m.is_empty()) {
                    found.push(format!("{sub} (a value in the chart, not a map)"));
                }
            }
            Some(t) => outside_tree(v, t, &sub, found),
        }
    }
}

fn yaml_to_json(text: &str) -> Value {
    let v: serde_yaml::Value = serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    serde_json::to_value(v).unwrap()
}

fn cilium_problems(values: &Value) -> Vec<String> {
    let (tree, validator) = cilium_refs();
    let mut problems: Vec<String> = errors(validator, values)
        .into_iter()
        .map(|e| format!("cilium {CILIUM_CHART_VERSION} schema: {e}"))
        .collect();
    let mut outside = Vec::new();
    outside_tree(values, tree, "", &mut outside);
    problems.extend(
        outside
            .into_iter()
            .map(|k| format!("cilium {CILIUM_CHART_VERSION}: {k} is not a value of the chart")),
    );
    problems
}

// ------------------------------------------------------------------------------------- Calico

fn calico_crd() -> &'static (Value, jsonschema::Validator) {
    static C: OnceLock<(Value, jsonschema::Validator)> = OnceLock::new();
    C.get_or_init(|| {
        let crd = read_json(&format!("calico/{CALICO_VERSION}/installation-crd.json.gz"));
        assert_eq!(crd["calico"], CALICO_VERSION);
        let schema = crd["openAPIV3Schema"].clone();
        let v = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .build(&schema)
            .unwrap();
        (crd, v)
    })
}

fn calico_problems(installation: &Value) -> Vec<String> {
    let (crd, validator) = calico_crd();
    let mut problems: Vec<String> = errors(validator, installation)
        .into_iter()
        .map(|e| format!("Installation CRD {CALICO_VERSION}: {e}"))
        .collect();
    let want = format!(
        "{}/{}",
        crd["group"].as_str().unwrap(),
        crd["version"].as_str().unwrap()
    );
    if installation["apiVersion"] != want.as_str() || installation["kind"] != crd["kind"] {
        problems.push(format!(
            "not a {want} {}: {} {}",
            crd["kind"], installation["apiVersion"], installation["kind"]
        ));
    }
    let mut unknown = Vec::new();
    let root = Located {
        schema: crd["openAPIV3Schema"].clone(),
        base: "urn:byocni:calico".into(),
        doc: Arc::new(Value::Null),
    };
    unknown_fields(&root, installation, "", &mut unknown);
    problems.extend(
        unknown
            .into_iter()
            .map(|u| format!("Installation CRD {CALICO_VERSION}: unknown field {u}")),
    );
    problems
}

// -------------------------------------------------------------------------------------- tests

/// Every problem of a plan's exports against the references. A plan with names Azure refuses
/// (a broken fixture, rendered forced) is held to the structure only: no property, argument or
/// key the references lack; the ARM schemas' name patterns would refuse it as check does.
fn plan_problems(plan: &Plan) -> Vec<String> {
    let arm: Value = serde_json::from_str(&forced(plan, Format::Arm)).unwrap();
    let bad_names = byocni_core::check(plan)
        .findings
        .iter()
        .any(|f| f.rule.id() == "invalid-name");
    let keep = |p: &String| {
        !bad_names
            || p.contains("unknown")
            || p.contains("not an")
            || p.contains("differ")
            || p.contains("written as")
    };
    let mut problems = arm_problems(&arm);
    let bicep = forced(plan, Format::Bicep);
    problems.extend(bicep_mirror_problems(&arm, &bicep));
    for r in bicep_resources(&bicep)
        .iter()
        .filter(|r| r.get("existing").is_none())
    {
        let mut r = r.clone();
        // Bicep's symbolic `parent`/`scope` have no ARM spelling; ARM's checks stand for them.
        if let Some(m) = r.as_object_mut() {
            m.remove("scope");
            m.remove("parent");
        }
        problems.extend(
            arm_resource_problems(&r)
                .into_iter()
                .map(|p| format!("Bicep {p}")),
        );
    }
    if let Some(tf) = forced_terraform(plan) {
        problems.extend(terraform_problems(&tf));
    }
    problems.extend(cilium_problems(&yaml_to_json(&forced(
        plan,
        Format::CiliumValues,
    ))));
    problems.extend(calico_problems(&yaml_to_json(&forced(
        plan,
        Format::Calico,
    ))));
    problems.retain(keep);
    problems
}

/// Plans whose values are well-formed: the fixtures (forced where they have errors) and a
/// generated sample.
fn plans() -> Vec<(String, Plan)> {
    fixtures()
        .into_iter()
        .chain(
            gen::sample(40)
                .into_iter()
                .enumerate()
                .map(|(i, p)| (format!("generated #{i}"), p)),
        )
        .collect()
}

#[test]
fn every_export_matches_the_official_references() {
    let mut report = Vec::new();
    for (name, plan) in plans() {
        let problems = plan_problems(&plan);
        if !problems.is_empty() {
            report.push(format!(
                "{name}:\n  {}\n  plan: {}",
                problems.join("\n  "),
                plan.to_json_compact()
            ));
        }
    }
    assert!(
        report.is_empty(),
        "exports drift from the references:\n{}",
        report.join("\n")
    );
}

/// The seed fixture's exports, for the negative tests.
fn seed() -> Plan {
    fixtures().into_iter().find(|(n, _)| n == "seed").unwrap().1
}

#[test]
fn a_drifted_arm_property_is_caught() {
    let mut arm: Value = serde_json::from_str(&forced(&seed(), Format::Arm)).unwrap();
    assert!(arm_problems(&arm).is_empty(), "{:?}", arm_problems(&arm));
    let aks = arm["resources"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["type"] == "Microsoft.ContainerService/managedClusters")
        .unwrap();
    // A misspelt property (the schema leaves additionalProperties open: plain validation passes).
    aks["properties"]["networkProfile"]["podCidrs "] = json!("10.10.0.0/16");
    // A wrong type.
    aks["properties"]["agentPoolProfiles"][0]["maxPods"] = json!("many");
    let problems = arm_problems(&arm);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("unknown property .properties.networkProfile.podCidrs ")),
        "{problems:#?}"
    );
    assert!(problems.iter().any(|p| p.contains("many")), "{problems:#?}");
    // An API version whose schema is not held, and one that does not exist.
    for (api, says) in [
        ("2021-03-01", "not held"),
        ("2099-01-01", "not an official"),
    ] {
        let mut r = arm["resources"][0].clone();
        r["apiVersion"] = json!(api);
        let caught = std::panic::catch_unwind(|| arm_resource_problems(&r));
        let msg = caught
            .err()
            .and_then(|e| e.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        assert!(msg.contains(says), "{api}: {msg}");
    }
}

#[test]
fn a_bicep_that_drifts_from_arm_is_caught() {
    let plan = seed();
    let arm: Value = serde_json::from_str(&forced(&plan, Format::Arm)).unwrap();
    let bicep = forced(&plan, Format::Bicep);
    assert!(bicep_mirror_problems(&arm, &bicep).is_empty());
    let drifted = bicep.replace("maxPods:", "maxPod:");
    assert!(!bicep_mirror_problems(&arm, &drifted).is_empty());
    let drifted = bicep.replace("networkPlugin: 'none'", "networkPlugin: 'kubenet'");
    assert!(!bicep_mirror_problems(&arm, &drifted).is_empty());
}

#[test]
fn a_terraform_argument_azurerm_lacks_is_caught() {
    let tf = forced(&seed(), Format::Terraform);
    assert!(
        terraform_problems(&tf).is_empty(),
        "{:?}",
        terraform_problems(&tf)
    );
    for (from, to, says) in [
        // azurerm 3's name of the autoscaler switch, gone in v4.
        (
            "auto_scaling_enabled",
            "enable_auto_scaling",
            "not an argument",
        ),
        (
            "network_plugin = \"none\"",
            "network_plugin = \"nothing\"",
            "is not one of",
        ),
        (
            "  upgrade_settings {\n      max_surge",
            "  upgrade_settings {\n      max_surges",
            "not an argument",
        ),
        ("identity {", "identity = {", "written as an argument"),
    ] {
        assert!(tf.contains(from), "{from}");
        let problems = terraform_problems(&tf.replacen(from, to, 1));
        assert!(
            problems.iter().any(|p| p.contains(says)),
            "{to}: {problems:#?}"
        );
    }
}

/// Issue 14: API server VNet integration's Terraform arguments are not in azurerm 4.0.0, so
/// the export asks for `~> 4.81`; written with `~> 4.0` the check holds them to 4.0.0 and
/// refuses them. A route table with a property Microsoft.Network lacks is caught in ARM too.
#[test]
fn around_the_cluster_is_held_to_the_releases_it_asks_for() {
    let plan = fixtures()
        .into_iter()
        .find(|(n, _)| n == "nat-apiserver")
        .unwrap()
        .1;
    let tf = forced(&plan, Format::Terraform);
    assert!(tf.contains("version = \"~> 4.81\""), "{tf}");
    assert!(
        terraform_problems(&tf).is_empty(),
        "{:?}",
        terraform_problems(&tf)
    );
    let problems = terraform_problems(&tf.replace("~> 4.81", "~> 4.0"));
    assert!(
        problems.iter().any(|p| p
            .contains("virtual_network_integration_enabled: not an argument of azurerm v4.0.0")),
        "{problems:#?}"
    );
    let udr = fixtures()
        .into_iter()
        .find(|(n, _)| n == "udr-private")
        .unwrap()
        .1;
    let arm: Value = serde_json::from_str(&forced(&udr, Format::Arm)).unwrap();
    assert!(arm_problems(&arm).is_empty(), "{:?}", arm_problems(&arm));
    let drifted = forced(&udr, Format::Arm).replace("\"nextHopIpAddress\"", "\"nextHopAddress\"");
    let problems = arm_problems(&serde_json::from_str(&drifted).unwrap());
    assert!(
        problems
            .iter()
            .any(|p| p.contains("Microsoft.Network/routeTables")),
        "{problems:#?}"
    );
}

#[test]
fn cilium_values_outside_the_chart_are_caught() {
    let mut v = yaml_to_json(&forced(&seed(), Format::CiliumValues));
    assert!(cilium_problems(&v).is_empty(), "{:?}", cilium_problems(&v));
    v["ipam"]["operator"]["clusterPoolIPv4PodCIDR"] = json!("10.10.0.0/16");
    v["ipam"]["operator"]["clusterPoolIPv4MaskSize"] = json!("24");
    let problems = cilium_problems(&v);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("ipam.operator.clusterPoolIPv4PodCIDR is not")),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("schema")),
        "{problems:#?}"
    );
    // The kube-proxy-free keys (domain.md rule 28) are values of the pinned chart.
    let mut v = yaml_to_json(&forced(&seed(), Format::CiliumValues));
    v["kubeProxyReplacement"] = json!(true);
    v["k8sServiceHost"] = json!("myaks-abc.hcp.westeurope.azmk8s.io");
    v["k8sServicePort"] = json!(443);
    assert!(cilium_problems(&v).is_empty(), "{:?}", cilium_problems(&v));
}

#[test]
fn calico_fields_the_crd_lacks_are_caught() {
    let plan = fixtures()
        .into_iter()
        .find(|(n, _)| n == "calico-hub")
        .unwrap()
        .1;
    let mut v = yaml_to_json(&forced(&plan, Format::Calico));
    assert!(calico_problems(&v).is_empty(), "{:?}", calico_problems(&v));
    v["spec"]["calicoNetwork"]["ipPools"][0]["ipipMode"] = json!("Never");
    v["spec"]["calicoNetwork"]["bgp"] = json!("Off");
    let problems = calico_problems(&v);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("unknown field .spec.calicoNetwork.ipPools[0].ipipMode")),
        "{problems:#?}"
    );
    assert!(problems.iter().any(|p| p.contains("Off")), "{problems:#?}");
}

/// The references name the versions the exports pin (a pin moved without its reference files
/// fails here, and in the checks above).
#[test]
fn the_pinned_versions_are_held() {
    assert!(refs_dir()
        .join(format!("cilium/{CILIUM_CHART_VERSION}"))
        .is_dir());
    assert!(refs_dir().join(format!("calico/{CALICO_VERSION}")).is_dir());
}

/// Beyond the schemas, what domain.md asks of the CNI values, for every fixture and generated
/// plan: rule 13 (Cilium cluster-pool IPAM on exactly the planned pod CIDR, one block of the
/// per-node prefix per node, never the chart's default 10.0.0.0/8) and rule 30 (Calico: one
/// pool equal to the pod CIDR, VXLAN written out, BGP disabled).
#[test]
fn cni_values_follow_rules_13_and_30() {
    for (name, plan) in plans() {
        let Some(pod) = plan.pod_cidr.as_deref().map(str::trim) else {
            continue;
        };
        let prefix = u64::from(plan.effective_per_node_prefix());
        let c = yaml_to_json(&forced(&plan, Format::CiliumValues));
        assert_eq!(c["ipam"]["mode"], "cluster-pool", "{name}");
        assert_eq!(
            c["ipam"]["operator"]["clusterPoolIPv4PodCIDRList"],
            json!([pod]),
            "{name}"
        );
        assert_eq!(
            c["ipam"]["operator"]["clusterPoolIPv4MaskSize"],
            json!(prefix),
            "{name}"
        );
        assert_eq!(c["aksbyocni"]["enabled"], true, "{name}");
        let k = yaml_to_json(&forced(&plan, Format::Calico));
        let network = &k["spec"]["calicoNetwork"];
        assert_eq!(network["bgp"], "Disabled", "{name}");
        assert_eq!(
            network["ipPools"].as_array().map(Vec::len),
            Some(1),
            "{name}"
        );
        let pool = &network["ipPools"][0];
        assert_eq!(pool["cidr"], pod, "{name}");
        assert_eq!(pool["encapsulation"], "VXLAN", "{name}");
        assert_eq!(pool["blockSize"], json!(prefix), "{name}");
        assert_eq!(k["spec"]["kubernetesProvider"], "AKS", "{name}");
        assert_eq!(k["spec"]["cni"]["type"], "Calico", "{name}");
    }
}

/// Issue 13: the Cilium values of every meshed cluster of the estate fixtures (cluster.name,
/// cluster.id, ClusterMesh through its API server on an internal load balancer,
/// maxConnectedClusters) are values of the pinned chart and pass its schema; so does a mesh of
/// 511 with a high id. A mesh key the chart lacks is caught.
#[test]
fn cilium_mesh_values_match_the_chart() {
    use byocni_core::estate::Estate;
    use byocni_core::render::estate::render_estate;
    use byocni_core::render::RenderOptions;
    let mut checked = 0;
    for name in ["estate-mesh3.json", "estate-bluegreen.json"] {
        let path = workspace_root().join("tests/fixtures").join(name);
        let mut estate = Estate::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for max in [255, 511] {
            if let Some(m) = estate.cluster_mesh.as_mut() {
                m.max_connected_clusters = Some(max);
            }
            let files = render_estate(
                &estate,
                Format::CiliumValues,
                None,
                RenderOptions::default(),
            )
            .unwrap();
            for f in files {
                let v = yaml_to_json(&f.text);
                let problems = cilium_problems(&v);
                assert!(problems.is_empty(), "{name} {}: {problems:#?}", f.name);
                if v.get("clustermesh").is_some() {
                    assert_eq!(v["clustermesh"]["maxConnectedClusters"], json!(max));
                    assert_eq!(v["clustermesh"]["useAPIServer"], json!(true));
                    assert!(v["cluster"]["id"].as_u64().is_some_and(|id| id >= 1));
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 6, "three meshed clusters, two maxima");
    let path = workspace_root().join("tests/fixtures/estate-mesh3.json");
    let estate = Estate::from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    let files = render_estate(
        &estate,
        Format::CiliumValues,
        None,
        RenderOptions::default(),
    )
    .unwrap();
    let mut v = yaml_to_json(&files[0].text);
    v["clustermesh"]["maxClusters"] = json!(255);
    let problems = cilium_problems(&v);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("clustermesh.maxClusters is not")),
        "{problems:#?}"
    );
}

/// Issue 10, kube-proxy-free Cilium: the fixture's cluster uses the preview API version with
/// exactly the documented `kubeProxyConfig`, held to the GA schema otherwise (see
/// [`arm_resource_problems`]); the Cilium values with the `k8sServiceHost` that apply and the
/// scripts pass with `--set-string` still match the chart; and the check can fail.
#[test]
fn kube_proxy_free_exports_match_the_references() {
    let plan = fixtures()
        .into_iter()
        .find(|(n, _)| n == "cilium-kpr")
        .unwrap()
        .1;
    assert!(
        plan_problems(&plan).is_empty(),
        "{:?}",
        plan_problems(&plan)
    );
    let arm: Value = serde_json::from_str(&forced(&plan, Format::Arm)).unwrap();
    let aks = arm["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "Microsoft.ContainerService/managedClusters")
        .unwrap()
        .clone();
    assert_eq!(aks["apiVersion"], AKS_PREVIEW_API_VERSION);
    // Anything but the documented {"enabled": false} is caught...
    let mut wrong = aks.clone();
    wrong["properties"]["networkProfile"]["kubeProxyConfig"]["mode"] = json!("IPVS");
    let p = arm_resource_problems(&wrong);
    assert!(p.iter().any(|p| p.contains("not the documented")), "{p:?}");
    // ...and so is a property the GA schema lacks, and a preview used for nothing.
    let mut drift = aks.clone();
    drift["properties"]["networkProfile"]["podCidrs "] = json!("x");
    let p = arm_resource_problems(&drift);
    assert!(p.iter().any(|p| p.contains("unknown property")), "{p:?}");
    let mut unused = aks.clone();
    unused["properties"]["networkProfile"]
        .as_object_mut()
        .unwrap()
        .remove("kubeProxyConfig");
    let p = arm_resource_problems(&unused);
    assert!(p.iter().any(|p| p.contains("used for nothing")), "{p:?}");
    // The GA version itself has no kubeProxyConfig: a GA template could not say it.
    let mut ga = aks;
    ga["apiVersion"] = json!(AKS_API_VERSION);
    let p = arm_resource_problems(&ga);
    assert!(p.iter().any(|p| p.contains("kubeProxyConfig")), "{p:?}");
    // The values file plus the host passed on the command line.
    let mut v = yaml_to_json(&forced(&plan, Format::CiliumValues));
    assert_eq!(v["kubeProxyReplacement"], json!(true));
    assert_eq!(v["k8sServicePort"], json!(443));
    v["k8sServiceHost"] = json!("kpr-aks-abc123.hcp.westeurope.azmk8s.io");
    assert!(cilium_problems(&v).is_empty(), "{:?}", cilium_problems(&v));
}
