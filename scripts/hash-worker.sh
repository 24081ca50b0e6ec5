#!/usr/bin/env bash
# Trunk's post_build hook (Trunk.toml): gives the export worker's files content-hashed names, as
# Trunk does for the page's own files (it leaves workers' names plain), writes the worker's loader,
# and names the loader in index.html (<meta name="byocni-exports-worker">), where the planner
# reads it. So a browser never runs a cached export renderer of an earlier build with a newer page.
set -euo pipefail
cd "${TRUNK_STAGING_DIR:?run by Trunk as a post_build hook}"
name=byocni-web-exports
hash=$(cat "$name.js" "${name}_bg.wasm" | sha256sum | cut -c1-16)
mv "$name.js" "$name-$hash.js"
mv "${name}_bg.wasm" "$name-${hash}_bg.wasm"
printf 'importScripts("./%s-%s.js");wasm_bindgen("./%s-%s_bg.wasm");\n' \
    "$name" "$hash" "$name" "$hash" >"$name-$hash-loader.js"
grep -q '</head>' index.html
sed -i "s|</head>|<meta name=\"byocni-exports-worker\" content=\"./$name-$hash-loader.js\" /></head>|" index.html
