//! One request, start to end: the checks every request passes (size of its target,
//! Host, Origin, token, size of its body), then its route, then the reply with the
//! headers every reply carries. Every refusal is a 4xx with a one-line reason; the
//! server never panics on what a client sends.
//!
//! A body the answer does not need is still read to its end before the answer (up to
//! [`MOST_DISCARDED`] bytes): a connection closed with bytes unread is reset by the
//! kernel rather than closed, and a reset can destroy an answer the client has not read
//! yet (RFC 9112, section 9.6).

use std::io::Read;
use std::sync::{Arc, PoisonError};
use std::time::Instant;

use serde_json::json;
use tiny_http::{Header, Method, Request, Response};

use crate::serve::answer::{Live, Prepared};
use crate::serve::page;
use crate::serve::security::{
    MAX_BODY, MAX_URL, MOST_DISCARDED, host_is_ours, same_token, token_in,
};
use crate::serve::server::App;
use crate::serve::whatif::WhatIf;

/// A reply: status, type and bytes, plus a file name for a download.
pub struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    download: Option<String>,
    allow: Option<&'static str>,
}

/// What the page's own resources may do: its script from here, calls back here, and
/// nothing from anywhere else (the report's inline styles and SVG are allowed).
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

impl Reply {
    fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type,
            body,
            download: None,
            allow: None,
        }
    }

    fn json(status: u16, value: &serde_json::Value) -> Reply {
        Reply::new(status, "application/json", value.to_string().into_bytes())
    }

    /// A refusal or failure with its reason.
    pub fn error(status: u16, message: &str) -> Reply {
        Reply::json(status, &json!({ "error": message }))
    }

    /// The answer to a what-if that a newer one replaced before it was drawn.
    pub fn superseded(seq: u64) -> Reply {
        Reply::json(409, &json!({ "superseded": true, "seq": seq }))
    }

    /// The parts of the page for answer `seq`, `seconds` after its request arrived.
    pub fn live(seq: u64, live: &Live, seconds: f64) -> Reply {
        let mut value = serde_json::to_value(live).unwrap_or_else(|_| json!({}));
        value["seq"] = json!(seq);
        value["server_seconds"] = json!(seconds);
        Reply::json(200, &value)
    }

    /// Sends the reply; a client that has gone away is no concern of the server's.
    pub fn send(self, request: Request) {
        let header =
            |name: &str, value: &str| Header::from_bytes(name.as_bytes(), value.as_bytes()).ok();
        let mut headers: Vec<Header> = [
            header("Content-Type", self.content_type),
            header("Cache-Control", "no-store"),
            header("X-Content-Type-Options", "nosniff"),
            header("Referrer-Policy", "no-referrer"),
            header("X-Frame-Options", "DENY"),
            header("Content-Security-Policy", POLICY),
        ]
        .into_iter()
        .flatten()
        .collect();
        if let Some(name) = &self.download {
            headers.extend(header(
                "Content-Disposition",
                &format!("attachment; filename=\"{name}\""),
            ));
        }
        if let Some(allow) = self.allow {
            headers.extend(header("Allow", allow));
        }
        let mut response = Response::from_data(self.body).with_status_code(self.status);
        for h in headers {
            response = response.with_header(h);
        }
        let _ = request.respond(response);
    }
}

/// The value of a request's header `name`, if it has exactly one.
fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    let mut found = request
        .headers()
        .iter()
        .filter(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name));
    let first = found.next()?;
    found.next().is_none().then(|| first.value.as_str())
}

/// The checks every request passes before its route is looked at.
fn admit(app: &App, request: &Request) -> Result<(), Reply> {
    let url = request.url();
    if url.len() > MAX_URL {
        return Err(Reply::error(414, "the address is too long"));
    }
    if !header(request, "Host").is_some_and(|h| host_is_ours(h, app.port)) {
        return Err(Reply::error(
            403,
            &format!(
                "this server answers only as 127.0.0.1:{0} or localhost:{0}",
                app.port
            ),
        ));
    }
    if let Some(origin) = header(request, "Origin") {
        let ours = [
            format!("http://127.0.0.1:{}", app.port),
            format!("http://localhost:{}", app.port),
        ];
        if !ours.iter().any(|o| o.eq_ignore_ascii_case(origin)) {
            return Err(Reply::error(403, "requests from other sites are refused"));
        }
    }
    let query = url.split_once('?').map_or("", |(_, q)| q);
    if !token_in(query).is_some_and(|t| same_token(t, &app.token)) {
        return Err(Reply::error(
            403,
            "a valid token is needed: open the address phbsim serve printed, with its ?token=",
        ));
    }
    Ok(())
}

/// The request's body, at most [`MAX_BODY`] bytes. One declared larger is refused at
/// once, unread (tiny_http reads the declared bytes and throws them away after the
/// answer, so the connection still closes cleanly); the rest of a chunked one found
/// larger is thrown away by [`handle`] before the refusal.
fn body(request: &mut Request) -> Result<Vec<u8>, Reply> {
    let too_large = || Reply::error(413, &format!("a request body is at most {MAX_BODY} bytes"));
    if request.body_length().is_some_and(|n| n > MAX_BODY) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    request
        .as_reader()
        .take(MAX_BODY as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| Reply::error(400, "the request body could not be read"))?;
    if bytes.len() > MAX_BODY {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Reads what is left of a chunked body and throws it away, at most
/// [`MOST_DISCARDED`] bytes; nothing when the route read it all. Only a chunked body
/// needs it: tiny_http reads a small declared body before the request is handled and
/// a larger one after the answer. A client that sent `Expect: 100-continue` is waiting
/// and has sent nothing; reading would ask it for the body, so it is not read. A read
/// that fails ends it: the connection is broken and the answer goes nowhere.
fn discard_rest_of_body(request: &mut Request) {
    let has = |name: &str| {
        request
            .headers()
            .iter()
            .any(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
    };
    if has("Transfer-Encoding") && !has("Expect") {
        let mut rest = request.as_reader().take(MOST_DISCARDED);
        let _ = std::io::copy(&mut rest, &mut std::io::sink());
    }
}

/// A JSON object from the body.
fn json_body(request: &mut Request) -> Result<serde_json::Map<String, serde_json::Value>, Reply> {
    let bytes = body(request)?;
    match serde_json::from_slice(&bytes) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(Reply::error(400, "the body must be a JSON object")),
        Err(e) => Err(Reply::error(400, &format!("the body is not JSON: {e}"))),
    }
}

/// The what-if of a body's `set` (an empty what-if when there is none).
fn what_if_of(body: &serde_json::Map<String, serde_json::Value>) -> Result<WhatIf, Reply> {
    match body.get("set") {
        None => Ok(WhatIf::default()),
        Some(set) => WhatIf::from_json(set).map_err(|e| Reply::error(400, &e.0)),
    }
}

/// Handles one request, whatever it holds. A reply given now first throws away what
/// the route left of the body (a refusal before the body was looked at, a page, a
/// body over the limit); a what-if goes to the worker with its body read.
pub fn handle(app: &Arc<App>, mut request: Request) {
    let received = Instant::now();
    match route(app, &mut request) {
        Routed::Reply(reply) => {
            discard_rest_of_body(&mut request);
            reply.send(request)
        }
        Routed::WhatIf(prepared, seq) => app.submit(request, *prepared, seq, received),
    }
}

/// Where a request goes: a reply now, or the run worker.
enum Routed {
    Reply(Reply),
    WhatIf(Box<Prepared>, u64),
}

/// The checks, then the route.
fn route(app: &Arc<App>, request: &mut Request) -> Routed {
    if let Err(refusal) = admit(app, request) {
        return Routed::Reply(refusal);
    }
    let path = request.url().split('?').next().unwrap_or("").to_string();
    let allow = match path.as_str() {
        "/" | "/app.js" | "/api/controls" | "/report.html" => "GET",
        "/api/whatif" | "/api/keep" => "POST",
        _ => return Routed::Reply(Reply::error(404, "no such page")),
    };
    let allowed = match request.method() {
        Method::Get | Method::Head => allow == "GET",
        Method::Post => allow == "POST",
        _ => false,
    };
    if !allowed {
        let mut reply = Reply::error(405, &format!("{path} answers {allow} only"));
        reply.allow = Some(allow);
        return Routed::Reply(reply);
    }
    match path.as_str() {
        "/api/whatif" => match what_if(app, request) {
            Ok((prepared, seq)) => Routed::WhatIf(Box::new(prepared), seq),
            Err(reply) => Routed::Reply(reply),
        },
        "/api/keep" => Routed::Reply(keep(app, request)),
        "/" => Routed::Reply(Reply::new(
            200,
            "text/html; charset=utf-8",
            page::html(&app.token, &app.served).into_bytes(),
        )),
        "/app.js" => Routed::Reply(Reply::new(
            200,
            "text/javascript; charset=utf-8",
            page::SCRIPT.as_bytes().to_vec(),
        )),
        "/api/controls" => Routed::Reply(controls(app)),
        _ => Routed::Reply(report(app)),
    }
}

/// The panel's controls and what the page needs to know of the session.
fn controls(app: &App) -> Reply {
    let served = &app.served;
    Reply::json(
        200,
        &json!({
            "scenario": served.base.scenario.name,
            "file": served.file.as_ref().map(|f| f.display().to_string()),
            "iterations": served.base.settings.iterations,
            "seed": served.base.settings.seed,
            "groups": served.controls(),
        }),
    )
}

/// A what-if checked and ready for the worker, with its sequence number.
fn what_if(app: &App, request: &mut Request) -> Result<(Prepared, u64), Reply> {
    let body = json_body(request)?;
    let seq = match body.get("seq") {
        None => 0,
        Some(seq) => seq
            .as_u64()
            .ok_or_else(|| Reply::error(400, "`seq` must be a whole number"))?,
    };
    let what_if = what_if_of(&body)?;
    let prepared = app
        .served
        .prepare(what_if)
        .map_err(|invalid| Reply::json(422, &json!({ "error": invalid.0, "seq": seq })))?;
    Ok((prepared, seq))
}

/// The self-contained report of the last what-if answered.
fn report(app: &App) -> Reply {
    let answer = Arc::clone(&app.latest.lock().unwrap_or_else(PoisonError::into_inner));
    match answer.report() {
        Ok(bytes) => {
            let mut reply = Reply::new(200, "text/html; charset=utf-8", bytes);
            let stem = app.served.source.name.file_stem().map_or_else(
                || "scenario".to_string(),
                |s| s.to_string_lossy().into_owned(),
            );
            let safe: String = stem
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            reply.download = Some(format!("{safe}-what-if-report.html"));
            reply
        }
        Err(e) => Reply::error(500, &e.to_string()),
    }
}

/// "Keep as variant".
fn keep(app: &App, request: &mut Request) -> Reply {
    use crate::serve::keep::KeepError;
    let body = match json_body(request) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let what_if = match what_if_of(&body) {
        Ok(w) => w,
        Err(reply) => return reply,
    };
    let text = |key: &str| body.get(key).and_then(serde_json::Value::as_str);
    let Some(name) = text("name") else {
        return Reply::error(400, "a kept variant needs a `name`");
    };
    let description = text("description").filter(|d| !d.trim().is_empty());
    match app.served.keep(name, description, &what_if) {
        Ok(kept) => Reply::json(200, &json!(kept)),
        Err(e) => {
            let status = match e {
                KeepError::NoFile | KeepError::Changed(_) => 409,
                KeepError::BadName(_) | KeepError::Empty | KeepError::Invalid(_) => 422,
                KeepError::Io(_) => 500,
            };
            Reply::error(status, &e.to_string())
        }
    }
}
