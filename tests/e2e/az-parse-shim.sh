#!/usr/bin/env bash
# Stands in for `az` (first on PATH) while the e2e test runs the bash script copied from the
# planner, as it is: each az command goes to the REAL az CLI ($BYOCNI_REAL_AZ), logged out in a
# throwaway config dir, where a well-formed command exits 1 asking for `az login` and a malformed
# one exits 2. Every call is logged to $BYOCNI_SHIM_DIR/az.log as "exit-code<TAB>arguments".
# A well-formed call exits 0 (so the script goes on to its next command) and answers the
# script's captures (SUBNET_ID=$(az ... show --query id ...)) with a fake id; anything else exits
# with az's own code and message, which stops the script (it runs with `set -e`).
set -uo pipefail
: "${BYOCNI_REAL_AZ:?the real az binary}" "${BYOCNI_SHIM_DIR:?a scratch directory}"

err=$(AZURE_CONFIG_DIR="$BYOCNI_SHIM_DIR/azure" HOME="$BYOCNI_SHIM_DIR" \
    AZURE_CORE_COLLECT_TELEMETRY=no AZURE_CORE_NO_COLOR=true AZURE_CORE_ONLY_SHOW_ERRORS=true \
    "$BYOCNI_REAL_AZ" "$@" 2>&1 >/dev/null)
rc=$?
printf '%s\t%s\n' "$rc" "$*" >>"$BYOCNI_SHIM_DIR/az.log"
if [ "$rc" -ne 1 ] || [[ $err != *"az login"* ]]; then
    printf 'az %s\n%s\n' "$*" "$err" >&2
    exit $((rc == 0 ? 1 : rc))
fi

# The same fakes as tests/src/az.rs `fake_var` (the Rust side of the real-az parser test).
sub=/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers
case "$*" in
*"subnet show"*"--query id"*) echo "$sub/Microsoft.Network/virtualNetworks/vnet/subnets/nodes" ;;
*"identity show"*"--query id"*) echo "$sub/Microsoft.ManagedIdentity/userAssignedIdentities/id" ;;
*"identity show"*"--query principalId"*) echo 11111111-2222-3333-4444-555555555555 ;;
esac
exit 0
