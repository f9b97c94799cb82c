// Addresses of every GridMint account. The IDL's resolver cannot derive `node`,
// `device_binding`, `evidence` and `epoch_state` (their seeds come from account fields or
// hashes the client holds), so pass them explicitly with `accountsPartial`.
// Seeds mirror `programs/*/src/state/seeds.rs`.
import { PublicKey } from "@solana/web3.js";

export const NODE_STAKING_ID = new PublicKey("FQWPvQdUuQAeduf46XEivoKAtV5Aduac9BFNcD5tPCmK");
export const REWARDS_ID = new PublicKey("9BV2MHWaBUPMfbiFshiRhYKPV2FHYBLDdDrkCQ7CZjFK");

const pda = (programId: PublicKey, ...seeds: (Buffer | Uint8Array)[]) =>
  PublicKey.findProgramAddressSync(seeds, programId)[0];
const text = (s: string) => Buffer.from(s, "utf8");
const u64le = (n: bigint | number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

/** The `__event_authority` PDA every `emit_cpi!` instruction takes. */
export const eventAuthority = (programId: PublicKey) => pda(programId, text("__event_authority"));

export const nodeStaking = {
  config: (programId = NODE_STAKING_ID) => pda(programId, text("config")),
  vault: (config: PublicKey, programId = NODE_STAKING_ID) =>
    pda(programId, text("vault"), config.toBuffer()),
  node: (config: PublicKey, nodeId: bigint | number, programId = NODE_STAKING_ID) =>
    pda(programId, text("node"), config.toBuffer(), u64le(nodeId)),
  deviceBinding: (config: PublicKey, deviceKey: PublicKey, programId = NODE_STAKING_ID) =>
    pda(programId, text("device"), config.toBuffer(), deviceKey.toBuffer()),
  /** `evidenceHash`: the 32-byte hash of the fraud evidence (see `report_fraud`). */
  evidence: (config: PublicKey, evidenceHash: Uint8Array, programId = NODE_STAKING_ID) =>
    pda(programId, text("evidence"), config.toBuffer(), evidenceHash),
  requester: (config: PublicKey, key: PublicKey, programId = NODE_STAKING_ID) =>
    pda(programId, text("requester"), config.toBuffer(), key.toBuffer()),
  eventAuthority: (programId = NODE_STAKING_ID) => eventAuthority(programId),
};

export const rewards = {
  config: (programId = REWARDS_ID) => pda(programId, text("config")),
  mintAuthority: (config: PublicKey, programId = REWARDS_ID) =>
    pda(programId, text("mint_authority"), config.toBuffer()),
  epochState: (config: PublicKey, epoch: bigint | number, programId = REWARDS_ID) =>
    pda(programId, text("epoch"), config.toBuffer(), u64le(epoch)),
  claimStatus: (config: PublicKey, recipient: PublicKey, programId = REWARDS_ID) =>
    pda(programId, text("claim"), config.toBuffer(), recipient.toBuffer()),
  eventAuthority: (programId = REWARDS_ID) => eventAuthority(programId),
};
