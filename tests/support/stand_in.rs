//! A stand-in of the test tooling, shared by the CLI and Lambda tests (included with `#[path]`).

use std::path::PathBuf;
use std::process::Command;

/// `tests/moto`, the test tooling, from the including crate's directory.
fn moto_tools() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|p| p.join("tests/moto"))
        .find(|p| p.is_dir())
        .expect("tests/moto is in the checkout")
}

/// A stand-in of the test tooling (`tests/moto/*.py`, run with moto's Python): it prints its
/// port on its first line, then serves on 127.0.0.1 until dropped.
pub struct StandIn {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl StandIn {
    /// Starts `tests/moto/SCRIPT ARGS...`.
    pub fn start(script: &str, args: &[&str]) -> StandIn {
        use std::io::BufRead;
        let python = std::env::var("CUSTODIAN_MOTO_PYTHON").expect("CUSTODIAN_MOTO_PYTHON is unset: run ./scripts/test.sh");
        let mut child = Command::new(python)
            .arg(moto_tools().join(script))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the stand-in starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        StandIn {
            child,
            url: format!("http://127.0.0.1:{}", line.trim()),
        }
    }

    /// `GET path`, its JSON body.
    pub fn get_json(&self, path: &str) -> serde_json::Value {
        use std::io::{Read, Write};
        let mut conn = std::net::TcpStream::connect(self.url.trim_start_matches("http://")).unwrap();
        write!(conn, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = String::new();
        conn.read_to_string(&mut response).unwrap();
        serde_json::from_str(response.split_once("\r\n\r\n").unwrap().1).unwrap()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
