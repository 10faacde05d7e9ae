//! Saved-state checks run before nice-plug restores a state: a state written by a newer,
//! unknown schema is refused (nothing is loaded and the current settings stay) rather than
//! half-applied.

use nice_plug::prelude::PluginState;

use crate::params::STATE_VERSION;

/// The schema version recorded in `state`; states without the field predate it (version 1).
pub fn state_version(state: &PluginState) -> Result<u32, String> {
    match state.fields.get("state_version") {
        None => Ok(1),
        Some(json) => json
            .trim()
            .parse::<u32>()
            .map_err(|_| format!("state_version {json:?} is not a number")),
    }
}

/// Empties `state` unless this build understands its version; returns why it was refused.
pub fn refuse_unknown_version(state: &mut PluginState) -> Option<String> {
    let reason = match state_version(state) {
        Ok(version) if (1..=STATE_VERSION).contains(&version) => return None,
        Ok(version) => format!(
            "saved state has version {version}, this Synesthete understands up to {STATE_VERSION}; \
             update the plugin to load it"
        ),
        Err(reason) => reason,
    };
    state.params.clear();
    state.fields.clear();
    Some(reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nice_plug::plugin::ParamValue;
    use std::collections::BTreeMap;

    fn state(version: Option<&str>) -> PluginState {
        let mut fields = BTreeMap::new();
        if let Some(v) = version {
            fields.insert("state_version".to_string(), v.to_string());
        }
        let mut params = BTreeMap::new();
        params.insert("hue".to_string(), ParamValue::F32(90.0));
        PluginState {
            version: "0.1.0".into(),
            params,
            fields,
        }
    }

    #[test]
    fn current_and_legacy_versions_load() {
        for version in [Some("1"), None] {
            let mut s = state(version);
            assert_eq!(refuse_unknown_version(&mut s), None);
            assert_eq!(s.params.len(), 1);
        }
    }

    #[test]
    fn newer_or_garbled_versions_are_refused_whole() {
        for version in ["99", "\"x\"", "0"] {
            let mut s = state(Some(version));
            let reason = refuse_unknown_version(&mut s).expect("must refuse");
            assert!(!reason.is_empty());
            assert!(s.params.is_empty() && s.fields.is_empty(), "{version}");
        }
    }
}
