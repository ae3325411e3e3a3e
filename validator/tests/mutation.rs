//! Bounded mutation test: thousands of damaged plans made from the fixtures. The loader and the
//! gate never panic, never hang, and never pass (exit 0) input that is not a valid plan.

mod common;

use std::time::{Duration, Instant};

use edulibra_validate::eval::{evaluate, Options};
use edulibra_validate::plan::load_bytes;
use edulibra_validate::rules::RuleSet;
use edulibra_validate::waivers::Waivers;

/// A small deterministic generator (xorshift), so a failure names its seed and reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(src: &[u8], rng: &mut Rng) -> (Vec<u8>, &'static str) {
    let mut b = src.to_vec();
    match rng.below(7) {
        0 => {
            b.truncate(rng.below(b.len()));
            (b, "truncate")
        }
        1 => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(b.len());
                b[i] = rng.next() as u8;
            }
            (b, "flip bytes")
        }
        2 => {
            let i = rng.below(b.len());
            let j = (i + rng.below(200)).min(b.len());
            b.drain(i..j);
            (b, "delete a span")
        }
        3 => {
            let i = rng.below(b.len());
            let j = (i + rng.below(200)).min(b.len());
            let span = b[i..j].to_vec();
            let k = rng.below(b.len());
            b.splice(k..k, span);
            (b, "duplicate a span")
        }
        4 => {
            // Swap a scalar's type: the first `true`/`false`/digit after a random point.
            let start = rng.below(b.len());
            if let Some(p) = b[start..]
                .iter()
                .position(|c| *c == b't' || *c == b'f' || c.is_ascii_digit())
            {
                let i = start + p;
                b.splice(i..i + 1, b"\"x\"".iter().copied());
            }
            (b, "retype a scalar")
        }
        5 => {
            let i = rng.below(b.len());
            b.splice(i..i, b"{\"format_version\":".iter().copied());
            (b, "insert a key")
        }
        _ => {
            let text = String::from_utf8_lossy(&b).replace("resource_changes", "resource_chnages");
            (text.into_bytes(), "rename resource_changes")
        }
    }
}

#[test]
fn mutated_plans_never_panic_hang_or_pass_unread() {
    let dir = common::manifest_dir().join("../../shared/fixtures/plans");
    assert!(
        dir.is_dir(),
        "this test mutates ../shared/fixtures/plans, which is missing beside the clone"
    );
    let mut sources = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json")
            && std::fs::metadata(&p).unwrap().len() < 60_000
        {
            sources.push((
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            ));
        }
    }
    sources.sort();
    let mut rules = RuleSet::load(true, &[], Duration::from_secs(5)).unwrap();
    let waivers = Waivers::default();
    let mut rng = Rng(0x5eed_cafe_f00d);
    let (mut tried, mut refused, mut judged) = (0, 0, 0);
    let started = Instant::now();
    while tried < 3000 && started.elapsed() < Duration::from_secs(120) {
        let (name, src) = &sources[rng.below(sources.len())];
        let (bytes, how) = mutate(src, &mut rng);
        tried += 1;
        let t = Instant::now();
        match load_bytes(name, &bytes) {
            Err(_) => refused += 1,
            Ok(plan) => {
                // Whatever loads must be valid JSON of a plan; judging it may pass or fail, but
                // never panic, and must stay within the time limit.
                assert!(
                    serde_json::from_slice::<serde_json::Value>(&bytes).is_ok()
                        || bytes.starts_with(&[0xEF, 0xBB, 0xBF])
                        || bytes.starts_with(&[0xFF, 0xFE]),
                    "{name} ({how}) loaded although it is not JSON"
                );
                if evaluate(
                    &mut rules,
                    &[plan],
                    &waivers,
                    &Options {
                        only_changes: false,
                        ..Default::default()
                    },
                )
                .is_ok()
                {
                    judged += 1;
                }
            }
        }
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "{name} ({how}) took {:?}",
            t.elapsed()
        );
    }
    eprintln!(
        "mutation: {tried} plans tried, {refused} refused, {judged} judged, in {:?}",
        started.elapsed()
    );
    assert!(tried >= 500, "only {tried} mutations ran");
    assert!(
        refused > tried / 4,
        "most damage must be refused: {refused}/{tried}"
    );
}
