//! A proposer that is any program: the prompt goes to its standard input as JSON,
//! the candidate comes back on its standard output. It runs through `sh -c`, so a
//! command line with arguments and pipes works (`llm -m some-model`, `python3
//! propose.py`). A proposer that exits with an error, prints nothing or outlives its
//! time limit gives no candidate; the next prompt says what happened.

use super::Proposer;
use super::prompt::Prompt;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct CommandProposer {
    pub command: String,
    pub time_limit: Duration,
}

impl Proposer for CommandProposer {
    fn name(&self) -> String {
        self.command.clone()
    }

    fn propose(&mut self, prompt: &Prompt) -> Result<String, String> {
        let input = serde_json::to_vec_pretty(prompt).map_err(|e| e.to_string())?;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&self.command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start `{}`: {e}", self.command))?;
        // Writing, reading and waiting on their own threads: a proposer that answers
        // before it has read everything must not deadlock against a full pipe.
        let mut stdin = child.stdin.take();
        let writer = std::thread::spawn(move || {
            if let Some(stdin) = stdin.as_mut() {
                let _ = stdin.write_all(&input);
            }
        });
        let reader = |pipe: Option<Box<dyn Read + Send>>| {
            std::thread::spawn(move || {
                let mut text = String::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_string(&mut text);
                }
                text
            })
        };
        let stdout = reader(
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        );
        let stderr = reader(
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        );
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() > self.time_limit => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(format!(
                        "`{}` gave no answer within {} s",
                        self.command,
                        self.time_limit.as_secs()
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => return Err(format!("waiting for `{}`: {e}", self.command)),
            }
        };
        let _ = writer.join();
        let reply = stdout.join().unwrap_or_default();
        let errors = stderr.join().unwrap_or_default();
        if !status.success() {
            return Err(format!(
                "`{}` failed ({status}): {}",
                self.command,
                rtgsim_diagnostics::clip_message(errors.trim())
            ));
        }
        if reply.trim().is_empty() {
            return Err(format!("`{}` printed no policy", self.command));
        }
        Ok(reply)
    }
}
