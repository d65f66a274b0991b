//! The build script of every Rust benchmark crate (`build = "../../../../harness/rust/bench_build.rs"`
//! in workloads/<name>/rust/bench/Cargo.toml). Captures what the JSON context says about
//! the build: the compiler (`rustc --version`), the release profile's settings (from the
//! bench crate's Cargo.toml) and RUSTFLAGS, the build type, and the git revision of the
//! testbed.

use std::env;
use std::path::Path;
use std::process::Command;

fn output(program: &str, args: &[&str], dir: &Path) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .to_path_buf();
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let compiler =
        output(&rustc, &["--version"], &dir).unwrap_or_else(|| "rustc (unknown version)".into());

    // The [profile.release] lines of Cargo.toml, "key=value" joined with spaces.
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
    let mut in_release = false;
    let mut settings = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_release = line == "[profile.release]";
        } else if in_release && !line.is_empty() && !line.starts_with('#') {
            if let Some((key, value)) = line.split_once('=') {
                settings.push(format!("{}={}", key.trim(), value.trim().trim_matches('"')));
            }
        }
    }
    let profile = env::var("PROFILE").unwrap_or_default();
    let rustflags = env::var("CARGO_ENCODED_RUSTFLAGS")
        .unwrap_or_default()
        .replace('\u{1f}', " ");
    let flags = if profile == "release" {
        format!(
            "cargo --release: {}{}",
            settings.join(" "),
            if rustflags.is_empty() {
                String::new()
            } else {
                format!(" RUSTFLAGS={rustflags}")
            }
        )
    } else {
        format!(
            "cargo profile {profile}: opt-level={}",
            env::var("OPT_LEVEL").unwrap_or_default()
        )
    };
    let build_type = if profile == "release" {
        "Release"
    } else {
        "Debug"
    };

    let revision = output("git", &["rev-parse", "--short=12", "HEAD"], &dir)
        .unwrap_or_else(|| "unknown".into());
    if let Some(git_dir) = output("git", &["rev-parse", "--absolute-git-dir"], &dir) {
        // A commit or checkout appends to logs/HEAD: rebuild (this crate only) then.
        println!("cargo:rerun-if-changed={git_dir}/HEAD");
        println!("cargo:rerun-if-changed={git_dir}/logs/HEAD");
    }
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    println!("cargo:rustc-env=TESTBED_RUST_COMPILER={compiler}");
    println!("cargo:rustc-env=TESTBED_RUST_FLAGS={flags}");
    println!("cargo:rustc-env=TESTBED_RUST_BUILD_TYPE={build_type}");
    println!("cargo:rustc-env=TESTBED_GIT_REVISION={revision}");
}
