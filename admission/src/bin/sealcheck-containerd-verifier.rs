//! `sealcheck-containerd-verifier`: containerd 2.x's `io.containerd.image-verifier.v1.bindir`
//! image verifier (see `sealcheck_admission::containerd`). Its own binary, not a `sealcheck`
//! subcommand: containerd execs every file of `bin_dir` with only its own flags, so a
//! subcommand would need a wrapper script, and the file name is what containerd's errors name.

fn main() -> std::process::ExitCode {
    sealcheck_admission::containerd::main()
}
