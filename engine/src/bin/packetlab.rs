//! `packetlab`: the engine's shell on the command line.
fn main() {}
