//! Typed fetchers over any [`Chain`]: configs, nodes (whole or only their heads), device
//! bindings, requesters, epoch states, beacon sets and the clock. Each result carries the
//! slot and clock it was read at; absent or closed accounts are `None` (by address) or left
//! out (scans).

use anchor_lang::prelude::Pubkey;
use anchor_lang::AccountDeserialize;

use super::NODE_HEAD_LEN;
use super::{Account, Chain, ChainError, DataSlice, NodeHead, ReadAt, Scan, MAX_READ_ACCOUNTS};
use crate::node_staking::{self as ns, DeviceBinding, Node, Requester};
use crate::rewards::{self as rw, BeaconSet, EpochState};

/// One account read at `slot`, when the clock said `unix_timestamp`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched<T> {
    pub address: Pubkey,
    pub slot: u64,
    pub unix_timestamp: i64,
    pub account: T,
}

/// Decodes an Anchor account owned by `owner`; `Decode` error when it is something else.
fn decode<T: AccountDeserialize>(
    address: Pubkey,
    account: &Account,
    owner: &Pubkey,
    kind: &'static str,
) -> Result<T, ChainError> {
    if account.owner != *owner {
        return Err(ChainError::Decode { address, kind });
    }
    T::try_deserialize(&mut account.data.as_slice())
        .map_err(|_| ChainError::Decode { address, kind })
}

#[async_trait::async_trait]
pub trait ChainExt: Chain {
    /// The clock (slot and unix time) now, at the chain's commitment.
    async fn clock(&self) -> Result<ReadAt<()>, ChainError> {
        let read = self.read_accounts(&[], None).await?;
        Ok(ReadAt { slot: read.slot, unix_timestamp: read.unix_timestamp, value: () })
    }

    /// Any number of accounts, in batches of [`MAX_READ_ACCOUNTS`] (one bank per batch).
    async fn read_many(
        &self,
        addresses: &[Pubkey],
        slice: Option<DataSlice>,
    ) -> Result<Vec<Fetched<Option<Account>>>, ChainError> {
        let mut out = Vec::with_capacity(addresses.len());
        for batch in addresses.chunks(MAX_READ_ACCOUNTS) {
            let read = self.read_accounts(batch, slice).await?;
            out.extend(batch.iter().zip(read.value).map(|(address, account)| Fetched {
                address: *address,
                slot: read.slot,
                unix_timestamp: read.unix_timestamp,
                account,
            }));
        }
        Ok(out)
    }

    /// Decoded Anchor accounts at `addresses` (`None` where absent).
    async fn fetch_all<T>(
        &self,
        addresses: &[Pubkey],
        owner: Pubkey,
        kind: &'static str,
    ) -> Result<Vec<Fetched<Option<T>>>, ChainError>
    where
        T: AccountDeserialize + Send + 'static,
    {
        // Decoded batch by batch: a million accounts are never held twice (raw and decoded).
        let mut out = Vec::with_capacity(addresses.len());
        for batch in addresses.chunks(MAX_READ_ACCOUNTS) {
            for f in self.read_many(batch, None).await? {
                let account = match &f.account {
                    Some(a) => Some(decode::<T>(f.address, a, &owner, kind)?),
                    None => None,
                };
                out.push(Fetched {
                    address: f.address,
                    slot: f.slot,
                    unix_timestamp: f.unix_timestamp,
                    account,
                });
            }
        }
        Ok(out)
    }

    /// One decoded Anchor account.
    async fn fetch<T>(
        &self,
        address: Pubkey,
        owner: Pubkey,
        kind: &'static str,
    ) -> Result<Fetched<Option<T>>, ChainError>
    where
        T: AccountDeserialize + Send + 'static,
    {
        let mut all = self.fetch_all::<T>(&[address], owner, kind).await?;
        all.pop().ok_or(ChainError::Transport("empty read".into()))
    }

    /// Every existing account of a scan, decoded (accounts closed since the scan are left out).
    async fn fetch_scanned<T>(
        &self,
        scan: Scan,
        kind: &'static str,
    ) -> Result<Vec<Fetched<T>>, ChainError>
    where
        T: AccountDeserialize + Send + 'static,
    {
        let owner = super::scan_filter(scan).0;
        let addresses = self.scan(scan).await?;
        let all = self.fetch_all::<T>(&addresses, owner, kind).await?;
        Ok(all
            .into_iter()
            .filter_map(|f| {
                let account = f.account?;
                Some(Fetched {
                    address: f.address,
                    slot: f.slot,
                    unix_timestamp: f.unix_timestamp,
                    account,
                })
            })
            .collect())
    }

    /// The node-staking config.
    async fn node_staking_config(&self) -> Result<Fetched<Option<ns::Config>>, ChainError> {
        self.fetch(ns::config_address(), ns::PROGRAM_ID, "node-staking config").await
    }

    /// The rewards config.
    async fn rewards_config(&self) -> Result<Fetched<Option<rw::Config>>, ChainError> {
        self.fetch(rw::config_address(), rw::PROGRAM_ID, "rewards config").await
    }

    /// Every node, whole.
    async fn nodes(&self) -> Result<Vec<Fetched<Node>>, ChainError> {
        self.fetch_scanned(Scan::Nodes, "node").await
    }

    /// Every node's head only (a `dataSlice` of [`NODE_HEAD_LEN`] bytes over RPC): what the
    /// epoch-view snapshot needs, without the metadata URI.
    async fn node_heads(&self) -> Result<Vec<Fetched<NodeHead>>, ChainError> {
        let addresses = self.scan(Scan::Nodes).await?;
        let slice = DataSlice { offset: 0, length: NODE_HEAD_LEN };
        let mut out = Vec::with_capacity(addresses.len());
        for f in self.read_many(&addresses, Some(slice)).await? {
            let Some(account) = f.account else { continue };
            if account.owner != ns::PROGRAM_ID {
                return Err(ChainError::Decode { address: f.address, kind: "node" });
            }
            let head = NodeHead::decode(&account.data)
                .ok_or(ChainError::Decode { address: f.address, kind: "node" })?;
            out.push(Fetched {
                address: f.address,
                slot: f.slot,
                unix_timestamp: f.unix_timestamp,
                account: head,
            });
        }
        Ok(out)
    }

    /// The binding of a device key (`None`: the key was never bound).
    async fn device_binding(
        &self,
        device_key: &Pubkey,
    ) -> Result<Fetched<Option<DeviceBinding>>, ChainError> {
        let address = ns::device_binding_pda(&ns::config_address(), device_key).0;
        self.fetch(address, ns::PROGRAM_ID, "device binding").await
    }

    /// The bindings of many device keys, in order.
    async fn device_bindings(
        &self,
        device_keys: &[Pubkey],
    ) -> Result<Vec<Fetched<Option<DeviceBinding>>>, ChainError> {
        let config = ns::config_address();
        let addresses: Vec<Pubkey> =
            device_keys.iter().map(|k| ns::device_binding_pda(&config, k).0).collect();
        self.fetch_all(&addresses, ns::PROGRAM_ID, "device binding").await
    }

    /// Every device binding (not supported by a Bank: no `getProgramAccounts`).
    async fn all_device_bindings(&self) -> Result<Vec<Fetched<DeviceBinding>>, ChainError> {
        self.fetch_scanned(Scan::DeviceBindings, "device binding").await
    }

    /// A requester record.
    async fn requester(&self, key: &Pubkey) -> Result<Fetched<Option<Requester>>, ChainError> {
        let address = ns::requester_pda(&ns::config_address(), key).0;
        self.fetch(address, ns::PROGRAM_ID, "requester").await
    }

    /// Every requester record (not supported by a Bank).
    async fn requesters(&self) -> Result<Vec<Fetched<Requester>>, ChainError> {
        self.fetch_scanned(Scan::Requesters, "requester").await
    }

    /// The state of rewards epoch `epoch` (`None`: not voted on yet, or closed).
    async fn epoch_state(&self, epoch: u64) -> Result<Fetched<Option<EpochState>>, ChainError> {
        self.fetch(rw::epoch_pda(epoch).0, rw::PROGRAM_ID, "epoch state").await
    }

    /// The states of many epochs, in order.
    async fn epoch_states(
        &self,
        epochs: &[u64],
    ) -> Result<Vec<Fetched<Option<EpochState>>>, ChainError> {
        let addresses: Vec<Pubkey> = epochs.iter().map(|e| rw::epoch_pda(*e).0).collect();
        self.fetch_all(&addresses, rw::PROGRAM_ID, "epoch state").await
    }

    /// The beacon account of rewards epoch `epoch` (`None`: not created yet).
    async fn beacons(&self, epoch: u64) -> Result<Fetched<Option<BeaconSet>>, ChainError> {
        let address = rw::beacons_pda(epoch).0;
        let mut read = self.read_many(&[address], None).await?;
        let f = read.pop().ok_or(ChainError::Transport("empty read".into()))?;
        let kind = "beacon set";
        let account = match &f.account {
            Some(a) if a.owner != rw::PROGRAM_ID => {
                return Err(ChainError::Decode { address, kind })
            }
            Some(a) => Some(
                rw::decode_beacons(&a.data).map_err(|_| ChainError::Decode { address, kind })?,
            ),
            None => None,
        };
        Ok(Fetched { address, slot: f.slot, unix_timestamp: f.unix_timestamp, account })
    }
}

impl<C: Chain + ?Sized> ChainExt for C {}
