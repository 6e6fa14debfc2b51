//! The adapter benchmarks: `cargo bench -p auth-bench -- [--rows ..] [--quick] [--no-scale]`,
//! or `cargo xtask bench`. See `auth_bench` for the flags.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench`; `cargo test --benches` / `--all-targets` does not, and must
    // not start a 10-minute run against the local servers.
    if !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--list") {
        eprintln!("auth-bench: not run (only under `cargo bench` / `cargo xtask bench`)");
        return;
    }
    auth_bench::run(&auth_bench::Config::from_args(&args));
}
