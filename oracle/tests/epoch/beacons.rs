//! The beacon crank against a real Bank: nothing while challenges are off; then each epoch's
//! account created (the current and the next), each beacon recorded inside its window from
//! the Bank's own `SlotHashes`, nothing sent twice, and a rival's repeat recognised as a lost
//! race rather than an error.

use std::sync::Arc;

use gridmint_oracle::beacon_crank::{lost_race, BeaconCrank, Cranked};
use gridmint_sdk::chain::{BanksChain, Chain, ChainExt};
use gridmint_sdk::rewards::{self as rw, ChallengeSettings};
use solana_signer::Signer;

use crate::harness::Net;

/// N = 4 beacons, R = 2 challenges per node per epoch.
const PARAMS: ChallengeSettings = ChallengeSettings {
    beacons_per_epoch: 4,
    challenges_per_epoch: 2,
    target_seconds: 1,
    grace_seconds: 1,
};

fn crank(net: &Net, oracle: usize) -> BeaconCrank {
    let chain: Arc<dyn Chain> = Arc::new(BanksChain::new(net.env.ctx.banks_client.clone()));
    BeaconCrank { chain, payer: Arc::new(net.key(oracle)) }
}

/// Beacon `i` of `epoch` is due at `start(epoch) + i × L / 4`.
fn due(net: &Net, epoch: i64, i: i64) -> i64 {
    let l = net.rewards.epoch_seconds;
    net.rewards.genesis_time + epoch * l + i * l / 4
}

#[tokio::test]
async fn the_crank_creates_accounts_and_records_each_beacon_once_inside_its_window() {
    // Given a deployment at genesis with challenges off
    let mut net = Net::deploy().await;
    let first = crank(&net, 0);
    net.env.advance_to(due(&net, 0, 0)).await;
    assert_eq!(first.tick().await.expect("tick"), []);

    // When the authority turns them on, the crank creates epochs 0 and 1 and records beacon 0
    let ix = rw::set_challenge_params(&net.rewards.authority.pubkey(), PARAMS);
    net.env.send(&[ix], &[&net.rewards.authority]).await.expect("set challenge params");
    let done = first.tick().await.expect("tick");
    assert_eq!(
        done,
        [
            Cranked::Created { epoch: 0 },
            Cranked::Recorded { epoch: 0, index: 0 },
            Cranked::Created { epoch: 1 }
        ]
    );
    // And a second oracle's crank reads the chain first and sends nothing
    let second = crank(&net, 1);
    assert_eq!(second.tick().await.expect("tick"), []);

    // When the next window opens, only its beacon is recorded
    net.env.advance_to(due(&net, 0, 1) + 1).await;
    assert_eq!(second.tick().await.expect("tick"), [Cranked::Recorded { epoch: 0, index: 1 }]);
    assert_eq!(first.tick().await.expect("tick"), []);

    // And a window nobody cranked in stays empty (beacon 2); the next epoch moves on
    net.env.advance_to(due(&net, 1, 0)).await;
    let done = first.tick().await.expect("tick");
    assert_eq!(done, [Cranked::Recorded { epoch: 1, index: 0 }, Cranked::Created { epoch: 2 }]);
    let chain = BanksChain::new(net.env.ctx.banks_client.clone());
    let set = chain.beacons(0).await.expect("read").account.expect("epoch 0 beacons");
    let recorded: Vec<bool> = set.beacons[..4].iter().map(|b| b.is_recorded()).collect();
    assert_eq!(recorded, [true, true, false, false]);
    assert_eq!(set.beacons[0].recorded_at, due(&net, 0, 0));
    assert_eq!(set.beacons[1].recorded_at, due(&net, 0, 1) + 1);
    assert_eq!(set.params(), PARAMS.protocol());

    // When a rival repeats a step already taken, the refusal is a lost race, not a failure
    let payer = net.key(2);
    let again = chain.send_transaction(&[rw::record_beacon(1, 0)], &payer, &[]).await;
    assert!(lost_race(&again.expect_err("recorded twice")));
    let again =
        chain.send_transaction(&[rw::create_beacons(&payer.pubkey(), 2)], &payer, &[]).await;
    assert!(lost_race(&again.expect_err("created twice")));
    // And a crank outside any window is a real refusal
    let early = chain.send_transaction(&[rw::record_beacon(1, 3)], &payer, &[]).await;
    let early = early.expect_err("outside the window");
    assert_eq!(early.program_error().map(|e| e.name.as_str()), Some("BeaconOutsideWindow"));
    assert!(!lost_race(&early));
}
