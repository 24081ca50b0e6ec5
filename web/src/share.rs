//! The plan in a URL fragment (`#v1=` + base64url of the deflated plan JSON). Pure functions:
//! testable natively.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use byocni_core::Plan;

/// The fragment prefix of a version 1 share link.
pub const PREFIX: &str = "v1=";

/// Encodes a plan as a fragment (without the `#`).
pub fn encode(plan: &Plan) -> String {
    let json = plan.to_json_compact();
    let packed = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 9);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(packed))
}

/// Decodes a fragment (with or without the `#`); the error says what is wrong with the link.
pub fn decode(fragment: &str) -> Result<Plan, String> {
    let f = fragment.trim_start_matches('#');
    let Some(data) = f.strip_prefix(PREFIX) else {
        return Err(format!(
            "this link's plan is in a format this planner does not read (`{}`); it expects `#v1=...`",
            f.chars().take(12).collect::<String>()
        ));
    };
    let packed = URL_SAFE_NO_PAD
        .decode(data.trim())
        .map_err(|e| format!("the shared link is damaged (not base64url: {e})"))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, 64 << 20)
        .map_err(|_| "the shared link is damaged (its data does not decompress)".to_owned())?;
    let text =
        String::from_utf8(json).map_err(|_| "the shared link is damaged (not UTF-8)".to_owned())?;
    Plan::from_json(&text).map_err(|e| format!("the shared plan cannot be read: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let p = Plan::example();
        let f = encode(&p);
        assert!(f.starts_with("v1="));
        assert_eq!(decode(&format!("#{f}")).unwrap(), p);
    }

    #[test]
    fn broken_links_say_why() {
        assert!(decode("#v2=abc").unwrap_err().contains("format"));
        assert!(decode("#v1=@@@").unwrap_err().contains("damaged"));
        assert!(decode("#v1=AAAA").unwrap_err().contains("damaged"));
        let not_a_plan = URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(b"{}", 9));
        assert!(decode(&format!("v1={not_a_plan}"))
            .unwrap_err()
            .contains("cannot be read"));
    }
}
