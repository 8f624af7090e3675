//! `cargo xtask fuzz`: coverage-guided fuzzing of the parsers, the sandbox and the
//! converter with libFuzzer.
//!
//! The targets' bodies live in the `rtgsim-fuzz` crate (`fuzz/`), whose binaries
//! link libFuzzer only with its `libfuzzer` feature: the instrumentation needs the
//! nightly toolchain, and the project builds on the pinned stable one. This command
//! builds them with `cargo +nightly` and the coverage flags
//! cargo-fuzz would pass (so nothing beyond rustup's nightly has to be installed),
//! seeds each target's corpus with the project's own fixtures and policies, runs each
//! target for the time given, and prints what each did. Everything it writes is under
//! `target/fuzz/`: the build, the corpora (kept between runs, so coverage
//! accumulates), the logs, and any crashing input under `artifacts/<target>/`.

use rtgsim_fuzz::{TARGETS, Target, files_under};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What to run.
#[derive(Debug)]
pub struct Options {
    /// Seconds per target.
    pub seconds: u64,
    /// Stop each target after this many executions instead (or as well).
    pub runs: Option<u64>,
    /// Only these targets (all when empty).
    pub targets: Vec<String>,
    /// Build with AddressSanitizer as well (slower; our code forbids `unsafe`, the
    /// dependencies do not all).
    pub address_sanitizer: bool,
    /// Wall-clock seconds after which one input counts as a hang.
    pub timeout_seconds: u64,
}

/// One target's figures, from libFuzzer's final statistics.
#[derive(Debug)]
struct Outcome {
    target: String,
    executions: u64,
    executions_per_second: u64,
    peak_rss_mb: u64,
    corpus_files: usize,
    crashes: Vec<PathBuf>,
}

pub fn run(root: &Path, options: &Options) -> Result<(), String> {
    let targets = chosen_targets(&options.targets)?;
    let work = root.join("target/fuzz");
    let host = host_triple()?;
    build(root, &work, &host, options.address_sanitizer)?;
    let mut outcomes = Vec::new();
    for target in targets {
        let seed_dir = work.join("seeds").join(target.name);
        gather_seeds(root, target, &seed_dir)?;
        let binary = work.join(&host).join("release").join(target.name);
        outcomes.push(fuzz_one(&work, &binary, target.name, &seed_dir, options)?);
    }
    print_table(&outcomes);
    let crashed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.crashes.is_empty()).collect();
    if crashed.is_empty() {
        Ok(())
    } else {
        let list: Vec<String> = crashed
            .iter()
            .flat_map(|o| o.crashes.iter().map(|p| p.display().to_string()))
            .collect();
        Err(format!(
            "crashing inputs (reproduce with the target binary and the file):\n  {}",
            list.join("\n  ")
        ))
    }
}

fn chosen_targets(names: &[String]) -> Result<Vec<&'static Target>, String> {
    if names.is_empty() {
        return Ok(TARGETS.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            TARGETS
                .iter()
                .find(|target| target.name == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
                    format!("no fuzz target {name:?}; the targets: {}", known.join(", "))
                })
        })
        .collect()
}

/// The nightly toolchain's host triple. Building for an explicit `--target` keeps the
/// coverage flags off build scripts and procedural macros.
fn host_triple() -> Result<String, String> {
    let output = nightly("rustc")
        .arg("-vV")
        .output()
        .map_err(|e| format!("running rustc +nightly: {e}"))?;
    if !output.status.success() {
        return Err(
            "the fuzz targets need the nightly toolchain: `rustup toolchain install nightly`"
                .into(),
        );
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_string)
        .ok_or_else(|| "rustc -vV named no host".into())
}

/// `program +nightly`, free of the environment the stable `cargo xtask` set up.
fn nightly(program: &str) -> Command {
    let mut command = Command::new(program);
    command.arg("+nightly");
    for variable in [
        "RUSTUP_TOOLCHAIN",
        "RUSTC",
        "RUSTDOC",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
    ] {
        command.env_remove(variable);
    }
    command
}

/// The flags that make rustc emit libFuzzer's coverage counters, comparison traces
/// and stack depth, with the checks a debug build has.
fn rust_flags(address_sanitizer: bool) -> String {
    let mut flags = vec![
        "-Cpasses=sancov-module",
        "-Cllvm-args=-sanitizer-coverage-level=4",
        "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
        "-Cllvm-args=-sanitizer-coverage-pc-table",
        "-Cllvm-args=-sanitizer-coverage-trace-compares",
        "-Cllvm-args=-sanitizer-coverage-stack-depth",
        "--cfg=fuzzing",
        "-Cdebug-assertions",
        "-Coverflow-checks",
    ];
    if address_sanitizer {
        flags.push("-Zsanitizer=address");
    }
    flags.join(" ")
}

fn build(root: &Path, work: &Path, host: &str, address_sanitizer: bool) -> Result<(), String> {
    eprintln!("xtask fuzz: building the targets (cargo +nightly, release, instrumented)");
    let status = nightly("cargo")
        .args(["build", "--release", "--locked", "--bins", "--target", host])
        .args(["--package", "rtgsim-fuzz", "--features", "libfuzzer"])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", work)
        .env("RUSTFLAGS", rust_flags(address_sanitizer))
        .status()
        .map_err(|e| format!("running cargo +nightly: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("building the fuzz targets failed".into())
    }
}

/// Copies every seed file for a target into one directory, named by its path so
/// two fixtures with one name both go in.
fn gather_seeds(root: &Path, target: &Target, into: &Path) -> Result<(), String> {
    fs::create_dir_all(into).map_err(|e| format!("{}: {e}", into.display()))?;
    for path in target.seed_files(root) {
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let name = relative.to_string_lossy().replace(['/', '\\'], "__");
        fs::copy(&path, into.join(name)).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn fuzz_one(
    work: &Path,
    binary: &Path,
    target: &str,
    seed_dir: &Path,
    options: &Options,
) -> Result<Outcome, String> {
    let corpus = work.join("corpus").join(target);
    let artifacts = work.join("artifacts").join(target);
    let logs = work.join("logs");
    // A crash left by an earlier run has been reported then; this run's are its own.
    let _ = fs::remove_dir_all(&artifacts);
    for dir in [&corpus, &artifacts, &logs] {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let log_path = logs.join(format!("{target}.log"));
    let log = fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    eprintln!(
        "xtask fuzz: {target} for {} s (log: {})",
        options.seconds,
        log_path.display()
    );
    let mut command = Command::new(binary);
    command
        .arg(&corpus)
        .arg(seed_dir)
        .arg(format!("-max_total_time={}", options.seconds))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        // A single input that runs for the timeout (10 s unless raised) is a hang; one
        // that needs 2 GB is a leak or an unbounded allocation. Both are findings.
        .arg(format!("-timeout={}", options.timeout_seconds))
        .arg("-rss_limit_mb=2048")
        .arg("-max_len=65536")
        .arg("-print_final_stats=1")
        .stdout(std::process::Stdio::null())
        .stderr(log);
    if let Some(runs) = options.runs {
        command.arg(format!("-runs={runs}"));
    }
    let status = command
        .status()
        .map_err(|e| format!("running {}: {e}", binary.display()))?;
    let text = fs::read_to_string(&log_path).unwrap_or_default();
    let crashes = files_under(&artifacts);
    if !status.success() && crashes.is_empty() {
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        return Err(format!(
            "{target} stopped with {status} and left no input behind:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    Ok(Outcome {
        target: target.to_string(),
        executions: stat(&text, "number_of_executed_units"),
        executions_per_second: stat(&text, "average_exec_per_sec"),
        peak_rss_mb: stat(&text, "peak_rss_mb"),
        corpus_files: files_under(&corpus).len(),
        crashes,
    })
}

/// A figure from libFuzzer's `-print_final_stats` lines (`stat::name: value`).
fn stat(log: &str, name: &str) -> u64 {
    let prefix = format!("stat::{name}:");
    log.lines()
        .rev()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0)
}

fn print_table(outcomes: &[Outcome]) {
    println!(
        "{:<10} {:>14} {:>10} {:>8} {:>9} {:>8}",
        "target", "executions", "exec/s", "corpus", "rss MB", "crashes"
    );
    for o in outcomes {
        println!(
            "{:<10} {:>14} {:>10} {:>8} {:>9} {:>8}",
            o.target,
            o.executions,
            o.executions_per_second,
            o.corpus_files,
            o.peak_rss_mb,
            o.crashes.len()
        );
    }
}
