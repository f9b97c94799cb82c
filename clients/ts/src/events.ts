// Events of a transaction. GridMint emits with `emit_cpi!`: each event is a self-CPI whose
// data is the 8-byte event-instruction tag, then the event (discriminator + Borsh), found in
// `meta.innerInstructions`. Events from `emit!` (`Program data:` log lines) are decoded too.
import { BorshCoder, EventParser, Idl, utils } from "@anchor-lang/core";
import { PublicKey, VersionedTransactionResponse } from "@solana/web3.js";

/** anchor-lang's `EVENT_IX_TAG_LE`. */
export const EVENT_IX_TAG_LE = Buffer.from([0xe4, 0x45, 0xa5, 0x2e, 0x51, 0xcb, 0x9a, 0x1d]);

export interface DecodedEvent {
  program: PublicKey;
  name: string;
  data: Record<string, unknown>;
  source: "cpi" | "log";
}

/** Decodes every event of `idls`' programs in `tx` (from `getTransaction` with
 * `maxSupportedTransactionVersion: 0`), self-CPI events first in execution order. */
export function eventsFromTransaction(tx: VersionedTransactionResponse, idls: Idl[]): DecodedEvent[] {
  const coders = new Map(idls.map((idl) => [idl.address, new BorshCoder(idl)]));
  const keys = tx.transaction.message.getAccountKeys({
    accountKeysFromLookups: tx.meta?.loadedAddresses,
  });
  const out: DecodedEvent[] = [];
  for (const group of tx.meta?.innerInstructions ?? []) {
    for (const ix of group.instructions) {
      const program = keys.get(ix.programIdIndex);
      const coder = program && coders.get(program.toBase58());
      if (!program || !coder) continue;
      const data = Buffer.from(utils.bytes.bs58.decode(ix.data));
      if (data.length < 16 || !data.subarray(0, 8).equals(EVENT_IX_TAG_LE)) continue;
      const event = coder.events.decode(data.subarray(8).toString("base64"));
      if (event) out.push({ program, name: event.name, data: event.data, source: "cpi" });
    }
  }
  for (const [address, coder] of coders) {
    const parser = new EventParser(new PublicKey(address), coder);
    for (const event of parser.parseLogs(tx.meta?.logMessages ?? [])) {
      out.push({ program: new PublicKey(address), name: event.name, data: event.data, source: "log" });
    }
  }
  return out;
}
