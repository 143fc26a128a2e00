//! Golden snapshots of the kernel OOM parser over every fixture in
//! `tests/fixtures/kernel/`.
//!
//! Each snapshot is the documented JSON output, `{"reports": [...],
//! "warnings": [...]}`. The time context is the default one, so syslog stamps
//! stay unresolved and the snapshots depend neither on file modification
//! times nor on today's date. Regenerate with
//! `INSTA_UPDATE=always cargo test -p oomlens-evidence --test kernel_golden`
//! (or `cargo insta review`) and review the diff against the fixture text.

use oomlens_evidence::kernel;
use oomlens_evidence::time::TimeContext;

#[test]
fn kernel_fixture_snapshots() {
    insta::glob!("../../../tests/fixtures/kernel", "*.log", |path| {
        let bytes = std::fs::read(path).expect("fixture is readable");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("fixture name is UTF-8");
        let (reports, warnings) = kernel::parse(name, &bytes, &TimeContext::default());
        let out = serde_json::json!({
            "reports": reports,
            "warnings": warnings.into_vec(),
        });
        insta::assert_json_snapshot!(out);
    });
}
