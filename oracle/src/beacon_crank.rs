//! The beacon crank (PROTOCOL.md §10.1): keeps the compute-challenge beacon accounts filled.
//!
//! `create_beacons` and `record_beacon` are permissionless; every voting oracle runs this
//! crank so that one oracle being down never leaves an epoch without beacons (a missing
//! beacon only means fewer challenges, never a wrong verdict). Each tick reads the chain
//! first and sends only what is missing: the next epoch's account while the current one runs
//! (and the current one's if nobody created it yet), and every beacon whose window is open
//! and still empty. Oracles racing for the same step are harmless: the program refuses the
//! second one (`BeaconAlreadyRecorded`, or the account already exists) and the loser pays a
//! fee; those refusals are logged as lost races, not errors.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use gridmint_protocol::challenge::beacon::{beacon_window, BeaconSet};
use gridmint_protocol::emission::EpochClock;
use gridmint_sdk::chain::{Chain, ChainError, ChainExt, Keypair};
use gridmint_sdk::rewards as rw;
use solana_instruction::error::InstructionError;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;
use tokio::time::MissedTickBehavior;

use crate::leader::Leadership;

/// One step the crank took (or lost to another cranker).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cranked {
    Created {
        epoch: u64,
    },
    Recorded {
        epoch: u64,
        index: u16,
    },
    /// Another cranker was first (the program refused this one as already done).
    LostRace {
        epoch: u64,
        index: Option<u16>,
    },
}

/// Creates and records beacon accounts with `payer` paying fees and rent.
pub struct BeaconCrank {
    pub chain: Arc<dyn Chain>,
    pub payer: Arc<Keypair>,
}

/// The epochs whose beacon accounts should exist at chain time `now`: the current one and
/// the next (before genesis: epoch 0, which the program accepts within one epoch length).
pub fn epochs_to_create(clock: &EpochClock, now: i64) -> Vec<u64> {
    match clock.epoch_at(now) {
        Ok(Some(current)) => std::iter::once(current).chain(current.checked_add(1)).collect(),
        Ok(None) => {
            let ahead = now.saturating_add(clock.epoch_seconds);
            if ahead >= clock.genesis_time {
                vec![0]
            } else {
                vec![]
            }
        }
        Err(_) => vec![],
    }
}

/// The beacons of `set` whose window `[due, until)` contains `now` and that are still empty.
pub fn due_beacons(set: &BeaconSet, clock: &EpochClock, now: i64) -> Vec<u16> {
    let params = set.params();
    (0..params.beacons_per_epoch)
        .filter(|&i| {
            let empty = set.beacons.get(usize::from(i)).is_some_and(|b| !b.is_recorded());
            let open = beacon_window(clock, set.epoch, &params, i)
                .is_ok_and(|(due, until)| due <= now && now < until);
            empty && open
        })
        .collect()
}

/// Whether `error` is the program refusing a step another cranker already took.
pub fn lost_race(error: &ChainError) -> bool {
    if let Some(e) = error.program_error() {
        return e.name == "BeaconAlreadyRecorded";
    }
    // `create_beacons` on an existing account fails in the System program
    // (`AccountAlreadyInUse`, custom code 0), which carries no program error of ours.
    matches!(
        error,
        ChainError::Transaction {
            err: TransactionError::InstructionError(_, InstructionError::Custom(0)),
            ..
        }
    )
}

impl BeaconCrank {
    /// One pass: read the config and the accounts, send what is missing.
    pub async fn tick(&self) -> Result<Vec<Cranked>, ChainError> {
        let fetched = self.chain.rewards_config().await?;
        let now = fetched.unix_timestamp;
        let Some(config) = fetched.account else { return Ok(vec![]) };
        if !config.challenge.enabled() {
            return Ok(vec![]);
        }
        let clock = config.clock();
        let current = clock.epoch_at(now).ok().flatten();
        let mut done = Vec::new();
        for epoch in epochs_to_create(&clock, now) {
            if self.chain.beacons(epoch).await?.account.is_none() {
                let ix = rw::create_beacons(&self.payer.pubkey(), epoch);
                match self.chain.send_transaction(&[ix], &self.payer, &[]).await {
                    Ok(_) => done.push(Cranked::Created { epoch }),
                    Err(e) if lost_race(&e) => done.push(Cranked::LostRace { epoch, index: None }),
                    Err(e) => return Err(e),
                }
            }
            if Some(epoch) != current {
                continue;
            }
            // Read again: the account may have been created just now, by us or a rival.
            let Some(set) = self.chain.beacons(epoch).await?.account else { continue };
            for index in due_beacons(&set, &clock, now) {
                let ix = rw::record_beacon(epoch, index);
                match self.chain.send_transaction(&[ix], &self.payer, &[]).await {
                    Ok(_) => done.push(Cranked::Recorded { epoch, index }),
                    Err(e) if lost_race(&e) => {
                        done.push(Cranked::LostRace { epoch, index: Some(index) })
                    }
                    // Outside the window by the time it landed: the next tick sees it recorded
                    // by someone else or closed; not worth stopping the pass for.
                    Err(e) if e.program_error().is_some() => {
                        tracing::warn!(epoch, index, error = %e, "beacon not recorded")
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(done)
    }

    /// Runs [`BeaconCrank::tick`] every `interval` until `shutdown` resolves. Replicas on one
    /// PostgreSQL store crank only while leading, like the epoch loop.
    pub async fn run(
        self,
        interval: Duration,
        leader: Arc<Leadership>,
        shutdown: impl Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                _ = ticks.tick() => {}
            }
            if !leader.check().await {
                continue;
            }
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                result = self.tick() => match result {
                    Ok(done) => {
                        for step in done {
                            tracing::info!(?step, "beacon crank");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "beacon crank failed; retrying next tick"),
                }
            }
        }
        tracing::info!("beacon crank stopped");
    }
}

#[cfg(test)]
mod tests {
    use gridmint_protocol::challenge::beacon::Beacon;
    use gridmint_protocol::challenge::ChallengeParams;

    use super::*;

    const CLOCK: EpochClock = EpochClock { genesis_time: 1_000, epoch_seconds: 400 };

    fn set(epoch: u64) -> BeaconSet {
        let params = ChallengeParams {
            beacons_per_epoch: 4,
            challenges_per_epoch: 2,
            target_seconds: 5,
            grace_seconds: 5,
        };
        BeaconSet::new(epoch, &params, CLOCK.epoch_seconds).expect("params")
    }

    #[test]
    fn the_current_and_next_epochs_are_created_and_epoch_zero_just_before_genesis() {
        assert_eq!(epochs_to_create(&CLOCK, 1_000), [0, 1]);
        assert_eq!(epochs_to_create(&CLOCK, 1_399), [0, 1]);
        assert_eq!(epochs_to_create(&CLOCK, 1_400), [1, 2]);
        assert_eq!(epochs_to_create(&CLOCK, 600), [0]);
        assert!(epochs_to_create(&CLOCK, 599).is_empty());
        let broken = EpochClock { genesis_time: 0, epoch_seconds: 0 };
        assert!(epochs_to_create(&broken, 5).is_empty());
    }

    #[test]
    fn only_open_empty_windows_are_due() {
        // Epoch 1 = [1400, 1800), N = 4: windows [1400,1450) [1500,1550) [1600,1650) [1700,1750).
        let mut s = set(1);
        assert_eq!(due_beacons(&s, &CLOCK, 1_399), Vec::<u16>::new());
        assert_eq!(due_beacons(&s, &CLOCK, 1_400), [0]);
        assert_eq!(due_beacons(&s, &CLOCK, 1_449), [0]);
        assert_eq!(due_beacons(&s, &CLOCK, 1_450), Vec::<u16>::new());
        assert_eq!(due_beacons(&s, &CLOCK, 1_749), [3]);
        s.beacons[3] = Beacon { slot: 9, recorded_at: 1_700, hash: [1; 32] };
        assert_eq!(due_beacons(&s, &CLOCK, 1_749), Vec::<u16>::new());
        // Another epoch's set at this time has no open window.
        assert_eq!(due_beacons(&set(2), &CLOCK, 1_400), Vec::<u16>::new());
    }
}
