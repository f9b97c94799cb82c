// Error codes to names, for both programs (their IDLs) and Anchor's own codes (< 6000).
import { Idl, LangErrorCode } from "@anchor-lang/core";
import { PublicKey } from "@solana/web3.js";

const anchorNames = new Map(Object.entries(LangErrorCode).map(([name, code]) => [code, name]));

export class ErrorNames {
  private readonly byProgram = new Map<string, Map<number, string>>();

  constructor(idls: Idl[]) {
    for (const idl of idls) {
      this.byProgram.set(idl.address, new Map((idl.errors ?? []).map((e) => [e.code, e.name])));
    }
  }

  /** The name of `code` raised by `program`, e.g. `StillUnbonding`, or `undefined`. */
  name(program: PublicKey | string, code: number): string | undefined {
    const own = this.byProgram.get(program.toString())?.get(code);
    return own ?? (code < 6000 ? anchorNames.get(code) : undefined);
  }

  /** The name in a bare RPC error (`… custom program error: 0x178d`), for when no logs came
   * back; the program is the one that failed (`Program <id> failed:` in the logs, if any). */
  fromMessage(program: PublicKey | string, message: string): string | undefined {
    const hex = /custom program error: (0x[0-9a-f]+)/i.exec(message)?.[1];
    return hex === undefined ? undefined : this.name(program, Number(hex));
  }
}
