use std::sync::{Arc, Mutex};

use super::*;

#[tokio::test]
async fn checks_run_on_the_pools_threads_and_answer_their_results() {
    let pool = VerifyPool::start(2, 0).expect("pool");
    assert_eq!(pool.threads(), 2);
    let answers = futures_util::future::join_all((0..64u64).map(|i| {
        let pool = &pool;
        async move {
            pool.run(move || (i * i, std::thread::current().name().map(String::from)))
                .await
                .expect("check")
        }
    }))
    .await;
    for (i, (square, thread)) in answers.into_iter().enumerate() {
        assert_eq!(square, (i * i) as u64);
        let thread = thread.expect("a named thread");
        assert!(thread == "verify-0" || thread == "verify-1", "{thread}");
    }
}

#[tokio::test]
async fn zero_threads_means_one_per_core() {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    assert_eq!(VerifyPool::start(0, 0).expect("pool").threads(), cores);
}

#[tokio::test]
async fn one_thread_checks_in_arrival_order() {
    let pool = VerifyPool::start(1, 0).expect("pool");
    let order = Arc::new(Mutex::new(Vec::new()));
    let runs = (0..20).map(|i| {
        let order = Arc::clone(&order);
        pool.run(move || order.lock().expect("order").push(i))
    });
    // Queued in this order before any is awaited.
    for run in futures_util::future::join_all(runs).await {
        run.expect("check");
    }
    assert_eq!(*order.lock().expect("order"), (0..20).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_panicking_check_is_an_error_and_the_thread_carries_on() {
    let pool = VerifyPool::start(1, 0).expect("pool");
    let failed = pool.run(|| -> u8 { panic!("a check that panics") }).await;
    assert_eq!(failed, Err(PoolError("the check panicked")));
    assert_eq!(failed.unwrap_err().to_string(), "signature check failed: the check panicked");
    // The only thread survived it.
    assert_eq!(pool.run(|| 7).await, Ok(7));
}

#[tokio::test]
async fn a_pool_without_threads_answers_an_error_at_once() {
    let failed = VerifyPool::without_threads().run(|| 1).await;
    assert_eq!(failed, Err(PoolError("no verification thread is running")));
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_threads_run_at_the_configured_nice_value() {
    fn own_nice() -> i32 {
        // SAFETY: getpriority reads only its integer arguments; on Linux `who = 0` is the
        // calling thread.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
    }
    // Threads start at the nice value of the thread that spawns them (this one).
    let process = own_nice();
    let niced = VerifyPool::start(1, 7).expect("pool");
    assert_eq!(niced.run(own_nice).await, Ok((process + 7).min(19)));
    let capped = VerifyPool::start(1, 40).expect("pool");
    assert_eq!(capped.run(own_nice).await, Ok(19));
    let unchanged = VerifyPool::start(1, 0).expect("pool");
    assert_eq!(unchanged.run(own_nice).await, Ok(process));
}
