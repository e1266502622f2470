//! Runs a fixed number of engine iterations of a scenario (parameter draws and
//! simulation, no statistics) and prints a digest of every number they produced: to
//! check that two versions of the engine give identical results, and for profilers
//! whose counts must be comparable between versions, e.g.
//! `valgrind --tool=callgrind --dump-instr=no target/release/examples/iterate
//! scenarios/national.toml 20`.
//!
//! Run: `cargo run --release --example iterate -- SCENARIO [ITERATIONS]`

use std::hint::black_box;

use phbsim::engine::Simulator;
use phbsim::scenario::parse_scenario;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: iterate SCENARIO [ITERATIONS]");
    let iterations: u64 = args.next().map_or(10, |n| n.parse().expect("a count"));
    let text = std::fs::read_to_string(&path).expect("a readable scenario");
    let scenario = parse_scenario(&text).expect("a valid scenario").scenario;
    let mut simulator = Simulator::new(&scenario);
    // FNV-1a over the bits of every output: any change of any number changes it.
    let mut digest: u64 = 0xcbf2_9ce4_8422_2325;
    for iteration in 0..iterations {
        let (monthly, summary) = simulator.iterate(scenario.seed, iteration);
        for value in black_box(monthly).iter().chain(summary) {
            digest = (digest ^ value.to_bits()).wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("{iterations} iterations, digest {digest:016x}");
}
