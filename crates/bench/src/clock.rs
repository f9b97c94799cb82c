//! What the phases are timed with.
//!
//! On a shared machine wall-clock time counts whatever else runs on the cores. The bench's
//! thread CPU time (Linux `CLOCK_THREAD_CPUTIME_ID`) counts only this thread being on a
//! core, kernel work for it included (page faults), so it is the default where available.

use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// CPU time of the calling thread.
    ThreadCpu,
    /// Elapsed real time.
    Wall,
}

impl Clock {
    /// Thread CPU time when the platform has it and `wall` is not asked for.
    pub fn pick(wall: bool) -> Self {
        if !wall && thread_cpu_time().is_some() {
            Self::ThreadCpu
        } else {
            Self::Wall
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::ThreadCpu => "thread CPU time (other load on the cores does not count)",
            Self::Wall => "wall-clock time",
        }
    }

    /// Runs `f` and returns its result with the time it took on this clock.
    pub fn time<T>(self, f: impl FnOnce() -> T) -> (T, Duration) {
        match self.cpu_start() {
            Some(start) => {
                let out = std::hint::black_box(f());
                let end = thread_cpu_time().unwrap_or(start);
                (out, end.saturating_sub(start))
            }
            None => {
                let start = Instant::now();
                let out = std::hint::black_box(f());
                (out, start.elapsed())
            }
        }
    }

    fn cpu_start(self) -> Option<Duration> {
        match self {
            Self::ThreadCpu => thread_cpu_time(),
            Self::Wall => None,
        }
    }
}

#[cfg(target_os = "linux")]
fn thread_cpu_time() -> Option<Duration> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes only the timespec passed, which outlives the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    let secs = u64::try_from(ts.tv_sec).ok()?;
    let nanos = u32::try_from(ts.tv_nsec).ok()?;
    (rc == 0).then(|| Duration::new(secs, nanos))
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_time() -> Option<Duration> {
    None
}
