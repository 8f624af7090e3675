//! One headless Chromium process with a fresh profile, shut down (or killed) when
//! dropped, and the scratch directories the harness and its tests write into.

use super::cdp::remaining;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const CHROMIUM: &str = "/usr/bin/chromium";
const INSTALL_HINT: &str =
    "run scripts/install-chromium.sh (as root) or `cargo xtask test`, which runs it";

/// How long a closed browser gets to exit before it is killed.
const EXIT_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct Chromium {
    child: Child,
    profile: ScratchDir,
}

impl Chromium {
    /// Starts Chromium headless on a fresh profile, with every route off the machine
    /// closed: a page that asks for anything on the network gets a quick failure
    /// (which the harness reports), not a wait for a remote host.
    pub fn launch(program: &Path) -> Result<Chromium, String> {
        if !program.exists() {
            return Err(format!("{} is missing: {INSTALL_HINT}", program.display()));
        }
        let profile = ScratchDir::new("chromium-profile")?;
        let stderr_path = profile.path().join("chromium-stderr.log");
        let stderr = File::create(&stderr_path)
            .map_err(|error| format!("creating {}: {error}", stderr_path.display()))?;
        let child = Command::new(program)
            .args([
                "--headless",
                "--no-sandbox", // tests run as root, where the sandbox refuses to start
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                "--mute-audio",
                // Nothing resolves and every proxied request is refused at once.
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--proxy-server=127.0.0.1:9",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            // Crash reports, caches and settings go to the scratch profile, not the
            // user's home (the crash reporter follows HOME, not XDG_CONFIG_HOME).
            .env("HOME", profile.path())
            .env("XDG_CONFIG_HOME", profile.path())
            .env("XDG_CACHE_HOME", profile.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|error| format!("starting {}: {error}; {INSTALL_HINT}", program.display()))?;
        Ok(Chromium { child, profile })
    }

    /// The DevTools port and browser path, which Chromium writes to
    /// `DevToolsActivePort` in its profile once it listens.
    pub fn devtools_endpoint(&mut self, deadline: Instant) -> Result<(u16, String), String> {
        let file = self.profile.path().join("DevToolsActivePort");
        loop {
            if let Ok(text) = fs::read_to_string(&file)
                && let Some((port, path)) = text.split_once('\n')
                && let Ok(port) = port.trim().parse::<u16>()
                && path.trim().starts_with("/devtools/browser/")
            {
                return Ok((port, path.trim().to_string()));
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "Chromium exited ({status}) before listening for DevTools; its stderr ends:\n{}",
                    self.stderr_tail()
                ));
            }
            remaining(deadline, "Chromium to listen for DevTools")
                .map_err(|error| format!("{error}; its stderr ends:\n{}", self.stderr_tail()))?;
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits a little for the browser to exit after `Browser.close`, then kills it.
    pub fn wait_for_exit(&mut self) {
        let deadline = Instant::now() + EXIT_WAIT;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
    }

    /// The last lines Chromium wrote to stderr, for error messages; without its
    /// complaints that there is no D-Bus (there is none in a container), which
    /// would crowd out anything useful.
    pub fn stderr_tail(&self) -> String {
        let text =
            fs::read_to_string(self.profile.path().join("chromium-stderr.log")).unwrap_or_default();
        let lines: Vec<&str> = text
            .lines()
            .filter(|line| !line.contains(":ERROR:dbus/"))
            .collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    fn kill(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill(); // it may have exited in between
            let _ = self.child.wait();
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A directory under the system's temporary directory, removed when dropped.
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    pub fn new(name: &str) -> Result<ScratchDir, String> {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "rtgsim-browser-{name}-{}-{}-{nanos}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&path)
            .map_err(|error| format!("creating {}: {error}", path.display()))?;
        Ok(ScratchDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path); // best effort: it is a temporary directory
    }
}
