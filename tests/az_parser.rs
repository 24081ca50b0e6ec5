//! Every az command byocni can emit is fed to the REAL az CLI's parser (logged out: exit 1 with
//! "az login" means well-formed, exit 2 means a parse error), and every exported bash script
//! passes shellcheck.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Mutex;

use byocni_core::render::{render, Format, RenderOptions};
use byocni_core::steps::{
    cni_steps, command_invoke, destroy_steps, group_resources, provision_steps, script_steps, Arg,
    Step, KUBE_PROXY_CONFIG_FILE, KUBE_PROXY_CONFIG_FLAG, KUBE_PROXY_CONFIG_VAR,
};
use byocni_core::Plan;
use byocni_tests::az::{az_argvs, az_binary, fake_var, run_logged_out};
use byocni_tests::fixture;

const FIXTURES: [&str; 7] = [
    "seed.json",
    "managed-vnet.json",
    "calico-hub.json",
    "udr-private.json",
    "nat-apiserver.json",
    "managed-nat.json",
    "cilium-kpr.json",
];

/// `az aks create`'s `--kube-proxy-config` comes from the aks-preview extension: stock az (the
/// parser here, 2.91) does not know it and would refuse the whole command. Exactly that flag and
/// its value are taken out before the real az parses the rest; its name and value form are
/// asserted by `kube_proxy_config_flag_is_the_documented_one` instead.
fn without_preview_flag(argv: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len());
    let mut words = argv.into_iter();
    while let Some(w) = words.next() {
        if w == KUBE_PROXY_CONFIG_FLAG {
            words.next();
        } else if !w.starts_with(&format!("{KUBE_PROXY_CONFIG_FLAG}=")) {
            out.push(w);
        }
    }
    out
}

fn plan(name: &str) -> Plan {
    Plan::from_json(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

/// Every az command line in an exported bash script (including `$(az ...)` captures), split as
/// bash would, with variables replaced by fakes.
fn bash_az_commands(script: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in script.lines() {
        // Guarded steps (created only when missing) are indented in their `if`, and their
        // lookup hides az's stderr: `X=$(az ... 2>/dev/null | paste ...) || RC=$?`.
        let line = line.trim_start();
        let cmd = if let Some(rest) = line.strip_prefix("az ") {
            rest.to_owned()
        } else if let Some(i) = line.find("=$(az ") {
            let end = line.rfind(')').unwrap_or(line.len());
            let inner = &line[i + 6..end];
            inner
                .split(" 2>/dev/null")
                .next()
                .unwrap_or(inner)
                .to_owned()
        } else {
            continue;
        };
        let words = shlex::split(&cmd).expect("exported lines split");
        out.push(
            words
                .into_iter()
                .map(|w| match w.strip_prefix('$') {
                    Some(var) => fake_var(var),
                    None => w,
                })
                .collect(),
        );
    }
    out
}

#[test]
fn every_az_command_parses_with_the_real_az() {
    let az = az_binary();
    let mut all: BTreeSet<Vec<String>> = BTreeSet::new();
    for name in FIXTURES {
        let p = plan(name);
        all.extend(az_argvs(&provision_steps(&p)));
        all.extend(az_argvs(&destroy_steps(&p)));
        all.insert(
            group_resources(&p)
                .args
                .iter()
                .map(|a| match a {
                    Arg::Lit(l) => l.clone(),
                    Arg::Var(v) => fake_var(v),
                    Arg::LitVar(l, v) => format!("{l}{}", fake_var(v)),
                })
                .collect(),
        );
        all.extend(az_argvs(&cni_steps(&p, "/tmp/byocni-test/kubeconfig")));
        let bash = render(&p, Format::Bash, RenderOptions::default()).unwrap();
        all.extend(bash_az_commands(&bash));
    }
    // A plan that names its node resource group (rule 23): --node-resource-group.
    let mut named = plan("seed.json");
    named.cluster.node_resource_group = Some("myAKSCluster-nodes".into());
    all.extend(az_argvs(&provision_steps(&named)));
    all.extend(byocni_tests::az::extra_commands());
    // A private cluster's CNI, its script's wait and apply's node polls run in the cluster
    // (`az aks command invoke`): Cilium with kube-proxy (udr-private, above) and without it
    // (the FQDN ends the command line), and Calico.
    let mut private_kpr = plan("udr-private.json");
    private_kpr.cni.kube_proxy = false;
    let mut private_calico = plan("calico-hub.json");
    private_calico.api_server = Some(byocni_core::plan::ApiServer {
        private: true,
        ..Default::default()
    });
    for p in [&private_kpr, &private_calico] {
        all.extend(az_argvs(&cni_steps(p, "/tmp/byocni-test/kubeconfig")));
        all.extend(az_argvs(&script_steps(p)));
    }
    let poll = command_invoke(
        &private_kpr,
        "kubectl get nodes --output json".into(),
        None,
        &[],
    );
    all.extend(az_argvs(&[Step {
        create: poll,
        ..cni_steps(&private_kpr, "/k")[0].clone()
    }]));
    let invokes = all
        .iter()
        .filter(|a| a.starts_with(&["aks".to_owned(), "command".to_owned(), "invoke".to_owned()]))
        .count();
    assert!(
        invokes >= 6,
        "the command invokes are in the set ({invokes})"
    );
    // `byocni apply --subscription` appends it to every az command: one of each kind with it.
    let mut kinds = BTreeSet::new();
    let with_sub: Vec<Vec<String>> = all
        .iter()
        .filter(|a| {
            a.first().is_some_and(|w| w != "version")
                && kinds.insert(a.iter().take(3).cloned().collect::<Vec<_>>())
        })
        .map(|a| {
            let mut a = a.clone();
            a.extend([
                "--subscription".to_owned(),
                "00000000-0000-0000-0000-000000000000".to_owned(),
            ]);
            a
        })
        .collect();
    all.extend(with_sub);
    assert!(
        all.iter()
            .any(|a| a.contains(&KUBE_PROXY_CONFIG_FLAG.to_owned())),
        "the kube-proxy-free fixture's create is in the set"
    );
    let all: BTreeSet<Vec<String>> = all.into_iter().map(without_preview_flag).collect();
    assert!(
        all.len() >= 20,
        "expected many distinct commands, got {}",
        all.len()
    );
    let queue = Mutex::new(all.into_iter().collect::<Vec<_>>());
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let Some(argv) = queue.lock().unwrap().pop() else {
                    break;
                };
                let (code, stderr) = run_logged_out(&az, &argv);
                if code != 1 || !stderr.contains("az login") {
                    failures.lock().unwrap().push(format!(
                        "az {}\n  exit {code}: {}",
                        argv.join(" "),
                        stderr.trim()
                    ));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "az rejected {} command(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_parser_check_can_fail() {
    // A misspelt flag must be caught, or the test above proves nothing.
    let (code, _) = run_logged_out(
        &az_binary(),
        &[
            "aks".into(),
            "create".into(),
            "--network-plugn".into(),
            "none".into(),
        ],
    );
    assert_eq!(code, 2);
}

#[test]
fn exported_bash_passes_shellcheck() {
    let dir = tempfile::tempdir().unwrap();
    for name in FIXTURES {
        let path = dir.path().join(format!("{name}.sh"));
        std::fs::write(
            &path,
            render(&plan(name), Format::Bash, RenderOptions::default()).unwrap(),
        )
        .unwrap();
        let out = Command::new("shellcheck")
            .arg("--severity=style")
            .arg(&path)
            .output()
            .expect("shellcheck is installed (scripts/setup.sh installs it)");
        assert!(
            out.status.success(),
            "{name}: shellcheck found:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn exported_bash_stops_at_the_first_failing_command() {
    // Run the whole script with the real az, logged out: `set -e` must stop it at command 1.
    let az = az_binary();
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(&az, bin.join("az")).unwrap();
    let script = dir.path().join("create.sh");
    std::fs::write(
        &script,
        render(&plan("seed.json"), Format::Bash, RenderOptions::default()).unwrap(),
    )
    .unwrap();
    let out = Command::new("bash")
        .arg(&script)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("AZURE_CONFIG_DIR", dir.path().join("azure"))
        .env("HOME", dir.path())
        .env("AZURE_CORE_COLLECT_TELEMETRY", "no")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("az login").count(), 1, "{stderr}");
}

/// Issue 11, item 6: a value that starts with `-` (a forced plan's VNet address-space entry,
/// subnet or name) reaches the real az as a value (`--flag=value`), never as an option of its
/// own; written as a separate word, az refuses it (exit 2) or, worse, reads it as an option.
#[test]
fn values_starting_with_a_dash_are_values_to_the_real_az() {
    let mut p = plan("seed.json");
    let v = p.vnet.as_mut().unwrap();
    v.address_space = vec![
        "10.224.0.0/12".into(),
        "-1.0.0.0/8".into(),
        "--subscription".into(),
    ];
    v.subnets[0].cidr = "-10.224.0.0/16".into();
    p.cluster.resource_group = "-rg".into();
    let az = az_binary();
    let argvs = az_argvs(&provision_steps(&p));
    let vnet = argvs
        .iter()
        .find(|a| a.starts_with(&["network".into(), "vnet".into(), "create".into()]))
        .unwrap();
    assert!(vnet.contains(&"--address-prefixes=-1.0.0.0/8".to_owned()));
    assert!(vnet.contains(&"--address-prefixes=--subscription".to_owned()));
    for argv in argvs.iter().take(3) {
        let (code, stderr) = run_logged_out(&az, argv);
        assert!(
            code == 1 && stderr.contains("az login"),
            "az {}\n  exit {code}: {}",
            argv.join(" "),
            stderr.trim()
        );
    }
    // The words as separate arguments: az's parser refuses them, so the check above can fail.
    let split: Vec<String> = vnet
        .iter()
        .flat_map(|w| match w.strip_prefix("--address-prefixes=") {
            Some(value) => vec![value.to_owned()],
            None => vec![w.clone()],
        })
        .collect();
    assert_eq!(run_logged_out(&az, &split).0, 2);
}

/// Issue 13: every az command of the estate fixtures' bash exports (each cluster's file and the
/// shared network's, peerings created both ways) parses with the real az, and every file passes
/// shellcheck.
/// Every az command line of an exported PowerShell script (`az ...` and `$X = az ...`), its
/// words read as PowerShell reads them (bare, or single-quoted with `''` for a quote), variables
/// replaced by the same fakes as in bash.
fn ps_az_commands(script: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in script.lines() {
        let line = line.trim_start();
        let cmd = if let Some(rest) = line.strip_prefix("az ") {
            rest
        } else if let Some(i) = line.find(" = az ").filter(|_| line.starts_with('$')) {
            &line[i + 6..]
        } else {
            continue;
        };
        let cmd = cmd.strip_suffix(" 2>$null").unwrap_or(cmd);
        let mut words = Vec::new();
        let mut chars = cmd.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                ' ' => {}
                '\'' => {
                    let mut w = String::new();
                    while let Some(c) = chars.next() {
                        if c == '\'' {
                            if chars.peek() == Some(&'\'') {
                                chars.next();
                                w.push('\'');
                            } else {
                                break;
                            }
                        } else {
                            w.push(c);
                        }
                    }
                    words.push(w);
                }
                c => {
                    let mut w = String::from(c);
                    while let Some(&c) = chars.peek() {
                        if c == ' ' {
                            break;
                        }
                        w.push(c);
                        chars.next();
                    }
                    words.push(match w.strip_prefix('$') {
                        Some(var) => fake_var(var),
                        None => w,
                    });
                }
            }
        }
        out.push(words);
    }
    out
}

/// Issue 13: the shared network in PowerShell (`network.ps1`) runs exactly the az commands of
/// `network.sh` (which the real az parses, below), in the same order, each checked for its exit.
#[test]
fn the_powershell_network_runs_the_bash_networks_commands() {
    use byocni_core::estate::Estate;
    use byocni_core::render::estate::{render_estate, NETWORK_FILE, NETWORK_PS_FILE};
    for name in ["estate-bluegreen.json", "estate-mesh3.json"] {
        let estate = Estate::from_json(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap();
        let file = |format: Format, file: &str| {
            render_estate(&estate, format, None, RenderOptions::default())
                .unwrap()
                .into_iter()
                .find(|f| f.name == file)
                .unwrap_or_else(|| panic!("{name}: no {file}"))
                .text
        };
        let sh = file(Format::Bash, NETWORK_FILE);
        let ps = file(Format::Powershell, NETWORK_PS_FILE);
        let cmds = ps_az_commands(&ps);
        assert!(!cmds.is_empty(), "{ps}");
        assert_eq!(cmds, bash_az_commands(&sh), "{name}:\n{ps}");
        let runs = ps.lines().filter(|l| l.contains("az ")).count();
        let checks = ps
            .lines()
            .filter(|l| l.starts_with("Assert-LastExit"))
            .count();
        assert_eq!(runs, checks, "{name}: every az command is checked\n{ps}");
    }
}

/// Issue 13: an estate cluster on a VNet that is not its own (an existing VNet, a new one in
/// another group and region, one shared by two new clusters): every az command of its bash and
/// PowerShell exports and of its ARM export's `network.deploy.sh` parses with the real az, the PowerShell files run the bash files' az
/// commands, every bash file passes shellcheck, and the hub is never created.
#[test]
fn foreign_vnet_estate_script_exports_parse_with_the_real_az() {
    use byocni_core::estate::Estate;
    use byocni_core::render::estate::render_estate;
    let az = az_binary();
    let dir = tempfile::tempdir().unwrap();
    let mut all: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut guarded = 0;
    for (name, json) in byocni_tests::foreign_vnet_estates() {
        let estate = Estate::from_json(&json.to_string()).unwrap();
        let sh = render_estate(&estate, Format::Bash, None, RenderOptions::default()).unwrap();
        let ps =
            render_estate(&estate, Format::Powershell, None, RenderOptions::default()).unwrap();
        assert_eq!(sh.len(), ps.len(), "{name}");
        for (b, p) in sh.iter().zip(&ps) {
            let commands = bash_az_commands(&b.text);
            assert_eq!(
                ps_az_commands(&p.text),
                commands,
                "{name} {}\n{}",
                p.name,
                p.text
            );
            assert!(
                !commands.iter().any(|c| c.starts_with(&[
                    "network".into(),
                    "vnet".into(),
                    "create".into()
                ]) && c.contains(&"hub".to_owned())),
                "{name} {}: the hub is existing",
                b.name
            );
            guarded += b.text.matches("BYOCNI_RC=$?").count();
            all.extend(commands);
            let path = dir.path().join(format!("{name}-{}", b.name));
            std::fs::write(&path, &b.text).unwrap();
            let out = Command::new("shellcheck")
                .arg("--severity=style")
                .arg(&path)
                .output()
                .expect("shellcheck is installed");
            assert!(
                out.status.success(),
                "{name} {}: shellcheck found:\n{}",
                b.name,
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
    // on-hub: two hub subnets; other-group: group, VNet, subnet; shared: two files, each its
    // group, the VNet and two subnets.
    assert_eq!(guarded, 2 + 3 + 2 * 4);
    // ARM: network.deploy.sh of each (the template files written beside it).
    for (name, json) in byocni_tests::foreign_vnet_estates() {
        use byocni_core::render::estate::NETWORK_DEPLOY_FILE;
        let estate = Estate::from_json(&json.to_string()).unwrap();
        let arm_dir = dir.path().join(format!("{name}-arm"));
        std::fs::create_dir(&arm_dir).unwrap();
        let files = render_estate(&estate, Format::Arm, None, RenderOptions::default()).unwrap();
        for f in &files {
            std::fs::write(arm_dir.join(&f.name), &f.text).unwrap();
        }
        let deploy = files
            .iter()
            .find(|f| f.name == NETWORK_DEPLOY_FILE)
            .unwrap();
        for mut c in bash_az_commands(&deploy.text) {
            if let Some(i) = c.iter().position(|w| w == "--template-file") {
                assert!(arm_dir.join(&c[i + 1]).is_file(), "{name}: {c:?}");
                c[i + 1] = arm_dir.join(&c[i + 1]).to_string_lossy().into_owned();
            }
            all.insert(c);
        }
    }
    let queue = Mutex::new(all.into_iter().collect::<Vec<_>>());
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let Some(argv) = queue.lock().unwrap().pop() else {
                    break;
                };
                let (code, stderr) = run_logged_out(&az, &without_preview_flag(argv.clone()));
                if code != 1 || !stderr.contains("az login") {
                    failures.lock().unwrap().push(format!(
                        "az {}\n  exit {code}: {}",
                        argv.join(" "),
                        stderr.trim()
                    ));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "az rejected:\n{}", failures.join("\n"));
}

#[test]
fn estate_exports_parse_with_the_real_az() {
    use byocni_core::estate::Estate;
    use byocni_core::render::estate::{render_estate, NETWORK_DEPLOY_FILE, NETWORK_FILE};
    let az = az_binary();
    let dir = tempfile::tempdir().unwrap();
    let mut all: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut peerings = 0;
    let mut deployments = 0;
    for name in ["estate-bluegreen.json", "estate-mesh3.json"] {
        let estate = Estate::from_json(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap();
        let files = render_estate(&estate, Format::Bash, None, RenderOptions::default()).unwrap();
        assert!(files.iter().any(|f| f.name == NETWORK_FILE), "{name}");
        for f in files {
            let commands = bash_az_commands(&f.text);
            peerings += commands
                .iter()
                .filter(|c| c.starts_with(&["network".into(), "vnet".into(), "peering".into()]))
                .count();
            all.extend(commands);
            let path = dir.path().join(format!("{name}-{}", f.name));
            std::fs::write(&path, &f.text).unwrap();
            let out = Command::new("shellcheck")
                .arg("--severity=style")
                .arg(&path)
                .output()
                .expect("shellcheck is installed");
            assert!(
                out.status.success(),
                "{name} {}: shellcheck found:\n{}",
                f.name,
                String::from_utf8_lossy(&out.stdout)
            );
        }
        // ARM: network.deploy.sh (shellcheck clean) deploys each template written beside it;
        // the real az reads the template file before it asks for a login, so it is given the
        // written file's path.
        let arm_dir = dir.path().join(format!("{name}-arm"));
        std::fs::create_dir(&arm_dir).unwrap();
        let files = render_estate(&estate, Format::Arm, None, RenderOptions::default()).unwrap();
        for f in &files {
            std::fs::write(arm_dir.join(&f.name), &f.text).unwrap();
        }
        let deploy = files
            .iter()
            .find(|f| f.name == NETWORK_DEPLOY_FILE)
            .unwrap();
        let out = Command::new("shellcheck")
            .arg("--severity=style")
            .arg(arm_dir.join(NETWORK_DEPLOY_FILE))
            .output()
            .expect("shellcheck is installed");
        assert!(
            out.status.success(),
            "{name}: shellcheck found:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let commands = bash_az_commands(&deploy.text);
        deployments += commands
            .iter()
            .filter(|c| c.starts_with(&["deployment".into(), "group".into(), "create".into()]))
            .count();
        for mut c in commands {
            if let Some(i) = c.iter().position(|w| w == "--template-file") {
                assert!(arm_dir.join(&c[i + 1]).is_file(), "{name}: {c:?}");
                c[i + 1] = arm_dir.join(&c[i + 1]).to_string_lossy().into_owned();
            }
            all.insert(c);
        }
    }
    // bluegreen: hub-blue both ways (hub-green are both existing); mesh3: three pairs both ways.
    assert_eq!(peerings, 2 + 6);
    // bluegreen: net-rg's and blue-rg's peerings; mesh3: mesh-rg's.
    assert_eq!(deployments, 2 + 1);
    let queue = Mutex::new(all.into_iter().collect::<Vec<_>>());
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let Some(argv) = queue.lock().unwrap().pop() else {
                    break;
                };
                let (code, stderr) = run_logged_out(&az, &argv);
                if code != 1 || !stderr.contains("az login") {
                    failures.lock().unwrap().push(format!(
                        "az {}\n  exit {code}: {}",
                        argv.join(" "),
                        stderr.trim()
                    ));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "az rejected:\n{}", failures.join("\n"));
}

/// The one flag the real-az check above cannot cover (the aks-preview extension adds it; stock
/// az 2.91 has none): its name and value form, checked against the documentation instead.
/// Microsoft Learn, "Configure kube-proxy in AKS (preview)"
/// (learn.microsoft.com/azure/aks/configure-kube-proxy), documents
/// `az aks create ... --kube-proxy-config kube-proxy.json` with the file holding
/// `{"enabled": false}` to disable kube-proxy, with managedClusters API version
/// 2022-08-02-preview or later. The copies of azure-cli-extensions'
/// `src/aks-preview/azext_aks_preview/_params.py` available to this project's source search are
/// older than the flag (they do not define `kube_proxy_config`), so the aks-preview source could
/// not be checked here.
#[test]
fn kube_proxy_config_flag_is_the_documented_one() {
    let p = plan("cilium-kpr.json");
    let steps = provision_steps(&p);
    let cluster = steps.iter().find(|s| s.id == "cluster").unwrap();
    let args = &cluster.create.args;
    assert_eq!(
        args.iter()
            .filter(|a| matches!(a, Arg::Lit(l) if l.contains("kube-proxy")))
            .count(),
        1,
        "one flag"
    );
    let at = args
        .iter()
        .position(|a| *a == Arg::Lit("--kube-proxy-config".into()))
        .expect("the flag, spelt as documented");
    // Its value is a file path (a separate word), the file JSON {"enabled": false}.
    assert_eq!(args[at + 1], Arg::Var(KUBE_PROXY_CONFIG_VAR.into()));
    let file = cluster
        .files
        .iter()
        .find(|f| f.var == KUBE_PROXY_CONFIG_VAR)
        .unwrap();
    assert_eq!(file.name, KUBE_PROXY_CONFIG_FILE);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&file.contents).unwrap(),
        serde_json::json!({ "enabled": false })
    );
    // Stripping takes out exactly the flag and its value.
    let argv: Vec<String> = byocni_tests::az::az_argvs(std::slice::from_ref(cluster))
        .into_iter()
        .find(|a| a.first().map(String::as_str) == Some("aks") && a[1] == "create")
        .unwrap();
    let stripped = without_preview_flag(argv.clone());
    assert_eq!(stripped.len(), argv.len() - 2);
    assert!(!stripped.iter().any(|w| w.contains("kube-proxy")));
    // And the stock az refuses the flag, which is why it is stripped (a real check, not a skip).
    let mut with_flag = stripped;
    with_flag.extend([
        "--kube-proxy-config".to_owned(),
        "/tmp/kube-proxy.json".to_owned(),
    ]);
    let (code, stderr) = run_logged_out(&az_binary(), &with_flag);
    assert_eq!(code, 2, "stock az now knows --kube-proxy-config? {stderr}");
    assert!(stderr.contains("kube-proxy-config"), "{stderr}");
}
