//! The plan in a URL fragment: `#v1=` + base64url (unpadded) of the plan's compact JSON,
//! raw-deflated. `v1` names the link's encoding, not the plan's version: an estate (a version 2
//! plan file) travels the same way ([`encode_text`], [`decode_text`]).
//!
//! The browser does the bytes: `CompressionStream` / `DecompressionStream` (`"deflate-raw"`),
//! `btoa`/`atob` for base64url and a strict `TextDecoder` for UTF-8, so the wasm carries no
//! deflate or base64 code of its own (miniz_oxide cost 9 KB of the gzip transfer, the base64
//! crate and the byte copies 2.4 KB; see docs/benchmarks.md). Links from earlier builds (miniz_oxide, the base64
//! crate) are the same format and still open. The version prefix ([`payload`]) is pure and tested
//! natively; the rest is tested in the browser (`web/tests/components.rs`).

use byocni_core::Plan;
use wasm_bindgen::prelude::*;

/// The fragment prefix of a version 1 share link.
pub const PREFIX: &str = "v1=";

/// The most a link may inflate to: a crafted link stops here instead of filling the memory.
const MAX_INFLATED: u32 = 64 << 20;

#[wasm_bindgen(inline_js = r#"
export async function pack(text) {
  const s = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(s).arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
export async function unpack(data, limit) {
  let binary;
  try {
    binary = atob(data.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    throw 'base64';
  }
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  const r = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const parts = [];
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await r.read();
      if (done) break;
      n += value.length;
      if (n > limit) {
        await r.cancel();
        throw 'size';
      }
      parts.push(value);
    }
  } catch (e) {
    throw e === 'size' ? e : 'deflate';
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(out);
  } catch {
    throw 'utf8';
  }
}
const here = () => location.pathname + location.search;
export function take_link() {
  const h = location.hash;
  if (!h.includes('=')) return;
  history.replaceState(null, '', here());
  return h;
}
export function link_to(frag) { return location.origin + here() + '#' + frag; }
export function load_text(k) { try { const t = localStorage.getItem(k); return t?.[0] == '"' ? JSON.parse(t) : t ?? undefined; } catch {} }
export function save_text(k, t) { try { t == null ? localStorage.removeItem(k) : localStorage.setItem(k, t); } catch {} }
"#)]
extern "C" {
    /// The text stored under a key (a text stored JSON-encoded, by earlier builds, decoded), if
    /// there is one and storage is allowed: JavaScript's own JSON reader, not serde's in the
    /// page's wasm. (The autosave's, in this module's JavaScript: each `inline_js` block is one
    /// more module the page fetches, and wasm-bindgen-test-runner's server lost one of five at
    /// times, hanging the component tests' page load.)
    pub(crate) fn load_text(key: &str) -> Option<String>;
    /// Stores a text under a key (none: removes it); a full or refused storage is ignored.
    pub(crate) fn save_text(key: &str, text: Option<&str>);

    /// The share link in the address bar (its fragment, `#v1=...`), taken out of it at once (so
    /// that a reload opens the autosaved plan, never the link again); none when the fragment is
    /// no link (no `=`: the skip link's `#main`).
    pub fn take_link() -> Option<String>;

    /// The page's address with `frag` as its fragment: the share link to copy.
    pub fn link_to(frag: &str) -> String;

    /// `text` as UTF-8, raw-deflated, in unpadded base64url.
    #[wasm_bindgen(catch)]
    async fn pack(text: &str) -> Result<JsValue, JsValue>;

    /// The text `data` (unpadded base64url of raw DEFLATE) carries; rejects with `"base64"`,
    /// `"deflate"`, `"size"` (past `limit` bytes) or `"utf8"`.
    #[wasm_bindgen(catch)]
    async fn unpack(data: &str, limit: u32) -> Result<JsValue, JsValue>;
}

/// Encodes a plan as a fragment (without the `#`).
pub async fn encode(plan: &Plan) -> Result<String, String> {
    encode_text(&plan.to_json_compact()).await
}

/// Encodes a plan file's text (either version: an estate's too) as a fragment.
pub async fn encode_text(text: &str) -> Result<String, String> {
    let packed = pack(text).await.map_err(|_| {
        "this browser cannot compress a share link (no CompressionStream)".to_owned()
    })?;
    Ok(format!(
        "{PREFIX}{}",
        packed.as_string().unwrap_or_default()
    ))
}

/// Decodes a fragment (with or without the `#`); the error says what is wrong with the link.
pub async fn decode(fragment: &str) -> Result<Plan, String> {
    decode_within(fragment, MAX_INFLATED).await
}

/// [`decode`], refusing a link whose plan JSON is over `limit` bytes.
pub async fn decode_within(fragment: &str, limit: u32) -> Result<Plan, String> {
    let text = decode_text_within(fragment, limit).await?;
    crate::exports::read_plan(&text)
        .await
        .map_err(|e| format!("the shared plan cannot be read: {e}"))
}

/// The plan file's text a fragment carries (either version: the page reads an estate through
/// the worker, [`crate::estate`]).
pub async fn decode_text(fragment: &str) -> Result<String, String> {
    decode_text_within(fragment, MAX_INFLATED).await
}

async fn decode_text_within(fragment: &str, limit: u32) -> Result<String, String> {
    let text =
        unpack(payload(fragment)?, limit)
            .await
            .map_err(|e| match e.as_string().as_deref() {
                Some("base64") => "the shared link is damaged (not base64url)".to_owned(),
                Some("size") => {
                    format!("the shared link is too large (its plan is over {limit} bytes)")
                }
                Some("utf8") => "the shared link is damaged (not UTF-8)".to_owned(),
                _ => "the shared link is damaged (its data does not decompress)".to_owned(),
            })?;
    Ok(text.as_string().unwrap_or_default())
}

/// The base64url data of a fragment (with or without the `#`), or why it is not a link of ours.
pub fn payload(fragment: &str) -> Result<&str, String> {
    let f = fragment.trim_start_matches('#');
    f.strip_prefix(PREFIX).map(str::trim).ok_or_else(|| {
        format!(
            "this link's plan is in a format this planner does not read (`{}`); it expects `#v1=...`",
            f.chars().take(12).collect::<String>()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_v1_and_its_data() {
        assert_eq!(payload("#v1=abc").unwrap(), "abc");
        assert_eq!(payload("v1= abc ").unwrap(), "abc");
        assert!(payload("#v2=abc").unwrap_err().contains("format"));
        assert!(payload("").unwrap_err().contains("expects `#v1=...`"));
    }
}
