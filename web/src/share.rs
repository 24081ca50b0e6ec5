//! The plan in a URL fragment: `#v1=` + base64url of the plan's compact JSON, raw-deflated.
//!
//! The browser's own `CompressionStream` / `DecompressionStream` (`"deflate-raw"`) do the
//! (de)compression, so the wasm carries no deflate code of its own (miniz_oxide cost 9 KB of the
//! gzip transfer, see docs/benchmarks.md); links from earlier builds, deflated by miniz_oxide,
//! are the same format and still open. The framing ([`frame`], [`unframe`]) and reading the plan
//! ([`read`]) are pure and tested natively; the streams are tested in the browser
//! (`web/tests/components.rs`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use byocni_core::Plan;
use wasm_bindgen::prelude::*;

/// The fragment prefix of a version 1 share link.
pub const PREFIX: &str = "v1=";

/// The most a link may inflate to: a crafted link stops here instead of filling the memory.
const MAX_INFLATED: u32 = 64 << 20;

#[wasm_bindgen(inline_js = r#"
export async function deflateRaw(data) {
  const s = new Blob([data]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(s).arrayBuffer());
}
export async function inflateRaw(data, limit) {
  const r = new Blob([data]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const parts = [];
  let n = 0;
  for (;;) {
    const { done, value } = await r.read();
    if (done) break;
    n += value.length;
    if (n > limit) {
      await r.cancel();
      throw new RangeError('inflates past the limit');
    }
    parts.push(value);
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
"#)]
extern "C" {
    /// Raw DEFLATE of `data` (a `Uint8Array`); `data` is copied before the first await.
    #[wasm_bindgen(catch, js_name = deflateRaw)]
    async fn deflate_raw(data: &[u8]) -> Result<JsValue, JsValue>;

    /// Inflates raw DEFLATE `data` to a `Uint8Array`; a `RangeError` past `limit` bytes.
    #[wasm_bindgen(catch, js_name = inflateRaw)]
    async fn inflate_raw(data: &[u8], limit: u32) -> Result<JsValue, JsValue>;
}

/// Encodes a plan as a fragment (without the `#`).
pub async fn encode(plan: &Plan) -> Result<String, String> {
    let json = plan.to_json_compact();
    let packed = deflate_raw(json.as_bytes()).await.map_err(|_| {
        "this browser cannot compress a share link (no CompressionStream)".to_owned()
    })?;
    Ok(frame(&js_sys::Uint8Array::new(&packed).to_vec()))
}

/// Decodes a fragment (with or without the `#`); the error says what is wrong with the link.
pub async fn decode(fragment: &str) -> Result<Plan, String> {
    decode_within(fragment, MAX_INFLATED).await
}

/// [`decode`], refusing a link whose plan JSON is over `limit` bytes.
pub async fn decode_within(fragment: &str, limit: u32) -> Result<Plan, String> {
    let packed = unframe(fragment)?;
    let json = inflate_raw(&packed, limit).await.map_err(|e| {
        if e.is_instance_of::<js_sys::RangeError>() {
            format!("the shared link is too large (its plan is over {limit} bytes)")
        } else {
            "the shared link is damaged (its data does not decompress)".to_owned()
        }
    })?;
    let text = plan_text(js_sys::Uint8Array::new(&json).to_vec())?;
    crate::exports::read_plan(&text)
        .await
        .map_err(|e| format!("the shared plan cannot be read: {e}"))
}

/// The fragment (without the `#`) that carries `packed`, the deflated plan JSON.
pub fn frame(packed: &[u8]) -> String {
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(packed))
}

/// The deflated plan JSON a fragment (with or without the `#`) carries.
pub fn unframe(fragment: &str) -> Result<Vec<u8>, String> {
    let f = fragment.trim_start_matches('#');
    let Some(data) = f.strip_prefix(PREFIX) else {
        return Err(format!(
            "this link's plan is in a format this planner does not read (`{}`); it expects `#v1=...`",
            f.chars().take(12).collect::<String>()
        ));
    };
    URL_SAFE_NO_PAD
        .decode(data.trim())
        .map_err(|e| format!("the shared link is damaged (not base64url: {e})"))
}

/// The plan file text in a link's inflated bytes.
pub fn plan_text(json: Vec<u8>) -> Result<String, String> {
    String::from_utf8(json).map_err(|_| "the shared link is damaged (not UTF-8)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let bytes = [0_u8, 1, 2, 250, 255];
        let f = frame(&bytes);
        assert!(f.starts_with("v1="));
        assert!(
            !f[PREFIX.len()..].contains(['+', '/', '=']),
            "url-safe, unpadded: {f}"
        );
        assert_eq!(unframe(&format!("#{f}")).unwrap(), bytes);
        assert_eq!(unframe(&f).unwrap(), bytes);
    }

    #[test]
    fn broken_links_say_why() {
        assert!(unframe("#v2=abc").unwrap_err().contains("format"));
        assert!(unframe("#v1=@@@").unwrap_err().contains("damaged"));
        assert!(plan_text(vec![0xff, 0xfe])
            .unwrap_err()
            .contains("not UTF-8"));
    }

    #[test]
    fn a_plan_reads_back() {
        let p = Plan::example();
        let text = plan_text(p.to_json_compact().into_bytes()).unwrap();
        assert_eq!(Plan::from_json(&text).unwrap(), p);
    }
}
