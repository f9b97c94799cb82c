// `getTransaction` returns null until the transaction's slot is confirmed (or rooted, for
// "finalized") *and* the validator's transaction-status service has written its metadata;
// poll with a deadline instead of assuming it is there right after confirmation.
import {
  Commitment,
  Connection,
  Finality,
  SYSVAR_CLOCK_PUBKEY,
  VersionedTransactionResponse,
} from "@solana/web3.js";

export async function waitForTransaction(
  connection: Connection,
  signature: string,
  timeoutMs = 120_000,
  commitment: Finality = "confirmed",
): Promise<VersionedTransactionResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tx = await connection.getTransaction(signature, {
      commitment,
      maxSupportedTransactionVersion: 0,
    });
    if (tx) return tx;
    if (Date.now() > deadline) throw new Error(`getTransaction(${signature}): null after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The cluster's clock (`Clock` sysvar `unix_timestamp`), which the programs judge time by. */
export async function chainTime(connection: Connection, commitment: Commitment = "confirmed"): Promise<number> {
  const clock = await connection.getAccountInfo(SYSVAR_CLOCK_PUBKEY, commitment);
  if (!clock) throw new Error("no Clock sysvar");
  return Number(clock.data.readBigInt64LE(32));
}
