//! Starting and stopping the simulator and `wrangler dev`. Each runs in its
//! own process group under a small shell watchdog: the group is killed when
//! the test binary exits (atexit) or, if it dies abruptly, when the watchdog
//! sees it gone.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Mutex, Once};

use serde_json::Value;

/// Every guarded process group started, kept until exit.
static GROUPS: Mutex<Vec<Child>> = Mutex::new(Vec::new());
static CLEANUP: Once = Once::new();
/// Temporary folders removed at exit (a run's local state).
static TEMP_DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

pub fn remove_at_exit(dir: &Path) {
    if let Ok(mut dirs) = TEMP_DIRS.lock() {
        dirs.push(dir.to_owned());
    }
}

extern "C" fn stop_all() {
    if let Ok(groups) = GROUPS.lock() {
        for child in groups.iter() {
            // SAFETY: kill(2) with a negative pid signals that process group.
            unsafe {
                libc::kill(-(child.id() as i32), libc::SIGTERM);
            }
        }
    }
    if let Ok(dirs) = TEMP_DIRS.lock() {
        if !dirs.is_empty() {
            // Give the stopped processes a moment to let go of their files.
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        for dir in dirs.iter() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Runs `script` under bash in a new process group with a watchdog; returns
/// its stdout when `stdout` is piped.
pub(crate) fn spawn_guarded(script: &str, cwd: &Path, stdout: Stdio, envs: &[(&str, &str)]) -> Result<Option<ChildStdout>, String> {
    CLEANUP.call_once(|| {
        // SAFETY: registering a plain extern "C" fn with no captured state.
        unsafe {
            libc::atexit(stop_all);
        }
    });
    let parent = std::process::id();
    let wrapped = format!(
        "{script} &\nchild=$!\nwhile kill -0 {parent} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done\nkill -TERM -- -$$ 2>/dev/null\n"
    );
    let mut command = Command::new("bash");
    command.arg("-c").arg(wrapped).current_dir(cwd).stdout(stdout).stderr(Stdio::inherit()).process_group(0);
    for (k, v) in envs {
        command.env(k, v);
    }
    let mut child = command.spawn().map_err(|e| format!("starting `{script}`: {e}"))?;
    let out = child.stdout.take();
    if let Ok(mut groups) = GROUPS.lock() {
        groups.push(child);
    }
    Ok(out)
}

pub fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Starts the simulator on a free port and returns the port it announced.
/// It accepts the test keys and sends webhooks to `site`.
pub fn start_simulator(binary: &Path, state_dir: &Path, site: &str) -> Result<u16, String> {
    let log = state_dir.join("simulator.log");
    let script = format!("'{}' --port 0 2>'{}'", binary.display(), log.display());
    let envs = [
        ("SIM_EMAIL_API_KEY", crate::EMAIL_API_KEY),
        ("SIM_STRIPE_SECRET_KEY", crate::STRIPE_SECRET_KEY),
        ("SIM_STRIPE_PUBLISHABLE_KEY", crate::STRIPE_PUBLISHABLE_KEY),
        ("SIM_STRIPE_WEBHOOK_SECRET", crate::STRIPE_WEBHOOK_SECRET),
        ("SIM_PAYPAL_CLIENT_ID", crate::PAYPAL_CLIENT.0),
        ("SIM_PAYPAL_CLIENT_SECRET", crate::PAYPAL_CLIENT.1),
        ("SIM_PAYPAL_WEBHOOK_ID", crate::PAYPAL_WEBHOOK_ID),
        ("SIM_OPENAI_KEY", crate::OPENAI_KEY),
        ("SIM_ANTHROPIC_KEY", crate::ANTHROPIC_KEY),
        ("SIM_GOOGLE_KEY", crate::GOOGLE_KEY),
        ("SIM_MISTRAL_KEY", crate::MISTRAL_KEY),
        ("SIM_GROQ_KEY", crate::GROQ_KEY),
        ("SIM_STABILITY_KEY", crate::STABILITY_KEY),
        ("SIM_ELEVENLABS_KEY", crate::ELEVENLABS_KEY),
        ("SIM_RUNWAY_KEY", crate::RUNWAY_KEY),
        ("SIM_LUMA_KEY", crate::LUMA_KEY),
        ("SIM_FAL_KEY", crate::FAL_KEY),
        ("SIM_SUNO_COOKIE", crate::SUNO_COOKIE),
        ("SIM_PIAPI_KEY", crate::PIAPI_KEY),
        ("SIM_WEBHOOK_TARGET", site),
    ];
    let stdout = spawn_guarded(&script, state_dir, Stdio::piped(), &envs)?.ok_or("no simulator stdout")?;
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line).map_err(|e| e.to_string())?;
    // Keep draining, so a later line never meets a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    line.trim().rsplit(':').next().and_then(|p| p.parse().ok()).ok_or_else(|| format!("the simulator said {line:?}, not its address"))
}

pub fn start_site(root: &Path, state_dir: &Path, port: u16, secrets: &Path, extra_sql: Option<&Path>) -> Result<(), String> {
    let inspector = free_port()?;
    let extra = extra_sql.map(|p| format!(" --extra-sql '{}'", p.display())).unwrap_or_default();
    let script = format!(
        "tools/site.sh --state '{}/d1' --port {port} --inspector-port {inspector} --secrets '{}'{extra} >'{}/site.log' 2>&1",
        state_dir.display(),
        secrets.display(),
        state_dir.display()
    );
    spawn_guarded(&script, root, Stdio::null(), &[("WRANGLER_LOG_LEVEL", "warn")])?;
    Ok(())
}

/// Runs a read-only query on a snapshot of this run's local D1 database.
/// The live files are copied first: a reader on the live database could
/// hold locks that make the Workers' writes fail.
pub fn d1_query(state_dir: &Path, sql: &str) -> Vec<Value> {
    local_query(&state_dir.join("d1/v3/d1/miniflare-D1DatabaseObject"), sql)
}

/// A query on the local R2 bucket's index (miniflare's `_mf_objects`: `key`, `size`, ...).
pub fn r2_query(state_dir: &Path, sql: &str) -> Vec<Value> {
    local_query(&state_dir.join("d1/v3/r2/miniflare-R2BucketObject"), sql)
}

/// A read-only query on a snapshot of the SQLite database in `dir`.
fn local_query(dir: &Path, sql: &str) -> Vec<Value> {
    let db = std::fs::read_dir(dir)
        .expect("the local storage folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "sqlite") && !p.ends_with("metadata.sqlite"))
        .expect("the local database file");
    let snapshot = std::env::temp_dir().join(crate::unique("webox-d1-snapshot-"));
    std::fs::create_dir_all(&snapshot).expect("a snapshot folder");
    for suffix in ["", "-wal"] {
        let from = PathBuf::from(format!("{}{suffix}", db.display()));
        if from.exists() {
            std::fs::copy(&from, snapshot.join(format!("db.sqlite{suffix}"))).expect("copying the database");
        }
    }
    let script = "import json,sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nc.row_factory=sqlite3.Row\nprint(json.dumps([dict(r) for r in c.execute(sys.argv[2])]))";
    let output = Command::new("python3").arg("-c").arg(script).arg(snapshot.join("db.sqlite")).arg(sql).output().expect("python3 runs");
    let _ = std::fs::remove_dir_all(&snapshot);
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str::<Vec<Value>>(&text)
        .unwrap_or_else(|_| panic!("query failed: {} {}", text, String::from_utf8_lossy(&output.stderr)))
}
