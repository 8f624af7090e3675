//! `rtgsim convert`: a JSON decision tree as an equivalent Starlark script.

use crate::{ConvertArgs, Failure};
use std::io::Write;

pub fn convert(args: ConvertArgs) -> Result<(), Failure> {
    let name = args.tree.display().to_string();
    let text = std::fs::read_to_string(&args.tree)
        .map_err(|e| Failure::Input(format!("{name}: cannot read: {e}")))?;
    let origin = args
        .tree
        .file_name()
        .map_or(name.clone(), |f| f.to_string_lossy().into_owned());
    // An invalid tree and a tree with no Starlark equivalent are both input errors.
    let script = rtgsim_policy_convert::convert_text(&text, &origin)
        .map_err(|e| Failure::Input(format!("{name}: {e}")))?;
    match &args.output {
        Some(path) => std::fs::write(path, &script)
            .map_err(|e| Failure::Run(format!("{}: cannot write: {e}", path.display()))),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(script.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| Failure::Run(format!("writing the script: {e}")))
        }
    }
}
