//! Rule 13's CNI part: plugins that will not come up under BYO CNI as they are.

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
}
