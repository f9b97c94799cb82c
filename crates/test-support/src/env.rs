//! A started Bank with both programs and the operations tests share.

use anchor_lang::{prelude::Pubkey, AccountDeserialize, AccountSerialize};
use solana_account::{Account, AccountSharedData};
use solana_clock::Clock;
use solana_instruction::{error::InstructionError, Instruction};
use solana_keypair::Keypair;
use solana_program_test::{BanksClientError, ProgramTest, ProgramTestContext};
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

use gridmint_native_runtime::{native_programs, quiet_program_test_logs};

/// A running test Bank with GridMint's programs loaded natively.
pub struct Env {
    pub ctx: ProgramTestContext,
}

impl Env {
    /// A `ProgramTest` with both programs registered natively, not yet started (add accounts
    /// to it before starting if a test needs genesis state).
    pub fn program_test() -> ProgramTest {
        let mut pt = ProgramTest::default();
        quiet_program_test_logs();
        pt.prefer_bpf(false);
        for program in native_programs() {
            pt.add_program(program.name, program.id, Some(program.entry));
        }
        pt
    }

    pub async fn start() -> Self {
        Self::start_with(Self::program_test()).await
    }

    pub async fn start_with(pt: ProgramTest) -> Self {
        Self { ctx: pt.start_with_context().await }
    }

    /// The fee payer, which also funds every account the tests create.
    pub fn payer(&self) -> Keypair {
        self.ctx.payer.insecure_clone()
    }

    /// Sends one transaction paid and signed by the payer, plus `signers`. A fresh blockhash
    /// each time, so the same instructions can be sent twice (replays are real replays).
    pub async fn send(
        &mut self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<(), TransactionError> {
        let tx = self.transaction(instructions, signers).await;
        self.ctx.banks_client.process_transaction(tx).await.map_err(into_transaction_error)
    }

    /// Like [`Env::send`], also returning the transaction's log messages (empty when the
    /// transaction never executed).
    pub async fn send_with_logs(
        &mut self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> (Result<(), TransactionError>, Vec<String>) {
        let tx = self.transaction(instructions, signers).await;
        let outcome = self
            .ctx
            .banks_client
            .process_transaction_with_metadata(tx)
            .await
            .expect("banks client");
        (outcome.result, outcome.metadata.map(|m| m.log_messages).unwrap_or_default())
    }

    /// A signed transaction over `instructions` with a fresh blockhash.
    pub async fn transaction(
        &mut self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Transaction {
        let blockhash = self.ctx.get_new_latest_blockhash().await.expect("new blockhash");
        let payer = self.payer();
        let mut all: Vec<&Keypair> = vec![&payer];
        all.extend(signers.iter().filter(|s| s.pubkey() != payer.pubkey()));
        Transaction::new_signed_with_payer(instructions, Some(&payer.pubkey()), &all, blockhash)
    }

    /// Simulates a transaction and returns the data of every inner instruction (where
    /// `emit_cpi!` events live), in order. Fails if the simulation fails.
    pub async fn simulate_inner_data(
        &mut self,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<Vec<Vec<u8>>, TransactionError> {
        let tx = self.transaction(instructions, signers).await;
        let sim = self.ctx.banks_client.simulate_transaction(tx).await.expect("simulation runs");
        if let Some(Err(err)) = sim.result {
            return Err(err);
        }
        let details = sim.simulation_details.expect("simulation details");
        Ok(details
            .inner_instructions
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .map(|inner| inner.instruction.data)
            .collect())
    }

    pub async fn account(&mut self, address: &Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(*address).await.expect("banks client")
    }

    /// Deserializes an Anchor account (checking its discriminator); panics if absent.
    pub async fn anchor_account<T: AccountDeserialize>(&mut self, address: &Pubkey) -> T {
        let account = self.account(address).await.unwrap_or_else(|| panic!("no account {address}"));
        T::try_deserialize(&mut account.data.as_slice()).expect("account decodes")
    }

    /// Overwrites an Anchor account's data in place (same owner and lamports when it exists),
    /// to inject state no instruction can reach, such as balances near `u64::MAX`.
    pub async fn set_anchor_account<T: AccountSerialize>(
        &mut self,
        address: &Pubkey,
        value: &T,
        owner: &Pubkey,
    ) {
        let existing = self.account(address).await;
        let mut data = Vec::new();
        value.try_serialize(&mut data).expect("account serializes");
        if let Some(old) = &existing {
            // Keep the allocated size: Anchor accounts are fixed-size with trailing space.
            if data.len() < old.data.len() {
                data.resize(old.data.len(), 0);
            }
        }
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let lamports =
            existing.map(|a| a.lamports).unwrap_or_else(|| rent.minimum_balance(data.len()));
        let account = Account { lamports, data, owner: *owner, executable: false, rent_epoch: 0 };
        self.ctx.set_account(address, &AccountSharedData::from(account));
    }

    /// Writes raw account state (lamports, owner, data).
    pub fn set_raw_account(&mut self, address: &Pubkey, account: Account) {
        self.ctx.set_account(address, &AccountSharedData::from(account));
    }

    pub async fn clock(&mut self) -> Clock {
        self.ctx.banks_client.get_sysvar::<Clock>().await.expect("clock")
    }

    /// The Bank's current unix time.
    pub async fn now(&mut self) -> i64 {
        self.clock().await.unix_timestamp
    }

    /// Moves the clock's unix time forward by `seconds` (and the slot by one, so the next
    /// transaction lands in a new bank).
    pub async fn warp_seconds(&mut self, seconds: i64) {
        let clock = self.clock().await;
        let next_slot = clock.slot.checked_add(1).expect("slot");
        self.ctx.warp_to_slot(next_slot).expect("warp to next slot");
        let mut clock = self.clock().await;
        clock.unix_timestamp = clock.unix_timestamp.checked_add(seconds).expect("time");
        self.ctx.set_sysvar(&clock);
    }

    /// Moves to the next slot with the clock's unix time exactly `unix_timestamp` (forward
    /// only, so the Bank's history stays ordered).
    pub async fn warp_to_timestamp(&mut self, unix_timestamp: i64) {
        let clock = self.clock().await;
        assert!(unix_timestamp >= clock.unix_timestamp, "the clock only moves forward");
        let next_slot = clock.slot.checked_add(1).expect("slot");
        self.ctx.warp_to_slot(next_slot).expect("warp to next slot");
        self.set_time(unix_timestamp).await;
    }

    /// Sets the clock's unix time exactly (forward or back), keeping the slot.
    pub async fn set_time(&mut self, unix_timestamp: i64) {
        let mut clock = self.clock().await;
        clock.unix_timestamp = unix_timestamp;
        self.ctx.set_sysvar(&clock);
    }

    /// Gives `to` lamports from the payer.
    pub async fn fund(&mut self, to: &Pubkey, lamports: u64) {
        let ix =
            solana_system_interface::instruction::transfer(&self.ctx.payer.pubkey(), to, lamports);
        self.send(&[ix], &[]).await.expect("fund");
    }

    /// A new keypair holding `lamports`.
    pub async fn funded_keypair(&mut self, lamports: u64) -> Keypair {
        let keypair = Keypair::new();
        self.fund(&keypair.pubkey(), lamports).await;
        keypair
    }

    pub async fn lamports(&mut self, address: &Pubkey) -> u64 {
        self.account(address).await.map(|a| a.lamports).unwrap_or(0)
    }
}

fn into_transaction_error(err: BanksClientError) -> TransactionError {
    match err {
        BanksClientError::TransactionError(err) => err,
        BanksClientError::SimulationError { err, .. } => err,
        other => panic!("transport error, not a transaction error: {other:?}"),
    }
}

/// The custom error code of a failed instruction, if that is how it failed.
pub fn custom_error(result: &Result<(), TransactionError>) -> Option<u32> {
    match result {
        Err(TransactionError::InstructionError(_, InstructionError::Custom(code))) => Some(*code),
        _ => None,
    }
}

/// Asserts that the transaction failed in one of its instructions with exactly `code`
/// (an Anchor error: `u32::from(MyError::X)` or `ErrorCode::X as u32`).
#[track_caller]
pub fn assert_error(result: Result<(), TransactionError>, code: impl Into<u32>) {
    let code = code.into();
    match &result {
        Err(TransactionError::InstructionError(_, InstructionError::Custom(got)))
            if *got == code => {}
        other => panic!("expected custom error {code} ({code:#x}), got {other:?}"),
    }
}
