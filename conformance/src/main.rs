//! The `upgrade-conformance` command line: `run`, `diff`, `record`, `list`, `validate`,
//! `models`. Exit codes: 0 every case passed (or the targets agree), 1 a case failed (or they
//! differ), 2 a usage, file or credentials error.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use upgrade_conformance::{
    diff, load_paths, models, record, run, runner, Case, Options, RunResult, Target, TargetConfig,
};

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

/// What to run and how, shared by `run` and `diff`.
#[derive(Args)]
struct Selection {
    /// Target config file: target URL and credentials per vendor (on the simulator, what it
    /// leaves out comes from the simulator).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Case files or directories (default: conformance/suites).
    paths: Vec<PathBuf>,
    /// Only cases whose id (`file: name`) contains this text or matches this regex.
    #[arg(long)]
    filter: Option<String>,
    /// Cases at once on targets other than the simulator.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Time to let pass before re-reading resources a case left in a final state
    /// (default 30m of virtual time on the simulator, 2s elsewhere).
    #[arg(long, value_name = "DURATION")]
    settle: Option<String>,
    /// Do not re-read resources left in a final state.
    #[arg(long)]
    no_recheck: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Print the JSON Schema (2020-12) of a file format, for editors and CI (schemas/ has copies).
    Schema {
        #[arg(value_enum)]
        format: SchemaFormat,
        /// Where to write it; standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run cases against a target.
    Run {
        /// Base URL of the implementation under test (or `target:` in --config).
        #[arg(long)]
        target: Option<String>,
        #[command(flatten)]
        sel: Selection,
        /// Reports to write: junit=FILE, json=FILE, html=FILE, coverage=FILE (repeatable).
        #[arg(long = "report")]
        reports: Vec<String>,
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
    },
    /// Run the same cases against two targets and report where their answers differ in
    /// shape (statuses, fields, types, error codes) or in state trajectories.
    Diff {
        /// The first target's base URL.
        #[arg(long)]
        a: String,
        /// The second target's base URL.
        #[arg(long)]
        b: String,
        #[command(flatten)]
        sel: Selection,
        /// Write the comparison as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// A recording proxy: run your own client through it; when stopped (Ctrl-C, SIGTERM) it
    /// writes a case file that replays what the client did.
    Record {
        /// Where to forward (the target).
        #[arg(long)]
        upstream: String,
        /// Address to listen on, e.g. 127.0.0.1:8081 (port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
        /// The case file to write.
        #[arg(long)]
        out: PathBuf,
        /// The vendor (obshell, ota, taurusdb, unity); guessed from the paths when left out.
        #[arg(long)]
        vendor: Option<String>,
        /// The recorded case's name.
        #[arg(long, default_value = "a recorded session")]
        name: String,
        /// Serve the proxy over HTTPS with a self-signed certificate (for storops).
        #[arg(long)]
        tls: bool,
        /// Target config file: the credentials for re-signing Huawei requests (on the
        /// simulator, what it leaves out comes from the simulator).
        #[arg(long)]
        config: Option<PathBuf>,
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

fn default_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    if !paths.is_empty() {
        return paths.to_vec();
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

fn check_url(flag: &str, base: &str) -> anyhow::Result<()> {
    if !base.starts_with("http://") && !base.starts_with("https://") {
        anyhow::bail!("{flag} {base}: give a base URL like http://127.0.0.1:8080");
    }
    Ok(())
}

impl Selection {
    fn config(&self) -> anyhow::Result<TargetConfig> {
        match &self.config {
            Some(p) => TargetConfig::load(p),
            None => Ok(TargetConfig::default()),
        }
    }

    fn options(&self) -> anyhow::Result<Options> {
        let settle_ms = self
            .settle
            .as_ref()
            .map(|d| {
                upgrade_conformance::script::duration_ms(&serde_json::Value::from(d.clone()))
                    .map_err(|e| anyhow::anyhow!("--settle {d}: {e}"))
            })
            .transpose()?;
        Ok(Options {
            filter: self.filter.clone(),
            jobs: self.jobs,
            settle_ms,
            no_recheck: self.no_recheck,
            ..Options::default()
        })
    }

    /// Connects to `base` (stopping when credentials are missing) and runs the cases.
    async fn run(
        &self,
        base: &str,
        cfg: &TargetConfig,
        cases: &[Case],
        opts: &Options,
    ) -> anyhow::Result<RunResult> {
        let creds = cfg.credentials.clone().with_env();
        let target = Target::connect_for(base, creds, cases, opts.filter.as_deref()).await?;
        Ok(run(cases, Arc::new(target), opts).await)
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn stopped() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

fn write(file: &PathBuf, text: String) -> anyhow::Result<()> {
    std::fs::write(file, text).map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", file.display()))
}

/// The file formats `schema` describes.
#[derive(Clone, Copy, clap::ValueEnum)]
enum SchemaFormat {
    /// Case files (conformance/suites/**/*.yaml).
    Case,
}

fn real_main(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Schema { format, out } => {
            let schema = match format {
                SchemaFormat::Case => upgrade_conformance::script::case_schema(),
            };
            let text = format!("{schema:#}\n");
            match out {
                Some(file) => write(&file, text)?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { paths } => {
            let cases = load_paths(&paths)?;
            println!("{} cases OK", cases.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::List { paths, filter } => {
            let cases = load_paths(&default_paths(&paths))?;
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
            sel,
            reports,
            fail_fast,
            verbose,
            coverage,
            update_snapshots,
        } => {
            let mut outputs = Vec::new();
            for r in &reports {
                match r.split_once('=') {
                    Some((kind @ ("junit" | "json" | "html" | "coverage"), file))
                        if !file.is_empty() =>
                    {
                        outputs.push((kind.to_string(), PathBuf::from(file)))
                    }
                    _ => anyhow::bail!(
                        "--report {r}: write junit=FILE, json=FILE, html=FILE or coverage=FILE"
                    ),
                }
            }
            let cfg = sel.config()?;
            let base = target.or(cfg.target.clone()).ok_or_else(|| {
                anyhow::anyhow!("no target: give --target URL or `target:` in --config FILE")
            })?;
            check_url("--target", &base)?;
            let cases = load_paths(&default_paths(&sel.paths))?;
            let opts = Options {
                fail_fast,
                update_snapshots,
                progress: true,
                ..sel.options()?
            };
            let rt = tokio::runtime::Runtime::new()?;
            let result = rt.block_on(sel.run(&base, &cfg, &cases, &opts))?;
            print!("{}", result.terminal(verbose));
            if coverage {
                print!("\n{}", result.coverage.render());
            }
            for (kind, file) in outputs {
                let text = match kind.as_str() {
                    "junit" => result.junit(),
                    "json" => serde_json::to_string_pretty(&result.json())?,
                    "html" => result.html(),
                    _ => result.coverage.render(),
                };
                write(&file, text)?;
            }
            let (_, failed, _) = result.counts();
            Ok(if failed > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Record {
            upstream,
            listen,
            out,
            vendor,
            name,
            tls,
            config,
        } => {
            check_url("--upstream", &upstream)?;
            let creds = match &config {
                Some(p) => TargetConfig::load(p)?.credentials,
                None => TargetConfig::default().credentials,
            }
            .with_env();
            if let Some(v) = &vendor {
                if !["obshell", "ota", "taurusdb", "unity"].contains(&v.as_str()) {
                    anyhow::bail!("--vendor {v}: use obshell, ota, taurusdb or unity");
                }
            }
            let rt = tokio::runtime::Runtime::new()?;
            let exchanges = rt.block_on(async {
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .map_err(|e| anyhow::anyhow!("--listen {listen}: {e}"))?;
                let addr = listener.local_addr()?;
                eprintln!(
                    "upgrade-conformance record: listening on {}://{addr}, forwarding to \
                     {upstream}; stop with Ctrl-C or SIGTERM to write {}",
                    if tls { "https" } else { "http" },
                    out.display()
                );
                let opts = record::Options { tls, creds };
                record::serve(&upstream, listener, opts, stopped()).await
            })?;
            let text = record::case::case_file(&exchanges, vendor.as_deref(), &name, &upstream);
            write(&out, text)?;
            eprintln!(
                "upgrade-conformance record: {} exchanges written to {}",
                exchanges.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff { a, b, sel, json } => {
            check_url("--a", &a)?;
            check_url("--b", &b)?;
            let cfg = sel.config()?;
            let cases = load_paths(&default_paths(&sel.paths))?;
            let opts = sel.options()?;
            let rt = tokio::runtime::Runtime::new()?;
            let (ra, rb) = rt.block_on(async {
                tokio::try_join!(
                    sel.run(&a, &cfg, &cases, &opts),
                    sel.run(&b, &cfg, &cases, &opts)
                )
            })?;
            let cmp = diff::compare(&ra, &rb);
            print!("{}", cmp.terminal());
            if let Some(file) = json {
                write(&file, serde_json::to_string_pretty(&cmp)?)?;
            }
            Ok(if cmp.agree() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
