//! The `upgrade-sim` command line: parse, then call the library. Exit codes: 0 success,
//! 1 a checked file is invalid, 2 could not run.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use upgrade_sim::{Scenario, Sim, SimOptions};

/// mimalloc rather than glibc's malloc: a request allocates and frees many small values, and
/// glibc spent a third of the CPU of a 2 KB GET doing it (BENCHMARKS.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "upgrade-sim",
    version,
    about = "Simulates vendors' software-upgrade REST APIs on virtual time"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve every vendor API (and the /_sim admin API) on one listener.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Scenario file; the embedded scenarios/default.yaml when absent.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Virtual seconds per wall second (0: the clock moves only through /_sim/clock).
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// Overrides the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Also serve HTTPS, with a self-signed certificate made at start (storops uses https
        /// and does not verify certificates).
        #[arg(long)]
        tls: bool,
        /// Where HTTPS listens with --tls.
        #[arg(long, default_value = "127.0.0.1:8443")]
        tls_listen: SocketAddr,
        /// With --tls, serve only HTTPS (no plain-HTTP listener).
        #[arg(long, requires = "tls")]
        tls_only: bool,
        /// With --tls, write the self-signed certificate (PEM) to FILE, for clients that
        /// verify it.
        #[arg(long, value_name = "FILE", requires = "tls")]
        tls_cert_out: Option<PathBuf>,
        /// A token every /_sim/ request must carry as `Authorization: Bearer TOKEN`; required
        /// to listen on an address other than loopback.
        #[arg(long, env = "UPGRADE_SIM_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: Option<String>,
        /// Connections open at once; further ones wait in the listen backlog.
        #[arg(long, default_value_t = 1024)]
        max_connections: usize,
        /// Seconds a request's headers may take to arrive.
        #[arg(long, default_value_t = 10)]
        header_timeout: u64,
        /// Seconds a connection may sit idle (no request in flight, no byte moving).
        #[arg(long, default_value_t = 60)]
        idle_timeout: u64,
        /// Seconds a request body may pause between two of its chunks.
        #[arg(long, default_value_t = 30)]
        body_timeout: u64,
        /// On Ctrl-C or SIGTERM, seconds the requests in flight may take to finish.
        #[arg(long, default_value_t = 5)]
        grace: u64,
        /// Records every input (vendor requests, admin steps) to FILE and, when FILE exists,
        /// replays it first: a rehearsal survives a restart with the same --scenario and --seed.
        #[arg(long)]
        state_file: Option<PathBuf>,
        /// With --state-file, write the virtual time reached every this many virtual minutes.
        #[arg(long, default_value_t = 5, requires = "state_file")]
        checkpoint_minutes: u64,
        /// Also write every journal entry to FILE as JSON Lines (appended), so that a long run
        /// loses nothing when the in-memory ring wraps.
        #[arg(long, value_name = "FILE")]
        journal_file: Option<PathBuf>,
        /// Threads answering requests. One is the fastest on a machine the client shares (the
        /// world is one lock, so a second thread mostly adds cross-core traffic; BENCHMARKS.md);
        /// the RSA decryption of OBShell's auth headers runs on a separate pool either way.
        #[arg(long, env = "UPGRADE_SIM_WORKERS", default_value_t = 1,
              value_parser = clap::value_parser!(u16).range(1..=1024))]
        workers: u16,
    },
    /// Validate a scenario file and report errors with line and column.
    CheckScenario { file: PathBuf },
    /// Run a scenario's timeline on virtual time (no listener) and check its `expect` block.
    Rehearse {
        file: PathBuf,
        /// Overrides the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Print the journal as JSON lines when done.
        #[arg(long)]
        journal: bool,
    },
    /// Print the JSON Schema (2020-12) of a file format, for editors and CI (schemas/ has copies).
    Schema {
        #[arg(value_enum)]
        format: SchemaFormat,
        /// Where to write it; standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the OpenAPI 3.1 document of a vendor's API (every vendor's, under its name, when
    /// --vendor is absent); `GET /_sim/openapi.json` serves the same.
    Openapi {
        /// The vendor (obshell, ota, taurusdb, unity).
        #[arg(long)]
        vendor: Option<String>,
        /// Where to write it; standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write a small RPM the OBShell agent accepts as an upload (docs/obshell.md): the files
    /// the real server requires of NAME, and for oceanbase-ce the upgrade_dep YAML of FILE.
    ObshellRpm {
        name: String,
        version: String,
        release: String,
        #[arg(long, default_value = "x86_64")]
        arch: String,
        /// The oceanbase_upgrade_dep.yml to ship (oceanbase-ce).
        #[arg(long, value_name = "FILE")]
        upgrade_dep: Option<PathBuf>,
        /// Leave out the files the server requires (to see its refusal).
        #[arg(long)]
        bare: bool,
        #[arg(long)]
        out: PathBuf,
    },
    /// Draw a journal as a self-contained HTML page with an SVG Gantt chart (docs/timeline.md).
    Timeline {
        /// A journal file: the JSON of GET /_sim/journal, a JSON array of entries, or the
        /// output of `rehearse FILE --journal`; "-" reads standard input.
        #[arg(long, conflicts_with = "from", required_unless_present = "from")]
        journal: Option<PathBuf>,
        /// A running simulator's URL (http://127.0.0.1:8080) or its /_sim/journal URL.
        #[arg(long)]
        from: Option<String>,
        /// Where to write the page; standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Lanes on the page at most; the rest are counted in a note.
        #[arg(long, default_value_t = 400)]
        max_lanes: usize,
        /// Children shown under one parent; the rest (troubled ones excepted) are summed up.
        #[arg(long, default_value_t = 30)]
        max_children: usize,
    },
}

/// The file formats `schema` describes.
#[derive(Clone, Copy, clap::ValueEnum)]
enum SchemaFormat {
    /// Scenario files (scenarios/*.yaml, `serve --scenario`, PUT /_sim/scenario).
    Scenario,
}

/// Writes `value` as pretty JSON (and a final newline) to `out`, or to standard output.
fn print_json(value: &serde_json::Value, out: Option<&std::path::Path>) -> ExitCode {
    let text = format!("{value:#}\n");
    match out {
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("upgrade-sim: {}: cannot write: {e}", path.display());
                ExitCode::from(2)
            }
        },
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            listen,
            scenario,
            speed,
            seed,
            tls,
            tls_listen,
            tls_only,
            tls_cert_out,
            admin_token,
            max_connections,
            header_timeout,
            idle_timeout,
            body_timeout,
            grace,
            state_file,
            checkpoint_minutes,
            journal_file,
            workers,
        } => match serve(ServeArgs {
            state_file,
            checkpoint_ms: checkpoint_minutes.saturating_mul(60_000),
            admin_token,
            limits: upgrade_sim::server::ConnectionLimits {
                max_connections,
                header_read: std::time::Duration::from_secs(header_timeout),
                idle: std::time::Duration::from_secs(idle_timeout),
                body_read: std::time::Duration::from_secs(body_timeout),
                grace: std::time::Duration::from_secs(grace),
                ..Default::default()
            },
            listen: (!tls_only).then_some(listen),
            tls_listen: tls.then_some(tls_listen),
            tls_cert_out,
            scenario,
            speed,
            seed,
            journal_file,
            workers: usize::from(workers),
        }) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("upgrade-sim: {e:#}");
                ExitCode::from(2)
            }
        },
        Command::CheckScenario { file } => match Scenario::from_file(&file) {
            Ok(s) => {
                println!(
                    "{}: ok ({})",
                    file.display(),
                    if s.name.is_empty() {
                        "unnamed"
                    } else {
                        &s.name
                    }
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("upgrade-sim: {e}");
                ExitCode::from(1)
            }
        },
        Command::Schema { format, out } => match format {
            SchemaFormat::Scenario => {
                print_json(&upgrade_sim::scenario::scenario_schema(), out.as_deref())
            }
        },
        Command::ObshellRpm {
            name,
            version,
            release,
            arch,
            upgrade_dep,
            bare,
            out,
        } => {
            use upgrade_sim::vendors::obshell::rpm;
            let dep = match upgrade_dep.map(std::fs::read_to_string).transpose() {
                Ok(dep) => dep,
                Err(e) => {
                    eprintln!("upgrade-sim: --upgrade-dep: {e}");
                    return ExitCode::from(2);
                }
            };
            let spec = rpm::Spec {
                name,
                version,
                release,
                arch,
                upgrade_dep: dep,
                bare,
            };
            match rpm::build(&spec).map(|bytes| std::fs::write(&out, bytes)) {
                Ok(Ok(())) => ExitCode::SUCCESS,
                Ok(Err(e)) => {
                    eprintln!("upgrade-sim: {}: {e}", out.display());
                    ExitCode::from(2)
                }
                Err(e) => {
                    eprintln!("upgrade-sim: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Openapi { vendor, out } => {
            match upgrade_sim::openapi::documents(vendor.as_deref()) {
                Ok(doc) => print_json(&doc, out.as_deref()),
                Err(e) => {
                    eprintln!("upgrade-sim: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Rehearse {
            file,
            seed,
            journal,
        } => rehearse(&file, seed, journal),
        Command::Timeline {
            journal,
            from,
            out,
            max_lanes,
            max_children,
        } => timeline(
            journal,
            from,
            out,
            upgrade_sim::timeline::Limits {
                max_lanes,
                max_children,
                ..Default::default()
            },
        ),
    }
}

fn timeline(
    journal: Option<PathBuf>,
    from: Option<String>,
    out: Option<PathBuf>,
    limits: upgrade_sim::timeline::Limits,
) -> ExitCode {
    use std::io::{Read, Write};
    let doc = match (journal, from) {
        (_, Some(url)) => upgrade_sim::timeline::fetch(&url).map_err(|e| e.to_string()),
        (Some(path), None) => {
            let text = if path.as_os_str() == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .map(|_| s)
                    .map_err(|e| format!("standard input: {e}"))
            } else {
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
            };
            let name = path.display().to_string();
            text.and_then(|t| upgrade_sim::timeline::parse(&t, &name).map_err(|e| e.to_string()))
        }
        (None, None) => Err("give --journal FILE or --from URL".to_string()),
    };
    let doc = match doc {
        Ok(d) => d,
        Err(e) => {
            eprintln!("upgrade-sim: {e}");
            return ExitCode::from(2);
        }
    };
    let html = upgrade_sim::timeline::render(&doc, &limits);
    let written = match &out {
        Some(path) => std::fs::write(path, &html).map_err(|e| format!("{}: {e}", path.display())),
        None => std::io::stdout()
            .write_all(html.as_bytes())
            .map_err(|e| format!("standard output: {e}")),
    };
    match written {
        Ok(()) => {
            if let Some(path) = out {
                eprintln!(
                    "wrote {} ({} journal entries, scenario '{}', seed {})",
                    path.display(),
                    doc.entries.len(),
                    doc.scenario.as_deref().unwrap_or("?"),
                    doc.seed.map_or_else(|| "?".to_string(), |s| s.to_string())
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("upgrade-sim: {e}");
            ExitCode::from(2)
        }
    }
}

fn rehearse(file: &std::path::Path, seed: Option<u64>, print_journal: bool) -> ExitCode {
    let scenario = match Scenario::from_file(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("upgrade-sim: {e}");
            return ExitCode::from(2);
        }
    };
    let sim = match Sim::new(
        scenario,
        SimOptions {
            seed,
            ..SimOptions::default()
        },
    ) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("upgrade-sim: {e:#}");
            return ExitCode::from(2);
        }
    };
    println!("rehearsing {} with seed {}", file.display(), sim.seed());
    let outcome = match upgrade_sim::rehearsal::rehearse(&sim) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("upgrade-sim: {e}");
            return ExitCode::from(1);
        }
    };
    if print_journal {
        for line in sim.lock().core.journal.lines() {
            println!("{}", String::from_utf8_lossy(&line));
        }
    }
    let ended = upgrade_sim::kernel::clock::format_duration(outcome.ended_at_ms);
    if outcome.failures.is_empty() {
        let promised = if outcome.had_expectations {
            "the expected outcome held"
        } else {
            "no outcome was promised"
        };
        println!("ended at virtual {ended}: {promised}");
        ExitCode::SUCCESS
    } else {
        println!(
            "ended at virtual {ended}: {} expectation(s) unmet:",
            outcome.failures.len()
        );
        for f in &outcome.failures {
            println!("  - {f}");
        }
        ExitCode::from(1)
    }
}

struct ServeArgs {
    state_file: Option<PathBuf>,
    checkpoint_ms: u64,
    admin_token: Option<String>,
    limits: upgrade_sim::server::ConnectionLimits,
    listen: Option<SocketAddr>,
    tls_listen: Option<SocketAddr>,
    tls_cert_out: Option<PathBuf>,
    scenario: Option<PathBuf>,
    speed: f64,
    seed: Option<u64>,
    journal_file: Option<PathBuf>,
    workers: usize,
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let exposed = [args.listen, args.tls_listen]
        .into_iter()
        .flatten()
        .find(|a| !a.ip().is_loopback());
    if let (Some(addr), None) = (
        exposed,
        args.admin_token.as_deref().filter(|t| !t.is_empty()),
    ) {
        anyhow::bail!(
            "listening on {addr}, beyond loopback, exposes the admin API (/_sim/) to the network: \
             give --admin-token TOKEN (or UPGRADE_SIM_ADMIN_TOKEN) so that it needs a Bearer token"
        );
    }
    let scenario = match &args.scenario {
        Some(path) => Scenario::from_file(path)?,
        None => Scenario::embedded_default()?,
    };
    let name = scenario.name.clone();
    let speed = args.speed;
    let journal = match &args.journal_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| anyhow::anyhow!("--journal-file {}: {e}", path.display()))?;
            // Unbuffered: each entry is one write, so a killed process has lost nothing.
            Some(upgrade_sim::kernel::Sink::new(file))
        }
        None => None,
    };
    let sim = Sim::new(
        scenario,
        SimOptions {
            speed,
            seed: args.seed,
            ..SimOptions::default()
        },
    )?;
    if let Some(sink) = journal {
        sim.set_journal_sink(sink);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.workers)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let state_file = match &args.state_file {
            Some(path) => {
                let (file, restored) = upgrade_sim::http::StateFile::open(&sim, path).await?;
                if restored.inputs > 0 || restored.at_ms > 0 {
                    println!(
                        "upgrade-sim restored {} input(s) from {}, virtual time {}",
                        restored.inputs,
                        path.display(),
                        upgrade_sim::kernel::clock::format_duration(restored.at_ms)
                    );
                }
                let file = std::sync::Arc::new(file);
                let (sim, every, f) = (sim.clone(), args.checkpoint_ms, file.clone());
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
                    loop {
                        tick.tick().await;
                        f.checkpoint(&sim, every);
                    }
                });
                Some(file)
            }
            None => None,
        };
        let mut listeners = upgrade_sim::server::Listeners {
            limits: args.limits,
            app: upgrade_sim::http::AppOptions {
                admin_token: args.admin_token.clone(),
                state_file: state_file.clone(),
            },
            ..Default::default()
        };
        let mut urls = Vec::new();
        if let Some(addr) = args.tls_listen {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            urls.push(format!("https://{}", listener.local_addr()?));
            listeners.https = Some((
                listener,
                upgrade_sim::server::self_signed_tls(args.tls_cert_out.as_deref())?,
            ));
        }
        if let Some(addr) = args.listen {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            urls.push(format!("http://{}", listener.local_addr()?));
            listeners.http = Some(listener);
        }
        // One line per listener on stdout that scripts can wait for; the last one names the
        // scenario and the seed, which makes every run reproducible.
        let last = urls.len().saturating_sub(1);
        for (i, url) in urls.iter().enumerate() {
            if i == last {
                println!(
                    "upgrade-sim listening on {url} (scenario '{name}', seed {}, speed {speed})",
                    sim.seed()
                );
            } else {
                println!("upgrade-sim listening on {url}");
            }
        }
        upgrade_sim::server::serve_on(sim.clone(), listeners, stop_signal()).await?;
        if let Some(file) = state_file {
            file.checkpoint(&sim, 0);
        }
        anyhow::Ok(())
    })
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM, saying which.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("Ctrl-C: stopping");
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => tracing::info!("Ctrl-C: stopping"),
            _ = term.recv() => tracing::info!("SIGTERM: stopping"),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("Ctrl-C: stopping");
    }
}
