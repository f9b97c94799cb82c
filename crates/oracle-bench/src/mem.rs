//! Peak memory and CPU time of this process's phases (Linux `/proc`, `clock_gettime`).
//!
//! Peak memory is the kernel's resident high-water mark `VmHWM`, reset to the current
//! resident size before a phase by writing `5` to `/proc/self/clear_refs`. A phase's peak is
//! read right after it; what it added is that peak minus the resident size at its start
//! (the bench's own data, such as the fixture chain's binding index, is resident before and
//! excluded). Elsewhere (or where the reset is refused) the numbers are `None`.

use std::time::Duration;

/// Resident and peak resident size, bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Memory {
    pub rss: u64,
    pub hwm: u64,
}

fn status_kib(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    let kib = line.trim_start_matches(field).trim().trim_end_matches("kB").trim();
    kib.parse::<u64>().ok().map(|k| k.saturating_mul(1024))
}

/// The current counters.
pub fn now() -> Option<Memory> {
    Some(Memory { rss: status_kib("VmRSS:")?, hwm: status_kib("VmHWM:")? })
}

/// Resets the high-water mark to the current resident size; the counters after the reset.
pub fn reset_peak() -> Option<Memory> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    now()
}

/// A phase's memory: the resident size at its start and the peak during it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PhaseMemory {
    pub start_rss: u64,
    pub peak: u64,
}

impl PhaseMemory {
    /// What the phase added over the resident size it started with.
    pub fn added(&self) -> u64 {
        self.peak.saturating_sub(self.start_rss)
    }
}

/// Runs `phase` between a peak reset and a read of the peak.
pub async fn measure<T>(phase: impl std::future::Future<Output = T>) -> (T, Option<PhaseMemory>) {
    let start = reset_peak();
    let out = phase.await;
    let memory = match (start, now()) {
        (Some(s), Some(e)) => Some(PhaseMemory { start_rss: s.rss, peak: e.hwm }),
        _ => None,
    };
    (out, memory)
}

/// CPU time of the calling thread (Linux), or `None`.
pub fn thread_cpu_time() -> Option<Duration> {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `ts` is a valid out-pointer for the duration of the call.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        if rc != 0 {
            return None;
        }
        let secs = u64::try_from(ts.tv_sec).ok()?;
        let nanos = u32::try_from(ts.tv_nsec).ok()?;
        Some(Duration::new(secs, nanos))
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Runs `f` on this thread; its CPU time (wall time where there is no thread clock).
pub fn cpu_time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let wall = std::time::Instant::now();
    let start = thread_cpu_time();
    let out = std::hint::black_box(f());
    match (start, thread_cpu_time()) {
        (Some(s), Some(e)) => (out, e.saturating_sub(s)),
        _ => (out, wall.elapsed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_phase_that_touches_memory_raises_the_peak_by_at_least_that() {
        let size = 64 << 20;
        let ((), m) = measure(async {
            let v = vec![1u8; size];
            std::hint::black_box(&v);
        })
        .await;
        let m = m.expect("linux /proc");
        assert!(m.added() >= size as u64 * 9 / 10, "{m:?}");
        // After the reset the peak starts again from the resident size.
        let after = reset_peak().expect("reset");
        assert!(after.hwm < m.peak, "{after:?} {m:?}");
    }
}
