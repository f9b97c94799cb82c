//! GridMint oracle service (to come): ingests device-signed meter readings and work receipts,
//! verifies them with `gridmint_protocol::messages`, stores them durably, computes each epoch's
//! rewards with `gridmint_protocol::rewards` and submits attestations through `gridmint_sdk`.
