//! Mints and token accounts for SPL Token and Token-2022, with optional mint extensions.

use anchor_lang::prelude::Pubkey;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use spl_associated_token_account_interface::{
    address::get_associated_token_address_with_program_id,
    instruction::create_associated_token_account_idempotent,
};
use spl_token_2022_interface::{
    extension::{
        default_account_state, metadata_pointer, pausable, transfer_fee, transfer_hook,
        BaseStateWithExtensions, ExtensionType, StateWithExtensions,
    },
    instruction as token_ix,
    state::{Account as TokenAccount, AccountState, Mint},
};

use crate::Env;

/// Token-2022 mint extensions a test can put on a mint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MintExtension {
    TransferFee,
    TransferHook,
    PermanentDelegate,
    Pausable,
    NonTransferable,
    /// `DefaultAccountState` set to frozen.
    DefaultFrozen,
    MintCloseAuthority,
    /// Harmless: where the metadata lives.
    MetadataPointer,
}

impl MintExtension {
    pub const ALL: [MintExtension; 8] = [
        MintExtension::TransferFee,
        MintExtension::TransferHook,
        MintExtension::PermanentDelegate,
        MintExtension::Pausable,
        MintExtension::NonTransferable,
        MintExtension::DefaultFrozen,
        MintExtension::MintCloseAuthority,
        MintExtension::MetadataPointer,
    ];

    fn extension_type(self) -> ExtensionType {
        match self {
            MintExtension::TransferFee => ExtensionType::TransferFeeConfig,
            MintExtension::TransferHook => ExtensionType::TransferHook,
            MintExtension::PermanentDelegate => ExtensionType::PermanentDelegate,
            MintExtension::Pausable => ExtensionType::Pausable,
            MintExtension::NonTransferable => ExtensionType::NonTransferable,
            MintExtension::DefaultFrozen => ExtensionType::DefaultAccountState,
            MintExtension::MintCloseAuthority => ExtensionType::MintCloseAuthority,
            MintExtension::MetadataPointer => ExtensionType::MetadataPointer,
        }
    }

    fn init_instruction(
        self,
        token_program: &Pubkey,
        mint: &Pubkey,
        authority: &Pubkey,
    ) -> Instruction {
        let ix = match self {
            MintExtension::TransferFee => {
                transfer_fee::instruction::initialize_transfer_fee_config(
                    token_program,
                    mint,
                    Some(authority),
                    Some(authority),
                    100,
                    u64::MAX,
                )
            }
            MintExtension::TransferHook => transfer_hook::instruction::initialize(
                token_program,
                mint,
                Some(*authority),
                Some(Pubkey::new_unique()),
            ),
            MintExtension::PermanentDelegate => {
                token_ix::initialize_permanent_delegate(token_program, mint, authority)
            }
            MintExtension::Pausable => {
                pausable::instruction::initialize(token_program, mint, authority)
            }
            MintExtension::NonTransferable => {
                token_ix::initialize_non_transferable_mint(token_program, mint)
            }
            MintExtension::DefaultFrozen => {
                default_account_state::instruction::initialize_default_account_state(
                    token_program,
                    mint,
                    &AccountState::Frozen,
                )
            }
            MintExtension::MintCloseAuthority => {
                token_ix::initialize_mint_close_authority(token_program, mint, Some(authority))
            }
            MintExtension::MetadataPointer => metadata_pointer::instruction::initialize(
                token_program,
                mint,
                Some(*authority),
                Some(*mint),
            ),
        };
        ix.expect("extension instruction builds")
    }
}

impl Env {
    /// Creates a mint owned by `token_program` (SPL Token or Token-2022) with `extensions`
    /// (Token-2022 only) and returns its address. `authority` is mint and freeze authority.
    pub async fn create_mint(
        &mut self,
        token_program: &Pubkey,
        authority: &Pubkey,
        decimals: u8,
        extensions: &[MintExtension],
    ) -> Pubkey {
        let mint = Keypair::new();
        self.create_mint_at(&mint, token_program, authority, decimals, extensions).await;
        mint.pubkey()
    }

    /// Like [`Env::create_mint`], at a chosen address.
    pub async fn create_mint_at(
        &mut self,
        mint: &Keypair,
        token_program: &Pubkey,
        authority: &Pubkey,
        decimals: u8,
        extensions: &[MintExtension],
    ) {
        let types: Vec<ExtensionType> = extensions.iter().map(|e| e.extension_type()).collect();
        let space = ExtensionType::try_calculate_account_len::<Mint>(&types).expect("mint size");
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let payer = self.payer();
        let mut ixs = vec![solana_system_interface::instruction::create_account(
            &payer.pubkey(),
            &mint.pubkey(),
            rent.minimum_balance(space),
            space as u64,
            token_program,
        )];
        for extension in extensions {
            ixs.push(extension.init_instruction(token_program, &mint.pubkey(), authority));
        }
        ixs.push(
            token_ix::initialize_mint2(
                token_program,
                &mint.pubkey(),
                authority,
                Some(authority),
                decimals,
            )
            .expect("initialize_mint2"),
        );
        self.send(&ixs, &[mint]).await.expect("create mint");
    }

    /// The associated token account of `owner` for `mint`, created if missing.
    pub async fn create_ata(
        &mut self,
        mint: &Pubkey,
        owner: &Pubkey,
        token_program: &Pubkey,
    ) -> Pubkey {
        let payer = self.payer();
        let ix =
            create_associated_token_account_idempotent(&payer.pubkey(), owner, mint, token_program);
        self.send(&[ix], &[]).await.expect("create associated token account");
        get_associated_token_address_with_program_id(owner, mint, token_program)
    }

    /// A token account at a fresh (non-associated) address, for tests that need a second one.
    pub async fn create_token_account(
        &mut self,
        mint: &Pubkey,
        owner: &Pubkey,
        token_program: &Pubkey,
    ) -> Pubkey {
        let account = Keypair::new();
        let mint_data = self.account(mint).await.expect("mint exists").data;
        let mint_state = StateWithExtensions::<Mint>::unpack(&mint_data).expect("mint decodes");
        let account_types = ExtensionType::get_required_init_account_extensions(
            &mint_state.get_extension_types().expect("mint extensions"),
        );
        let space =
            ExtensionType::try_calculate_account_len::<TokenAccount>(&account_types).expect("size");
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let payer = self.payer();
        let ixs = [
            solana_system_interface::instruction::create_account(
                &payer.pubkey(),
                &account.pubkey(),
                rent.minimum_balance(space),
                space as u64,
                token_program,
            ),
            token_ix::initialize_account3(token_program, &account.pubkey(), mint, owner)
                .expect("init account"),
        ];
        self.send(&ixs, &[&account]).await.expect("create token account");
        account.pubkey()
    }

    pub async fn mint_to(
        &mut self,
        mint: &Pubkey,
        token_program: &Pubkey,
        authority: &Keypair,
        destination: &Pubkey,
        amount: u64,
    ) {
        let ix =
            token_ix::mint_to(token_program, mint, destination, &authority.pubkey(), &[], amount)
                .expect("mint_to");
        self.send(&[ix], &[authority]).await.expect("mint to");
    }

    /// The token balance of a token account (SPL Token or Token-2022); 0 if it does not exist.
    pub async fn token_balance(&mut self, account: &Pubkey) -> u64 {
        match self.account(account).await {
            Some(acc) => {
                StateWithExtensions::<TokenAccount>::unpack(&acc.data)
                    .expect("token account")
                    .base
                    .amount
            }
            None => 0,
        }
    }

    /// The supply of a mint.
    pub async fn mint_supply(&mut self, mint: &Pubkey) -> u64 {
        let acc = self.account(mint).await.expect("mint exists");
        StateWithExtensions::<Mint>::unpack(&acc.data).expect("mint").base.supply
    }
}
