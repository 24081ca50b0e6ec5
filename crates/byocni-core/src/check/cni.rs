//! Rule 13's CNI part: plugins that will not come up under BYO CNI as they are; rule 28:
//! kube-proxy disabled (an AKS preview), only with Cilium, which replaces it.

use crate::finding::{Finding, Rule};
use crate::plan::{CniPlugin, Plan};

pub(super) fn check_cni(plan: &Plan, out: &mut Vec<Finding>) {
    if plan.cni.plugin == CniPlugin::Flannel {
        out.push(
            Finding::new(
                Rule::CniUnsupported,
                "cni.plugin",
                "cni.plugin `flannel`: Flannel's default kube subnet manager reads node.spec.podCIDR, which AKS does not assign with --network-plugin none, so it will not come up as is",
            )
            .fix_set("use Cilium, which allocates from the pod CIDR itself", "cni.plugin", "cilium"),
        );
    }
    if !plan.cni.kube_proxy {
        if plan.cni.plugin == CniPlugin::Cilium {
            out.push(
                Finding::new(
                    Rule::PreviewFeature,
                    "cni.kubeProxy",
                    "cni.kubeProxy `false`: creating an AKS cluster without kube-proxy is a preview: az needs the aks-preview extension (`az extension add --name aks-preview`) for --kube-proxy-config, and the subscription the KubeProxyConfigurationPreview feature flag (`az feature register --namespace Microsoft.ContainerService --name KubeProxyConfigurationPreview`)",
                )
                .advice("install the aks-preview extension and register the KubeProxyConfigurationPreview feature before `byocni apply`, or keep kube-proxy (cni.kubeProxy: true)"),
            );
        } else {
            out.push(
                Finding::new(
                    Rule::KubeProxyCni,
                    "cni.kubeProxy",
                    format!(
                        "cni.kubeProxy `false` with cni.plugin `{}`: byocni plans kube-proxy replacement for Cilium only; without kube-proxy nothing routes Service traffic",
                        plan.cni.plugin.as_str()
                    ),
                )
                .related("cni.plugin")
                .fix_set("keep kube-proxy", "cni.kubeProxy", true),
            );
        }
    }
}
