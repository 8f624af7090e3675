//! `rtgsim check`: the static analyzer over policy files.

use crate::{CheckArgs, Failure, Format};
use rtgsim_analyzer::{Finding, render};
use std::collections::BTreeMap;
use std::io::Write;

pub fn check(args: CheckArgs) -> Result<(), Failure> {
    let mut findings: Vec<Finding> = Vec::new();
    let mut sources = BTreeMap::new();
    for path in &args.policies {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::Input(format!("{name}: cannot read: {e}")))?;
        findings.extend(match path.extension().and_then(|e| e.to_str()) {
            Some("star") => rtgsim_analyzer::analyze_starlark(&name, &text),
            Some("json") => rtgsim_analyzer::analyze_tree(&name, &text),
            _ => {
                return Err(Failure::Input(format!(
                    "{name}: not a policy file (a .star script or a .json decision tree)"
                )));
            }
        });
        sources.insert(name, text);
    }
    let report = match args.format {
        Format::Human => render::human(&findings, &|file| sources.get(file).cloned()),
        Format::Json => render::json(&findings) + "\n",
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(report.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Run(format!("writing the report: {e}")))?;
    let failing = findings.iter().any(|f| f.is_error() || args.deny_warnings);
    if failing {
        Err(Failure::Findings)
    } else {
        Ok(())
    }
}
