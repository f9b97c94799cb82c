//! The threads that check ingest's signatures, below the scheduling priority of the rest of
//! the oracle.
//!
//! Why: under load, ingest is signature checks (CPU-bound, parallel) feeding one group commit
//! (serial: a few round trips between the async runtime and the database's connection, then
//! the fsync). When the checks ran on a blocking thread per request (eight at once in the
//! benchmark), the commit's short steps waited for a core behind them: the commit, not the
//! checks, set the pace, and about a quarter of the cores sat idle between commits. Now the
//! checks queue, first come first served, for one thread per core, which run `nice`: they
//! still take every core the rest leaves, but a commit step gets one first. SQLite ingest on
//! 2 cores (`oracle-bench`, alternating runs, 3 rounds each): a thread per request
//! 20,700–22,400 readings/s; this pool at the process's priority 22,800–24,900; at nice 10
//! (the default) 25,700–27,200. The price: while the oracle closes an epoch (normal
//! priority), ingest gets the cores it leaves.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads running checks in arrival order. Dropping it lets its threads
/// finish the queued checks and exit.
pub struct VerifyPool {
    jobs: mpsc::Sender<Job>,
    threads: usize,
}

/// The check could not run or did not finish (its thread panicked).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("signature check failed: {0}")]
pub struct PoolError(pub &'static str);

impl VerifyPool {
    /// `threads` threads (0: one per core), `nice` steps below the process's priority (Linux:
    /// added to its nice value, at most 19; 0 keeps it; ignored elsewhere). Lowering a
    /// priority needs no privilege; should the system refuse, that is logged and the threads
    /// run at the process's.
    pub fn start(threads: usize, nice: u8) -> std::io::Result<Self> {
        let threads = match threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for index in 0..threads {
            let rx = Arc::clone(&rx);
            std::thread::Builder::new().name(format!("verify-{index}")).spawn(move || {
                lower_priority(nice);
                loop {
                    // Held only while taking a job, never while running it.
                    let job = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                    let Ok(job) = job else { return };
                    // A panicking check drops its answer (the caller gets an error); the
                    // thread carries on.
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                }
            })?;
        }
        Ok(Self { jobs: tx, threads })
    }

    /// A pool whose threads are gone, as if every one had died (tests of that answer).
    #[cfg(test)]
    fn without_threads() -> Self {
        let (tx, _) = mpsc::channel::<Job>();
        Self { jobs: tx, threads: 0 }
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `check` on a pool thread and answers its result.
    pub async fn run<T, F>(&self, check: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(check());
        });
        self.jobs.send(job).map_err(|_| PoolError("no verification thread is running"))?;
        answered.await.map_err(|_| PoolError("the check panicked"))
    }
}

#[cfg(target_os = "linux")]
fn lower_priority(nice: u8) {
    if nice == 0 {
        return;
    }
    // On Linux the nice value is per thread, and `who = 0` names the calling thread.
    // getpriority answers -1 both for nice -1 and for an error, so errno tells them apart;
    // it is read right after each call, before anything else can set it.
    // SAFETY: both calls read only their integer arguments; errno is this thread's.
    let outcome = unsafe {
        *libc::__errno_location() = 0;
        let current = libc::getpriority(libc::PRIO_PROCESS, 0);
        match std::io::Error::last_os_error() {
            e if e.raw_os_error() != Some(0) => Err(e),
            _ => {
                let lowered = current.saturating_add(i32::from(nice)).min(19);
                match libc::setpriority(libc::PRIO_PROCESS, 0, lowered) {
                    0 => Ok(()),
                    _ => Err(std::io::Error::last_os_error()),
                }
            }
        }
    };
    if let Err(error) = outcome {
        tracing::warn!(
            nice,
            %error,
            "could not change the signature checks' priority; they run at the process's"
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority(_nice: u8) {}

#[cfg(test)]
#[path = "verify_pool_tests.rs"]
mod tests;
