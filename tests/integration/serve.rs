//! `phbsim serve` as a client meets it: a real server on a free port, spoken to over
//! raw TCP. A thousand malformed and hostile requests (bad and missing tokens, foreign
//! Host and Origin headers, huge bodies, bad paths and path traversal, wrong
//! methods, bad JSON, non-numbers and out-of-range values) each get a clean 4xx; the
//! scenario file is never touched; and the server then still answers a correct
//! what-if correctly. Refused what-ifs sent at once each get their own refusal; a body
//! over the limit is read to its end before its refusal. A newer what-if cancels the
//! run of an older one.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{EXAMPLE, binary};

/// A running server, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    token: String,
    /// Where the server's stderr goes (it prints nothing while it answers; a panic of
    /// one of its threads would show here).
    stderr: tempfile::NamedTempFile,
}

impl Server {
    /// What the server has written to stderr so far.
    fn stderr(&self) -> String {
        std::fs::read_to_string(self.stderr.path()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `phbsim serve FILE --port 0 -n ITERATIONS` and reads the address it prints.
fn serve(file: &Path, iterations: u32) -> Server {
    let stderr = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(binary())
        .arg("serve")
        .arg(file)
        .args(["--port", "0", "-n", &iterations.to_string(), "-j", "2"])
        .stdout(Stdio::piped())
        .stderr(stderr.reopen().unwrap())
        .spawn()
        .expect("phbsim serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("the address is printed");
    let url = line.trim();
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .unwrap_or_else(|| panic!("not an address on 127.0.0.1: {url}"));
    let (port, token) = rest.split_once("/?token=").expect("a token");
    Server {
        port: port.parse().expect("a port"),
        token: token.to_string(),
        child,
        stderr,
    }
}

/// The built-in example written to `icb.toml` in a fresh folder (kept with the
/// server, which may write to the file) and served at `iterations`.
fn serve_example(iterations: u32) -> (tempfile::TempDir, PathBuf, Server) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("icb.toml");
    std::fs::write(&file, EXAMPLE).unwrap();
    let server = serve(&file, iterations);
    (dir, file, server)
}

/// `count` chunks of 8 KiB of `byte` in HTTP's chunked transfer coding (no last
/// chunk).
fn chunks(count: usize, byte: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    for _ in 0..count {
        bytes.extend_from_slice(b"2000\r\n");
        bytes.extend(std::iter::repeat_n(byte, 0x2000));
        bytes.extend_from_slice(b"\r\n");
    }
    bytes
}

/// Sends raw bytes and returns the status of the first answer and its body.
fn send(port: u16, request: &[u8]) -> (u16, String) {
    exchange(port, request).unwrap_or_else(|why| {
        let start = String::from_utf8_lossy(&request[..request.len().min(200)]).into_owned();
        panic!("no HTTP answer to {start:?}: {why}")
    })
}

/// Sends raw bytes and returns the first answer's status and body; without one, how the
/// exchange went (bytes received, how the reading ended, when, and from which port),
/// so that a failure says whether the connection was closed, reset or timed out.
fn exchange(port: u16, request: &[u8]) -> Result<(u16, String), String> {
    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    let local = stream.local_addr().map_or(0, |a| a.port());
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    // A server that stops reading may reset the connection; its answer is already
    // on its way, so a failed write is no failure of the test.
    let written = stream.write_all(request);
    let written = written.and(stream.shutdown(Shutdown::Write));
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 8192];
    let end = loop {
        match stream.read(&mut buffer) {
            Ok(0) => break "closed".to_string(),
            Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            // A signal interrupted the wait; the answer may still come.
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => break format!("ended by {:?}", e.kind()),
        }
    };
    let how = |what: &str| {
        let write = written.as_ref().err().map_or(String::new(), |e| {
            format!("; writing ended by {:?}", e.kind())
        });
        let start = String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).into_owned();
        format!(
            "{what}: {} bytes {start:?}, then {end} after {:?} (from port {local}{write})",
            bytes.len(),
            started.elapsed()
        )
    };
    let Some(split) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Err(how("no complete head"));
    };
    let head = String::from_utf8_lossy(&bytes[..split]).to_ascii_lowercase();
    let Some(status) = head
        .strip_prefix("http/1.1 ")
        .or_else(|| head.strip_prefix("http/1.0 "))
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
    else {
        return Err(how("no status line"));
    };
    let body = &bytes[split + 4..];
    let body = if head.contains("transfer-encoding: chunked") {
        unchunk(body)
    } else {
        body.to_vec()
    };
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// The body of a chunked answer.
fn unchunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&rest[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .unwrap_or(0);
        let after = &rest[end + 2..];
        if size == 0 || after.len() < size {
            break;
        }
        body.extend_from_slice(&after[..size]);
        rest = after[size..]
            .strip_prefix(b"\r\n")
            .unwrap_or(&after[size..]);
    }
    body
}

/// A request with a JSON body.
fn post(port: u16, target: &str, body: &[u8], extra: &str) -> Vec<u8> {
    let mut request = format!(
        "POST {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// A GET request to `target` naming `host`.
fn get(target: &str, host: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").into_bytes()
}

/// The kinds of hostile request, each a function of the server and a number that
/// varies it; with `kinds.len()` kinds, `n` requests take every kind in turn.
fn hostile(server: &Server, n: usize) -> (String, Vec<u8>) {
    let (port, token) = (server.port, server.token.as_str());
    let host = format!("127.0.0.1:{port}");
    let with = |path: &str| format!("{path}?token={token}");
    let wrong_token = format!("{:032x}", 0x5eed_u128.wrapping_mul(n as u128 + 1));
    let what_if = |set: &str| format!(r#"{{"seq": {n}, "set": {set}}}"#).into_bytes();
    let kind = n % 30;
    let (what, request) = match kind {
        0 => ("no token", get("/", &host)),
        1 => ("a wrong token", get(&format!("/?token={wrong_token}"), &host)),
        2 => ("a short token", get(&format!("/?token={}", &token[..n % 31]), &host)),
        3 => ("the token with a byte more", get(&format!("/?token={token}0"), &host)),
        4 => ("a foreign Host", get(&with("/"), &format!("evil.example:{port}"))),
        5 => ("another port as Host", get(&with("/"), &format!("127.0.0.1:{}", port.wrapping_add(1)))),
        6 => ("no Host", format!("GET {} HTTP/1.0\r\n\r\n", with("/")).into_bytes()),
        7 => (
            "a foreign Origin",
            post(port, &with("/api/whatif"), &what_if("{}"), "Origin: http://evil.example\r\n"),
        ),
        8 => {
            let paths = [
                "/etc/passwd",
                "/../../etc/passwd",
                "/%2e%2e/%2e%2e/etc/passwd",
                "/api/whatif/../../scenario.toml",
                "/report.html/../icb.toml",
                "/app.js%00",
                "//etc/passwd",
                "/icb.toml",
                "/api",
                "/API/WHATIF",
            ];
            ("a bad path", get(&with(paths[n % paths.len()]), &host))
        }
        9 => {
            let (method, path) = [("DELETE", "/"), ("PUT", "/api/whatif"), ("GET", "/api/whatif"), ("POST", "/"), ("GET", "/api/keep"), ("OPTIONS", "/report.html")][n % 6];
            let request = format!("{method} {} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", with(path));
            ("a wrong method", request.into_bytes())
        }
        10 => {
            // Claims a huge body and sends none of it: refused unread.
            let request = format!("POST {} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\n\r\n", with("/api/whatif"), 100_000_000 + n);
            ("a huge body", request.into_bytes())
        }
        11 => {
            let mut body = br#"{"set": {"a": ""#.to_vec();
            body.extend(std::iter::repeat_n(b'x', 70 * 1024));
            body.extend_from_slice(br#""}}"#);
            ("a body over 64 KiB", post(port, &with("/api/whatif"), &body, ""))
        }
        12 => {
            let mut request = format!("POST {} HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", with("/api/keep")).into_bytes();
            request.extend(chunks(9, b'y'));
            request.extend_from_slice(b"0\r\n\r\n");
            ("a chunked body over 64 KiB", request)
        }
        13 => {
            let values = [r#""abc""#, r#""1,5""#, r#""0.5%""#, r#""NaN""#, r#""inf""#, r#""""#, "true", r#""1e999""#];
            let set = format!(r#"{{"providers.trust.services.crisis.pass_through": {}}}"#, values[n % values.len()]);
            ("not a number", post(port, &with("/api/whatif"), &what_if(&set), ""))
        }
        14 => {
            let values = ["7", "-0.5", "1.0000001", "1e308", "-1e308", "2"];
            let set = format!(r#"{{"cohorts.s117.uptake.ceiling": {}}}"#, values[n % values.len()]);
            ("out of range", post(port, &with("/api/whatif"), &what_if(&set), ""))
        }
        15 => {
            let bodies: [&[u8]; 10] = [b"{", b"[]", b"null", b"", br#"{"set": 5}"#, br#"{"set": {"a": [1]}}"#, b"\xff\xfe{}", br#"{"set": {"a": {"dist": "pert"}}}"#, br#"{"seq": "one"}"#, br#"{"seq": -1}"#];
            ("bad JSON", post(port, &with("/api/whatif"), bodies[n % bodies.len()], ""))
        }
        16 => {
            let paths = ["no.such.path", "../../etc/passwd", "providers.trust.services.nope.backfill", "cohorts", "a..b", "providers.trust.services.crisis.pass_through.min", "scenario.name.x", "draws.file"];
            let set = format!(r#"{{"{}": 1}}"#, paths[n % paths.len()]);
            ("a path the scenario has not", post(port, &with("/api/whatif"), &what_if(&set), ""))
        }
        17 => {
            let bodies = [
                r#"{"name": "", "set": {"cohorts.s117.uptake.ceiling": 0.5}}"#,
                r#"{"name": "a\nb", "set": {"cohorts.s117.uptake.ceiling": 0.5}}"#,
                r#"{"name": "empty", "set": {}}"#,
                r#"{"set": {"cohorts.s117.uptake.ceiling": 0.5}}"#,
                r#"{"name": "contracts re-based after two years", "set": {"cohorts.s117.uptake.ceiling": 0.5}}"#,
                r#"{"name": "bad value", "set": {"cohorts.s117.uptake.ceiling": 5}}"#,
                r#"{"name": 7, "set": {"cohorts.s117.uptake.ceiling": 0.5}}"#,
            ];
            ("a keep the file must not take", post(port, &with("/api/keep"), bodies[n % bodies.len()].as_bytes(), ""))
        }
        18 => ("an address too long", get(&with(&format!("/{}", "a".repeat(3000 + n))), &host)),
        19 => ("a garbage request line", format!("HELLO {n}\r\n\r\n").into_bytes()),
        20 => ("a header not in ASCII", format!("GET {} HTTP/1.1\r\nHost: {host}\r\nX-Name: caf\u{e9}\r\n\r\n", with("/")).into_bytes()),
        21 => ("an odd Expect", format!("POST {} HTTP/1.1\r\nHost: {host}\r\nExpect: magic\r\nContent-Length: 2\r\n\r\n{{}}", with("/api/whatif")).into_bytes()),
        22 => {
            let set: Vec<String> = (0..=500).map(|i| format!(r#""p{i}": 1"#)).collect();
            ("too many settings", post(port, &with("/api/whatif"), &what_if(&format!("{{{}}}", set.join(","))), ""))
        }
        23 => ("two tokens, the first wrong", get(&format!("/?token={wrong_token}&token={token}"), &host)),
        24 => ("two Host headers", format!("GET {} HTTP/1.1\r\nHost: {host}\r\nHost: evil.example\r\nConnection: close\r\n\r\n", with("/")).into_bytes()),
        25 => ("a token in another parameter", get(&format!("/?tokens={token}"), &host)),
        26 => ("the token in the path", get(&format!("/{token}"), &host)),
        27 => {
            let set = r#"{"contracts.first_review": "2020-01", "cohorts.s117.offer_from": "next year"}"#;
            ("bad months", post(port, &with("/api/whatif"), &what_if(set), ""))
        }
        28 => ("a whole number of notice months as text", post(port, &with("/api/whatif"), &what_if(r#"{"providers.trust.services.crisis.notice_months": 6.5}"#), "")),
        _ => ("a report by POST", post(port, &with("/report.html"), b"{}", "")),
    };
    (format!("#{n} ({what})"), request)
}

#[test]
fn a_thousand_hostile_requests_get_clean_refusals_and_the_server_still_answers() {
    let (dir, file, server) = serve_example(40);
    let mut wrong = Vec::new();
    for n in 0..1000 {
        let (what, request) = hostile(&server, n);
        match exchange(server.port, &request) {
            Ok((status, _)) if (400..500).contains(&status) => {}
            // tiny_http closes the connection on a header line that is not ASCII
            // without a word: a refusal, though not a 4xx (see docs/serve.md).
            Err(_) if what.contains("not in ASCII") => {}
            Ok((status, body)) => {
                wrong.push(format!("{what}: {status} {}", &body[..body.len().min(200)]))
            }
            Err(why) => wrong.push(format!("{what}: no answer ({why})")),
        }
    }
    assert!(
        wrong.is_empty(),
        "answers that are not a clean 4xx:\n{}\nthe server's stderr:\n{}",
        wrong.join("\n"),
        server.stderr()
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        EXAMPLE,
        "the scenario file changed"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names.len(),
        1,
        "files appeared beside the scenario: {names:?}"
    );

    // Still answering, and correctly.
    let with = |path: &str| format!("{path}?token={}", server.token);
    let body = br#"{"seq": 1, "set": {"cohorts.s117.uptake.ceiling": 0.9}}"#;
    let (status, answer) = send(
        server.port,
        &post(server.port, &with("/api/whatif"), body, ""),
    );
    assert_eq!(status, 200, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(answer["seq"], 1);
    assert!(answer["headline"].as_str().unwrap().contains("Headlines"));
    assert!(
        answer["variants"]
            .as_str()
            .unwrap()
            .contains("Variants against the base")
    );
    let compare = answer["compare_csv"].as_str().unwrap();
    assert!(
        compare
            .lines()
            .any(|l| l.starts_with("what-if,") && l.contains(",provider,trust,income,")),
        "{compare}"
    );
    let (status, page) = send(
        server.port,
        &get(&with("/"), &format!("localhost:{}", server.port)),
    );
    assert_eq!(status, 200);
    assert!(page.contains("Keep as variant"));
    let (status, report) = send(
        server.port,
        &get(&with("/report.html"), &format!("127.0.0.1:{}", server.port)),
    );
    assert_eq!(status, 200);
    assert!(report.contains("Variants against the base") && report.contains("what-if"));
}

/// Written after a CI run in which one refused what-if of the hostile test (#58,
/// `notice_months = 6.5`, refused 422 before any run) got no answer at all while the
/// requests around it were answered, a failure not reproduced since. Here many such
/// refusals arrive at once, from several clients: each must get its own 422, naming
/// its own `seq`, so an answer lost, dropped or sent on the wrong connection fails.
#[test]
fn refused_what_ifs_sent_at_once_each_get_their_own_refusal() {
    const CLIENTS: usize = 12;
    const EACH: usize = 10;
    let (_dir, _, server) = serve_example(40);
    let port = server.port;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let target = format!("/api/whatif?token={}", server.token);
            std::thread::spawn(move || {
                let mut wrong = Vec::new();
                for seq in client * EACH..(client + 1) * EACH {
                    let body = format!(
                        r#"{{"seq": {seq}, "set": {{"providers.trust.services.crisis.notice_months": 6.5}}}}"#
                    );
                    match exchange(port, &post(port, &target, body.as_bytes(), "")) {
                        Ok((422, answer))
                            if answer.contains(&format!(r#""seq":{seq}}}"#))
                                && answer.contains("must be a whole number") => {}
                        Ok((status, answer)) => wrong.push(format!("seq {seq}: {status} {answer}")),
                        Err(why) => wrong.push(format!("seq {seq}: no answer ({why})")),
                    }
                }
                wrong
            })
        })
        .collect();
    let wrong: Vec<String> = clients
        .into_iter()
        .flat_map(|client| client.join().unwrap())
        .collect();
    assert!(
        wrong.is_empty(),
        "refusals missing or wrong:\n{}\nthe server's stderr:\n{}",
        wrong.join("\n"),
        server.stderr()
    );
}

/// The server answered a chunked body over 64 KiB as soon as it had read 64 KiB and
/// then closed the connection with the rest unread, which makes the kernel reset it:
/// the client's further writes failed, and a reset can destroy an answer before the
/// client reads it. Now the rest is read and thrown away first: no answer before the
/// body ends, every byte of it accepted, then the 413 and a clean end.
#[test]
fn a_chunked_body_over_the_limit_is_read_to_its_end_before_its_refusal() {
    let (_dir, _, server) = serve_example(40);
    let port = server.port;
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    let mut first = format!(
        "POST /api/whatif?token={} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        server.token
    )
    .into_bytes();
    // 80 KiB: more than a body may hold, but not the end of the body.
    first.extend(chunks(10, b'z'));
    stream.write_all(&first).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    match stream.peek(&mut [0u8; 1]) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        other => panic!("an answer before the body ended: {other:?}"),
    }
    let mut rest = chunks(10, b'z');
    rest.extend_from_slice(b"0\r\n\r\n");
    stream
        .write_all(&rest)
        .expect("the rest of the body is accepted");
    stream.shutdown(Shutdown::Write).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the answer ends cleanly, without a reset");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    assert!(
        answer.contains("a request body is at most 65536 bytes"),
        "{answer}"
    );
}

#[test]
fn a_newer_what_if_cancels_the_run_of_an_older_one() {
    // The newer what-if must arrive after the older one was handed to the worker and
    // before its run ends. A run of 2,000 iterations takes about 1.5 s in a debug
    // build but 0.16 s in a release build (as the server reported here), so the pause
    // between the two is a quarter of the time the server reports for a first
    // what-if, at most 150 ms.
    // A loaded machine can still upset the order, so each order that did not test the
    // cancellation (the older finished first, or arrived second) is tried again with
    // a pause halved or doubled; a server that never cancels fails every attempt.
    let (_dir, _, server) = serve_example(2000);
    let port = server.port;
    let target = format!("/api/whatif?token={}", server.token);
    let what_if = |seq: u64, ceiling: f64| {
        let body =
            format!(r#"{{"seq": {seq}, "set": {{"cohorts.s117.uptake.ceiling": {ceiling}}}}}"#);
        post(port, &target, body.as_bytes(), "")
    };
    let (status, first) = send(port, &what_if(1, 0.9));
    assert_eq!(status, 200, "{first}");
    let answer: serde_json::Value = serde_json::from_str(&first).expect("a JSON answer");
    let run_seconds = answer["server_seconds"].as_f64().expect("server_seconds");
    let mut pause = Duration::from_secs_f64((run_seconds / 4.0).min(0.15));
    let mut outcomes = Vec::new();
    for attempt in 0..4 {
        let seq = 2 + 2 * attempt;
        let older = {
            let request = what_if(seq, 0.8);
            std::thread::spawn(move || send(port, &request))
        };
        std::thread::sleep(pause);
        let (newer_status, newer) = send(port, &what_if(seq + 1, 0.7));
        let (older_status, older) = older.join().unwrap();
        let superseded = |body: &str| body.contains("superseded");
        outcomes.push(format!(
            "after {pause:?}: older {older_status}, newer {newer_status}"
        ));
        match (older_status, newer_status) {
            (409, 200) if superseded(&older) => return,
            // The older run ended before the newer what-if arrived.
            (200, 200) => pause /= 2,
            // The newer what-if was handed over first, and superseded by the older.
            (200, 409) if superseded(&newer) => pause *= 2,
            _ => panic!("older: {older_status} {older}\nnewer: {newer_status} {newer}"),
        }
    }
    panic!("no attempt had the newer what-if cancel the older one's run: {outcomes:?}");
}
