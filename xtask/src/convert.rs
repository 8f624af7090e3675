//! `cargo xtask convert`: writes `policies/converted/*.star`, the Starlark conversion
//! of every JSON policy in `policies/` (and `policies/builtin/`). A test in
//! `rtgsim-policy-convert` fails when the files fall behind the trees or the
//! converter; this command brings them up to date.

use std::path::{Path, PathBuf};

pub fn run(policies: &Path) -> Result<(), String> {
    let out_dir = policies.join("converted");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("{}: cannot create: {e}", out_dir.display()))?;
    let mut written = 0;
    for (tree, name) in trees(policies)? {
        let text = std::fs::read_to_string(&tree)
            .map_err(|e| format!("{}: cannot read: {e}", tree.display()))?;
        let origin = tree
            .strip_prefix(policies.parent().unwrap_or(policies))
            .unwrap_or(&tree)
            .display()
            .to_string();
        let script = rtgsim_policy_convert::convert_text(&text, &origin)
            .map_err(|e| format!("{origin}: {e}"))?;
        let path = out_dir.join(name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != script {
            std::fs::write(&path, script)
                .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            println!("wrote {}", path.display());
            written += 1;
        }
    }
    println!("{written} file(s) changed");
    Ok(())
}

/// Every JSON policy and the name of its conversion: `builtin/fifo.json` becomes
/// `builtin_fifo.star`.
pub fn trees(policies: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let mut found = Vec::new();
    for (dir, prefix) in [
        (policies.to_path_buf(), ""),
        (policies.join("builtin"), "builtin_"),
    ] {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("{}: cannot list: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().is_some_and(|e| e == "json") {
                let stem = path.file_stem().unwrap_or_default().to_string_lossy();
                found.push((path.clone(), format!("{prefix}{stem}.star")));
            }
        }
    }
    found.sort();
    Ok(found)
}
