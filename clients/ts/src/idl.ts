// The committed IDLs (repo `idl/`), the only interface description integrators need.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AnchorProvider, Idl, Program } from "@anchor-lang/core";

export type ProgramName = "node_staking" | "rewards";

/** `idl/` at the repository root (this file compiles to `clients/ts/dist/`). */
export const IDL_DIR = join(__dirname, "..", "..", "..", "idl");

export function loadIdl(name: ProgramName, dir: string = IDL_DIR): Idl {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as Idl;
}

/** Stock Anchor clients of both programs. */
export function programs(provider: AnchorProvider, dir: string = IDL_DIR) {
  return {
    nodeStaking: new Program(loadIdl("node_staking", dir), provider),
    rewards: new Program(loadIdl("rewards", dir), provider),
  };
}
