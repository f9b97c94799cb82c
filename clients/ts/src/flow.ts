// The operator flow through the stock Anchor client, the committed IDLs and this package:
// initialize both programs on a fresh localnet, register a node, stake, unstake, see an
// error by name, act as a one-key oracle set to finalize epoch 0, claim, and decode every
// event of every transaction. Prints one JSON summary line; `tests/rpc` (ts_client) runs it
// and checks the chain state itself.
//
// Usage: node dist/flow.js <rpc-url> <payer-keypair.json> <deploy-admin-keypair.json>
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { AnchorError, AnchorProvider, BN, Wallet } from "@anchor-lang/core";
import {
  Connection,
  Keypair,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
} from "@solana/web3.js";
import { chainTime, ErrorNames, eventsFromTransaction, loadIdl, pda, programs, waitForTransaction } from "./index";

const TOKEN = new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
const ATA = new PublicKey("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");
const EPOCH_SECONDS = 6;
const STAKE = 100_000_000; // 100 tokens, 6 decimals
const CLAIM = 250_000_000;

const keypair = (path: string) => Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(path, "utf8"))));
const ata = (owner: PublicKey, mint: PublicKey) =>
  PublicKey.findProgramAddressSync([owner.toBuffer(), TOKEN.toBuffer(), mint.toBuffer()], ATA)[0];
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

// The three SPL Token instructions the set-up needs, by their documented layouts.
const initializeMint2 = (mint: PublicKey, authority: PublicKey) =>
  new TransactionInstruction({
    programId: TOKEN,
    keys: [{ pubkey: mint, isSigner: false, isWritable: true }],
    data: Buffer.concat([Buffer.from([20, 6]), authority.toBuffer(), Buffer.from([0])]),
  });
const createAta = (payer: PublicKey, owner: PublicKey, mint: PublicKey) =>
  new TransactionInstruction({
    programId: ATA,
    keys: [
      { pubkey: payer, isSigner: true, isWritable: true },
      { pubkey: ata(owner, mint), isSigner: false, isWritable: true },
      { pubkey: owner, isSigner: false, isWritable: false },
      { pubkey: mint, isSigner: false, isWritable: false },
      { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
      { pubkey: TOKEN, isSigner: false, isWritable: false },
    ],
    data: Buffer.from([1]),
  });
const mintTo = (mint: PublicKey, to: PublicKey, authority: PublicKey, amount: number) =>
  new TransactionInstruction({
    programId: TOKEN,
    keys: [
      { pubkey: mint, isSigner: false, isWritable: true },
      { pubkey: to, isSigner: false, isWritable: true },
      { pubkey: authority, isSigner: true, isWritable: false },
    ],
    data: Buffer.concat([Buffer.from([7]), u64(amount)]),
  });

async function main() {
  const [url, payerPath, adminPath] = process.argv.slice(2);
  if (!url || !payerPath || !adminPath) throw new Error("usage: flow.js <rpc-url> <payer.json> <deploy-admin.json>");
  const connection = new Connection(url, "confirmed");
  const payer = keypair(payerPath);
  const provider = new AnchorProvider(connection, new Wallet(payer), {
    commitment: "confirmed",
    preflightCommitment: "confirmed",
  });
  const { nodeStaking, rewards } = programs(provider);
  const idls = [loadIdl("node_staking"), loadIdl("rewards")];
  const names = new ErrorNames(idls);
  const ns = nodeStaking.methods as any; // the IDL is loaded at run time, so methods are untyped
  const rw = rewards.methods as any;

  const admin = keypair(adminPath);
  const [operator, device, oracle, stakeMint, rewardMint] = Array.from({ length: 5 }, () => Keypair.generate());
  const nsConfig = pda.nodeStaking.config();
  const rwConfig = pda.rewards.config();
  const operatorStake = ata(operator.publicKey, stakeMint.publicKey);
  const treasury = ata(payer.publicKey, stakeMint.publicKey);
  const eventsByStep: Record<string, string[]> = {};
  const lagMs: Record<string, number> = {};
  const record = async (step: string, signature: string) => {
    const sent = Date.now();
    const tx = await waitForTransaction(connection, signature);
    lagMs[step] = Date.now() - sent;
    const events = eventsFromTransaction(tx, idls);
    if (events.length === 0) throw new Error(`${step}: no event decoded`);
    eventsByStep[step] = events.map((e) => e.name);
  };

  // Set-up: SOL for the actors, a stake mint (payer's authority), a reward mint whose
  // authority is the rewards program's PDA, token accounts, stake tokens for the operator.
  const rent = await connection.getMinimumBalanceForRentExemption(82);
  const setup = new Transaction();
  for (const to of [admin.publicKey, operator.publicKey, oracle.publicKey]) {
    setup.add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 10_000_000_000 }));
  }
  for (const [mint, authority] of [
    [stakeMint, payer.publicKey],
    [rewardMint, pda.rewards.mintAuthority(rwConfig)],
  ] as const) {
    setup.add(
      SystemProgram.createAccount({ fromPubkey: payer.publicKey, newAccountPubkey: mint.publicKey, lamports: rent, space: 82, programId: TOKEN }),
      initializeMint2(mint.publicKey, authority),
    );
  }
  setup.add(
    createAta(payer.publicKey, operator.publicKey, stakeMint.publicKey),
    createAta(payer.publicKey, payer.publicKey, stakeMint.publicKey),
    createAta(payer.publicKey, operator.publicKey, rewardMint.publicKey),
    mintTo(stakeMint.publicKey, operatorStake, payer.publicKey, 2 * STAKE),
  );
  await provider.sendAndConfirm(setup, [stakeMint, rewardMint]);

  // Both programs on one epoch clock starting a few seconds ahead of the chain's (both sent
  // before any event is read: `getTransaction` may lag by seconds on a loaded localnet).
  const genesisTime = (await chainTime(connection)) + 8;
  const initStaking = await ns
    .initialize({
      authority: admin.publicKey,
      slashAuthority: admin.publicKey,
      genesisTime: new BN(genesisTime),
      epochSeconds: new BN(EPOCH_SECONDS),
      minStake: [new BN(1_000_000), new BN(1_000_000), new BN(1_000_000)],
      maxCapacity: { energyWp: new BN(1_000_000_000), computeUnitsPerHour: new BN(1_000_000_000) },
      unbondingSeconds: new BN(14 * 86_400),
      slashBps: 1_000,
      reporterBountyBps: 500,
    })
    .accountsPartial({
      deployAdmin: admin.publicKey,
      stakeMint: stakeMint.publicKey,
      treasury,
      tokenProgram: TOKEN,
    })
    .signers([admin])
    .rpc();
  const initRewards = await rw
    .initialize({
      authority: admin.publicKey,
      genesisTime: new BN(genesisTime),
      epochSeconds: new BN(EPOCH_SECONDS),
      minChallengePeriodSeconds: new BN(1),
      params: {
        reportGraceSeconds: new BN(1),
        challengePeriodSeconds: new BN(1),
        emission: {
          initialPerEpoch: new BN(1_000_000_000),
          decayBps: 0,
          decayIntervalEpochs: new BN(1),
          floorPerEpoch: new BN(1_000_000_000),
        },
        hardCapPerEpoch: new BN(1_000_000_000),
        rewardFormula: {
          computePoolBps: 5_000,
          greenBonusBps: 0,
          workPerStakedToken: new BN(10),
          whPerStakedToken: new BN(1_000),
          maxCapacityFactorBps: 10_000,
          maxWorkPerWh: new BN(1),
        },
      },
      oracles: [oracle.publicKey],
      threshold: 1,
    })
    .accountsPartial({ deployAdmin: admin.publicKey, rewardMint: rewardMint.publicKey, tokenProgram: TOKEN })
    .signers([admin])
    .rpc();
  await record("node_staking.initialize", initStaking);
  await record("rewards.initialize", initRewards);

  // The operator: register node 1 (the device co-signs), stake more, unstake some.
  const nodeId = 1;
  const node = pda.nodeStaking.node(nsConfig, nodeId);
  const vault = pda.nodeStaking.vault(nsConfig);
  await record(
    "register_node",
    await ns
      .registerNode({
        kind: { energy: {} },
        capacity: { energyWp: new BN(100_000_000), computeUnitsPerHour: new BN(0) },
        region: 276,
        metadataUri: "https://example.org/ts-node.json",
        rewardRecipient: null,
        stake: new BN(STAKE),
      })
      .accountsPartial({
        operator: operator.publicKey,
        device: device.publicKey,
        node,
        deviceBinding: pda.nodeStaking.deviceBinding(nsConfig, device.publicKey),
        stakeMint: stakeMint.publicKey,
        operatorToken: operatorStake,
        vault,
        tokenProgram: TOKEN,
      })
      .signers([operator, device])
      .rpc(),
  );
  const tokens = { stakeMint: stakeMint.publicKey, vault, tokenProgram: TOKEN };
  await record(
    "stake",
    await ns
      .stake({ amount: new BN(STAKE / 2) })
      .accountsPartial({ operator: operator.publicKey, node, operatorToken: operatorStake, ...tokens })
      .signers([operator])
      .rpc(),
  );
  await record(
    "request_unstake",
    await ns
      .requestUnstake({ amount: new BN(STAKE / 4) })
      .accountsPartial({ operator: operator.publicKey, node })
      .signers([operator])
      .rpc(),
  );

  // An error by name: withdrawing during unbonding. The stock client turns the preflight
  // logs into an AnchorError; the package names the bare code too.
  let error: { name: string; number: number; byPackage?: string } | undefined;
  try {
    await ns
      .withdraw()
      .accountsPartial({ operator: operator.publicKey, node, destination: operatorStake, ...tokens })
      .signers([operator])
      .rpc();
  } catch (err) {
    if (!(err instanceof AnchorError)) throw new Error(`expected an AnchorError, got ${err}`);
    const code = err.error.errorCode;
    error = { name: code.code, number: code.number, byPackage: names.name(err.program, code.number) };
  }
  if (!error) throw new Error("withdraw during unbonding succeeded");

  // Rewards: once epoch 0 and its report grace are over, the one oracle finalizes a
  // one-leaf tree (root = leaf hash) paying the operator; after the challenge period the
  // operator's tokens are claimed with an empty proof.
  const waitChain = async (until: number) => {
    const deadline = Date.now() + 60_000;
    while ((await chainTime(connection)) < until) {
      if (Date.now() > deadline) throw new Error(`chain clock did not reach ${until}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  await waitChain(genesisTime + EPOCH_SECONDS + 1);
  const leaf = createHash("sha256")
    .update(Buffer.concat([Buffer.from([0]), operator.publicKey.toBuffer(), u64(CLAIM)]))
    .digest();
  await record(
    "submit_report",
    await rw
      .submitReport({
        epoch: new BN(0),
        round: 0,
        root: [...leaf],
        cumulativeTotal: new BN(CLAIM),
        recipientCount: new BN(1),
        manifestHash: new Array(32).fill(0),
      })
      .accountsPartial({ oracle: oracle.publicKey, epochState: pda.rewards.epochState(rwConfig, 0) })
      .signers([oracle])
      .rpc(),
  );
  await waitChain((await chainTime(connection)) + 2);
  await record(
    "claim",
    await rw
      .claim({ cumulative: new BN(CLAIM), proof: [] })
      .accountsPartial({
        payer: payer.publicKey,
        recipient: operator.publicKey,
        claimStatus: pda.rewards.claimStatus(rwConfig, operator.publicKey),
        rewardMint: rewardMint.publicKey,
        recipientTokenAccount: ata(operator.publicKey, rewardMint.publicKey),
        tokenProgram: TOKEN,
      })
      .rpc(),
  );

  // Account decoding through the stock client.
  const nodeAccount = await (nodeStaking.account as any).node.fetch(node);
  const claimStatus = await (rewards.account as any).claimStatus.fetch(pda.rewards.claimStatus(rwConfig, operator.publicKey));
  console.log(
    JSON.stringify({
      operator: operator.publicKey.toBase58(),
      stakeMint: stakeMint.publicKey.toBase58(),
      rewardMint: rewardMint.publicKey.toBase58(),
      nodeId,
      activeStake: nodeAccount.activeStake.toString(),
      pendingStake: nodeAccount.pendingStake.toString(),
      claimedTotal: claimStatus.claimedTotal.toString(),
      error,
      events: eventsByStep,
      getTransactionLagMs: lagMs,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
