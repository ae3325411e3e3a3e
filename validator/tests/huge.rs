//! A 200 MB plan (built here, ~85,000 resources) is judged to the end within the memory bound
//! that docs/reliability.md states: peak resident memory at most 30 times the plan's size.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One resource of about 2.3 kB: an S3 bucket with tags and a policy; every 7th policy lets
/// anyone read the bucket.
fn resource(i: usize, out: &mut Vec<u8>) {
    let effect = if i % 7 == 0 { "Allow" } else { "Deny" };
    let pad = "P".repeat(900);
    let tags: Vec<String> = (0..20)
        .map(|t| format!("\"tag{t:02}\":\"value-{i}-{t}-abcdefghijklmnopqrstuvwxyz\""))
        .collect();
    let policy = format!("{{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{{\\\"Sid\\\":\\\"{pad}\\\",\\\"Effect\\\":\\\"{effect}\\\",\\\"Principal\\\":\\\"*\\\",\\\"Action\\\":\\\"s3:*\\\",\\\"Resource\\\":\\\"arn:aws:s3:::bucket-{i}/*\\\"}}]}}");
    write!(
        out,
        r#"{{"address":"aws_s3_bucket.b{i}","mode":"managed","type":"aws_s3_bucket","name":"b{i}","change":{{"actions":["create"],"before":null,"after":{{"bucket":"bucket-{i}","force_destroy":false,"policy":"{policy}","tags":{{{tags}}}}},"after_unknown":{{"id":true,"arn":true}}}}}}"#,
        tags = tags.join(",")
    )
    .unwrap();
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

#[test]
fn a_200_mb_plan_is_judged_within_the_memory_bound() {
    let dir = std::env::temp_dir().join(format!("edulibra-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("huge.json");
    let mut body = Vec::with_capacity(210 << 20);
    body.extend_from_slice(
        br#"{"format_version":"1.2","terraform_version":"1.9.0","resource_changes":["#,
    );
    let mut n = 0;
    while body.len() < 200 << 20 {
        if n > 0 {
            body.push(b',');
        }
        resource(n, &mut body);
        n += 1;
    }
    body.extend_from_slice(b"]}");
    std::fs::write(&path, &body).unwrap();
    let size = body.len() as u64;
    drop(body);

    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_edulibra-validate"))
        .args([
            "check",
            path.to_str().unwrap(),
            "--format",
            "json",
            "--output",
        ])
        .arg(dir.join("report.json"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "a 200 MB plan took over 10 minutes"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = start.elapsed();
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "{n} resources, {} MiB: exit {:?} in {:.1} s, peak RSS {} MiB ({:.1}x the plan)",
        size >> 20,
        status.code(),
        took.as_secs_f64(),
        peak >> 10,
        (peak * 1024) as f64 / size as f64
    );
    assert_eq!(
        status.code(),
        Some(1),
        "judged to the end: public buckets fail"
    );
    let failing: std::collections::BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail" && f["rule_id"] == "EDU-IAM-014")
        .filter_map(|f| f["resource"].as_str())
        .collect();
    assert_eq!(
        failing.len(),
        n.div_ceil(7),
        "every public bucket is found, no other"
    );
    assert!(
        peak * 1024 <= 30 * size,
        "peak RSS {} MiB is over 30x the plan ({} MiB)",
        peak >> 10,
        size >> 20
    );
}
