-- PostgreSQL twin of `../sqlite/0004_closes.sql`.
-- The newest close summary of each epoch (`GET /v1/epochs/{e}/close`, JSON): replicas of one
-- oracle on a shared store serve what their leader computed.
CREATE TABLE closes (
    epoch    BIGINT PRIMARY KEY NOT NULL,
    summary  TEXT   NOT NULL
);
