//! A policy as text in one of the languages a proposer writes: a Starlark script, a
//! JSON decision tree, or a built-in policy's mapping (`{type: LiquidityAware, ...}`
//! in YAML or JSON).

use rtgsim_scenario::config::ScenarioInput;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    Starlark,
    Tree,
    Builtin,
}

impl Language {
    pub fn name(self) -> &'static str {
        match self {
            Language::Starlark => "starlark",
            Language::Tree => "tree",
            Language::Builtin => "builtin",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyText {
    pub language: Language,
    pub text: String,
}

impl PolicyText {
    /// Agent `index`'s policy as the scenario gives it (files read from where the
    /// scenario's are).
    pub fn of_scenario(input: &ScenarioInput, index: usize) -> Result<PolicyText, String> {
        let section = input.file.agents[index]
            .policy
            .as_ref()
            .map_or_else(|| serde_json::json!({"type": "Fifo"}), |p| p.0.clone());
        PolicyText::of_section(&section, &|path| {
            let mut resolved = input.clone();
            resolved.resolve().map_err(|e| e.to_string())?;
            resolved
                .policy_files()
                .get(path)
                .cloned()
                .ok_or_else(|| format!("{path}: not read by the scenario"))
        })
    }

    /// The policy a `policy:` mapping stands for, its files read with `read`: a
    /// script or tree given inline or by path, an inline tree document, or a
    /// built-in policy's mapping itself.
    pub fn of_section(
        section: &Json,
        read: &dyn Fn(&str) -> Result<String, String>,
    ) -> Result<PolicyText, String> {
        let field = |key: &str| section.get(key).and_then(Json::as_str);
        let inline_or_file = |inline: &str, path: &str| match (field(inline), field(path)) {
            (Some(text), _) => Ok(text.to_string()),
            (None, Some(path)) => read(path),
            (None, None) => Err(format!("a policy with neither `{inline}` nor `{path}`")),
        };
        Ok(match field("type").unwrap_or("Fifo") {
            "Starlark" => PolicyText {
                language: Language::Starlark,
                text: inline_or_file("script", "path")?,
            },
            "FromJson" => PolicyText {
                language: Language::Tree,
                text: inline_or_file("json_string", "json_path")?,
            },
            "Inline" => PolicyText {
                language: Language::Tree,
                text: pretty(section.get("decision_trees").unwrap_or(&Json::Null)),
            },
            _ => PolicyText {
                language: Language::Builtin,
                text: pretty(section),
            },
        })
    }

    /// What a proposer replied, read in the language of the policy it improves on (a
    /// reply that is a JSON object with a `type` is a built-in mapping, and one
    /// without, a tree).
    pub fn from_reply(reply: &str, like: Language) -> PolicyText {
        let text = strip_fence(reply).to_string();
        let language = match serde_json::from_str::<Json>(&text) {
            Ok(Json::Object(map)) if map.contains_key("type") => Language::Builtin,
            Ok(Json::Object(_)) => Language::Tree,
            _ if like == Language::Builtin => Language::Builtin,
            _ => Language::Starlark,
        };
        PolicyText { language, text }
    }

    /// The `policy:` mapping that runs this text.
    pub fn section(&self) -> Result<Json, String> {
        match self.language {
            Language::Starlark => Ok(serde_json::json!({"type": "Starlark", "script": self.text})),
            Language::Tree => Ok(serde_json::json!({"type": "FromJson", "json_string": self.text})),
            Language::Builtin => {
                let value: Json = serde_norway::from_str(&self.text)
                    .map_err(|e| format!("not a policy mapping: {e}"))?;
                if value.get("type").and_then(Json::as_str).is_none() {
                    return Err("a policy mapping needs a `type`".into());
                }
                Ok(value)
            }
        }
    }
}

fn pretty(value: &Json) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// A reply fenced as Markdown code (```lang ... ```), as chat models write, without
/// the fence.
fn strip_fence(reply: &str) -> &str {
    let trimmed = reply.trim();
    let Some(rest) = trimmed.strip_prefix("```") else {
        return trimmed;
    };
    let body = rest.split_once('\n').map_or("", |(_, body)| body);
    body.trim_end().strip_suffix("```").unwrap_or(body).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_by_kind() {
        let read = |path: &str| Ok(format!("text of {path}"));
        let of = |section: Json| PolicyText::of_section(&section, &read);
        let script = of(serde_json::json!({"type": "Starlark", "path": "p.star"})).unwrap();
        assert_eq!(
            script,
            PolicyText {
                language: Language::Starlark,
                text: "text of p.star".into()
            }
        );
        let tree = of(serde_json::json!({"type": "FromJson", "json_string": "{}"})).unwrap();
        assert_eq!(
            tree,
            PolicyText {
                language: Language::Tree,
                text: "{}".into()
            }
        );
        // An inline tree is a tree, not a built-in policy's mapping.
        let inline =
            of(serde_json::json!({"type": "Inline", "decision_trees": {"version": "1.0"}}))
                .unwrap();
        assert_eq!(inline.language, Language::Tree);
        assert_eq!(
            serde_json::from_str::<Json>(&inline.text).unwrap(),
            serde_json::json!({"version": "1.0"})
        );
        let builtin = of(serde_json::json!({"type": "Fifo"})).unwrap();
        assert_eq!(builtin.language, Language::Builtin);
        assert!(of(serde_json::json!({"type": "Starlark"})).is_err());
    }

    #[test]
    fn replies_are_read_by_shape() {
        let tree = PolicyText::from_reply("{\"version\": \"1.0\"}", Language::Starlark);
        assert_eq!(tree.language, Language::Tree);
        let mapping = PolicyText::from_reply("{\"type\": \"Fifo\"}", Language::Tree);
        assert_eq!(mapping.language, Language::Builtin);
        let script = PolicyText::from_reply("```python\ndef f():\n    pass\n```\n", Language::Tree);
        assert_eq!(
            script,
            PolicyText {
                language: Language::Starlark,
                text: "def f():\n    pass".into()
            }
        );
        let yaml = PolicyText::from_reply("type: Fifo\n", Language::Builtin);
        assert_eq!(yaml.section(), Ok(serde_json::json!({"type": "Fifo"})));
    }
}
