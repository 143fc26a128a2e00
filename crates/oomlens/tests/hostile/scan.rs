//! `scan` against a local HTTP server that misbehaves: an answer far too
//! large, a connection closed before answering, a server that hangs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::run::run;

#[derive(Clone, Copy)]
enum Mode {
    /// The first working-set query gets `n` bytes of valid-looking JSON,
    /// the other requests an empty vector.
    Huge(u64),
    /// Reads the request and closes the connection.
    Close,
    /// Reads the request and never answers.
    Hang,
}

/// A server on 127.0.0.1 answering every request as `mode` says, and a
/// count of the requests it got.
fn serve(mode: Mode) -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&hits);
    let huge_sent = Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            let huge_sent = Arc::clone(&huge_sent);
            std::thread::spawn(move || answer(s, mode, &huge_sent));
        }
    });
    (url, hits)
}

fn answer(mut s: TcpStream, mode: Mode, huge_sent: &AtomicBool) {
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; len];
    let _ = r.read_exact(&mut body);
    match mode {
        Mode::Close => {}
        Mode::Hang => std::thread::sleep(Duration::from_secs(120)),
        Mode::Huge(total)
            if String::from_utf8_lossy(&body).contains("working_set")
                && !huge_sent.swap(true, Ordering::SeqCst) =>
        {
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n\
                  {\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[",
            );
            let mut chunk = String::new();
            for i in 0..1000 {
                chunk.push_str(&format!(
                    "{{\"metric\":{{\"namespace\":\"shop\",\"pod\":\"api-{i}\",\"container\":\"app\"}},\"value\":[1700000000,\"123456789\"]}},"
                ));
            }
            let mut sent = 0u64;
            while sent < total {
                if s.write_all(chunk.as_bytes()).is_err() {
                    return;
                }
                sent += chunk.len() as u64;
            }
        }
        Mode::Huge(_) => {
            let b = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                b.len()
            );
            let _ = s.write_all(b);
        }
    }
}

fn scan(url: &str, timeout: &str) -> crate::run::Run {
    let mut cmd = Command::new(crate::support::oomlens());
    cmd.args([
        "scan",
        "--prometheus",
        url,
        "--timeout",
        timeout,
        "--at",
        "1700000000",
        "-f",
        "json",
    ]);
    run(cmd, None, Duration::from_secs(240))
}

/// A 2 GB answer took 4 GB (a valid one aborted the process). Answers are
/// decoded as they stream and cut at 128 MiB (`MAX_ANSWER`), which is said.
/// A 160 MiB answer proves the cut: nothing past the cap is read, so the
/// peak does not grow with the answer. One-point series with three labels
/// are the worst case decoded (about 4.5x their JSON): the bound is 6x the
/// cap, not 2x (see MAX_ANSWER).
#[test]
fn a_huge_answer_is_cut_and_said() {
    let (url, _) = serve(Mode::Huge(160 << 20));
    let r = scan(&url, "120s");
    let said = r.json()["warnings"].to_string();
    assert!(
        said.contains("longer than 128 MiB: not used"),
        "status {:?}: {said} {}",
        r.code,
        r.stderr
    );
    assert!(
        r.max_rss_kib < 768 * 1024,
        "{} MiB for a 160 MiB answer cut at 128 MiB",
        r.max_rss_kib >> 10
    );
}

/// A server closing the connection was reported as "no answer within
/// 120 s" after 7.5 s.
#[test]
fn a_closed_connection_is_said_as_such() {
    let (url, _) = serve(Mode::Close);
    let r = scan(&url, "120s");
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("closed the connection"), "{}", r.stderr);
    assert!(!r.stderr.contains("no answer"), "{}", r.stderr);
}

/// A hung server was tried ~30 times (about 30 minutes at the default
/// timeout). The first query that times out on every try ends the scan:
/// the whole run is bounded by one query's tries (3 x 2 s plus backoff).
#[test]
fn a_hung_server_bounds_the_whole_scan() {
    let (url, hits) = serve(Mode::Hang);
    let r = scan(&url, "2s");
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("no answer"), "{}", r.stderr);
    assert!(r.wall < Duration::from_secs(30), "took {:?}", r.wall);
    let tries = hits.load(Ordering::SeqCst);
    assert!(tries <= 12, "{tries} requests to a hung server");
}
