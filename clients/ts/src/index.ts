export * from "./idl";
export * as pda from "./pda";
export { NODE_STAKING_ID, REWARDS_ID, eventAuthority } from "./pda";
export * from "./events";
export * from "./errors";
export * from "./rpc";
