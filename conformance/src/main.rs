//! The `upgrade-conformance` command line: `run`, `list`, `validate`, `models`.
//! Exit codes: 0 every case passed, 1 a case failed, 2 a usage or file error.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use upgrade_conformance::{load_paths, models, run, runner, Case, Options, Target, TargetConfig};

#[derive(Parser)]
#[command(
    name = "upgrade-conformance",
    version,
    about = "Replays scripted interactions against an upgrade API and checks responses and state transitions"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run cases against a target.
    Run {
        /// Base URL of the implementation under test (or `target:` in --config).
        #[arg(long)]
        target: Option<String>,
        /// Target config file: target URL and credentials per vendor.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Case files or directories (default: conformance/suites).
        paths: Vec<PathBuf>,
        /// Only cases whose id (`file: name`) contains this text or matches this regex.
        #[arg(long)]
        filter: Option<String>,
        /// Reports to write: junit=FILE, json=FILE, coverage=FILE (repeatable).
        #[arg(long = "report")]
        reports: Vec<String>,
        /// Cases at once on targets other than the simulator.
        #[arg(long, default_value_t = 1)]
        jobs: usize,
        /// Stop after the first failing case.
        #[arg(long)]
        fail_fast: bool,
        /// Show every step of every case, not only failing ones.
        #[arg(long, short)]
        verbose: bool,
        /// Print the coverage report after the results.
        #[arg(long)]
        coverage: bool,
        /// Rewrite snapshot files with what came back.
        #[arg(long)]
        update_snapshots: bool,
        /// Time to let pass before re-reading resources a case left in a final state
        /// (default 30m of virtual time on the simulator, 2s elsewhere).
        #[arg(long, value_name = "DURATION")]
        settle: Option<String>,
        /// Do not re-read resources left in a final state.
        #[arg(long)]
        no_recheck: bool,
    },
    /// List the cases found (after --filter).
    List {
        paths: Vec<PathBuf>,
        #[arg(long)]
        filter: Option<String>,
    },
    /// Check case files without running them.
    Validate {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print the built-in state models and documented endpoints.
    Models,
}

fn default_paths(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    if !paths.is_empty() {
        return paths;
    }
    let p = PathBuf::from("conformance/suites");
    if p.exists() {
        vec![p]
    } else {
        vec![PathBuf::from("suites")]
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match real_main(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("upgrade-conformance: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn real_main(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Validate { paths } => {
            let cases = load_paths(&paths)?;
            println!("{} cases OK", cases.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::List { paths, filter } => {
            let cases = load_paths(&default_paths(paths))?;
            for c in cases
                .iter()
                .filter(|c| runner::selected(c, filter.as_deref()))
            {
                let req = if c.requires.is_empty() {
                    String::new()
                } else {
                    format!("  [requires {}]", c.requires.join(", "))
                };
                println!("{}{req}", c.id());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Models => {
            for m in models::all() {
                println!("{} — {}\n  from {}", m.name, m.about, m.source);
                println!("  states: {}", m.states.join(", "));
                for (a, b, l) in &m.edges {
                    println!("    {a} -> {b}  [{l}]");
                }
            }
            println!("endpoints:");
            for e in models::endpoints() {
                println!("  {:9} {}", e.vendor, e.label());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            target,
            config,
            paths,
            filter,
            reports,
            jobs,
            fail_fast,
            verbose,
            coverage,
            update_snapshots,
            settle,
            no_recheck,
        } => {
            let settle_ms = settle
                .map(|d| {
                    upgrade_conformance::script::duration_ms(&serde_json::Value::from(d.clone()))
                        .map_err(|e| anyhow::anyhow!("--settle {d}: {e}"))
                })
                .transpose()?;
            let mut outputs = Vec::new();
            for r in &reports {
                match r.split_once('=') {
                    Some((kind @ ("junit" | "json" | "coverage"), file)) if !file.is_empty() => {
                        outputs.push((kind.to_string(), PathBuf::from(file)))
                    }
                    _ => {
                        anyhow::bail!("--report {r}: write junit=FILE, json=FILE or coverage=FILE")
                    }
                }
            }
            let cfg = match &config {
                Some(p) => TargetConfig::load(p)?,
                None => TargetConfig::default(),
            };
            let base = target.or(cfg.target.clone()).ok_or_else(|| {
                anyhow::anyhow!("no target: give --target URL or `target:` in --config FILE")
            })?;
            if !base.starts_with("http://") && !base.starts_with("https://") {
                anyhow::bail!("--target {base}: give a base URL like http://127.0.0.1:8080");
            }
            let cases = load_paths(&default_paths(paths))?;
            let rt = tokio::runtime::Runtime::new()?;
            let result = rt.block_on(async {
                let target = Target::connect(&base, cfg.credentials.clone().with_env()).await?;
                let chosen: Vec<&Case> = cases
                    .iter()
                    .filter(|c| runner::selected(c, filter.as_deref()))
                    .collect();
                if let Some(line) =
                    runner::missing_credentials(&chosen, &target.creds, target.simulator)
                {
                    anyhow::bail!(line);
                }
                let opts = Options {
                    filter,
                    jobs,
                    fail_fast,
                    update_snapshots,
                    progress: true,
                    settle_ms,
                    no_recheck,
                };
                anyhow::Ok(run(&cases, Arc::new(target), &opts).await)
            })?;
            print!("{}", result.terminal(verbose));
            if coverage {
                print!("\n{}", result.coverage.render());
            }
            for (kind, file) in outputs {
                let text = match kind.as_str() {
                    "junit" => result.junit(),
                    "json" => serde_json::to_string_pretty(&result.json())?,
                    _ => result.coverage.render(),
                };
                std::fs::write(&file, text)
                    .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", file.display()))?;
            }
            let (_, failed, _) = result.counts();
            Ok(if failed > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
