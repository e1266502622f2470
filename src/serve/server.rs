//! The server: bound to 127.0.0.1 only, one thread per request (so a slow client holds
//! up no one else), and one worker that runs what-ifs, newest first.
//!
//! A what-if request is checked on its own thread, then handed to the worker with a
//! fresh cancellation flag; handing it over sets the flag of the run before it, which
//! stops within a few iterations (`crate::run::Run::cancel_on`). The worker takes
//! only the newest of any requests waiting and answers the others "superseded", so a
//! slider dragged across its range costs one run, not fifty.

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tiny_http::Request;

use crate::serve::Served;
use crate::serve::answer::{Answer, Prepared};
use crate::serve::routes::{Reply, handle};
use crate::serve::security::new_token;
use crate::serve::whatif::WhatIf;

/// Most requests handled at once; beyond it a request is answered 429 at once, so a
/// flood cannot exhaust the machine's threads.
const MOST_HANDLERS: usize = 64;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on 127.0.0.1:{port}: {reason}")]
    Bind { port: u16, reason: String },
    #[error("{0}")]
    Start(String),
}

/// A what-if waiting for the worker.
pub struct Job {
    pub request: Request,
    pub prepared: Prepared,
    pub seq: u64,
    pub cancel: Arc<AtomicBool>,
    pub received: Instant,
}

/// Everything a request handler may use.
pub struct App {
    pub served: Served,
    pub token: String,
    pub port: u16,
    jobs: Mutex<Sender<Job>>,
    /// The cancellation flag of the newest what-if handed to the worker.
    newest: Mutex<Option<Arc<AtomicBool>>>,
    /// The last what-if answered (at first the base alone): what "Download report"
    /// returns.
    pub latest: Mutex<Arc<Answer>>,
    /// Requests being handled now (see [`Slot`]).
    handlers: Arc<AtomicUsize>,
}

impl App {
    /// Hands a checked what-if to the worker, cancelling the run before it.
    pub fn submit(&self, request: Request, prepared: Prepared, seq: u64, received: Instant) {
        let cancel = Arc::new(AtomicBool::new(false));
        {
            let mut newest = self.newest.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(older) = newest.replace(Arc::clone(&cancel)) {
                older.store(true, Ordering::Relaxed);
            }
        }
        let job = Job {
            request,
            prepared,
            seq,
            cancel,
            received,
        };
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job);
        if let Err(failed) = sent {
            // The worker is gone (it never is while the server runs): say so.
            Reply::error(500, "the run worker has stopped; restart phbsim serve")
                .send(failed.0.request);
        }
    }
}

/// A server listening, not yet answering: its address, with the token.
pub struct Listening {
    pub url: String,
    pub port: u16,
    server: tiny_http::Server,
    app: Arc<App>,
    jobs: Receiver<Job>,
}

/// Binds 127.0.0.1:`port` (0: any free port) and makes the token; the base has run.
pub fn start(served: Served, port: u16) -> Result<Listening, ServeError> {
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| ServeError::Bind {
        port,
        reason: e.to_string(),
    })?;
    let port = listener
        .local_addr()
        .map_err(|e| ServeError::Start(e.to_string()))?
        .port();
    let server = tiny_http::Server::from_listener(listener, None)
        .map_err(|e| ServeError::Start(e.to_string()))?;
    let token = new_token().map_err(|e| ServeError::Start(e.to_string()))?;
    let base = served
        .prepare(WhatIf::default())
        .map_err(|e| ServeError::Start(e.to_string()))?;
    let base = served
        .answer(base, &AtomicBool::new(false))
        .map_err(|_| ServeError::Start("the base run was cancelled".into()))?;
    let (sender, jobs) = channel();
    let url = format!("http://127.0.0.1:{port}/?token={token}");
    let app = App {
        served,
        token,
        port,
        jobs: Mutex::new(sender),
        newest: Mutex::new(None),
        latest: Mutex::new(Arc::new(base)),
        handlers: Arc::new(AtomicUsize::new(0)),
    };
    Ok(Listening {
        url,
        port,
        server,
        app: Arc::new(app),
        jobs,
    })
}

impl Listening {
    /// Answers requests until the process ends.
    pub fn run(self) {
        let Listening {
            server, app, jobs, ..
        } = self;
        let worker_app = Arc::clone(&app);
        std::thread::spawn(move || work(&worker_app, &jobs));
        for request in server.incoming_requests() {
            match Slot::take(&app.handlers) {
                Some(slot) => dispatch(&app, slot, request),
                None => Reply::error(429, "too many requests at once; try again").send(request),
            }
        }
    }
}

/// One of the [`MOST_HANDLERS`] requests handled at once. It is given back when dropped,
/// so a handler that panics still gives its place back (the server would otherwise
/// answer 429 to everything once 64 handlers had failed).
struct Slot(Arc<AtomicUsize>);

impl Slot {
    /// A place, if fewer than [`MOST_HANDLERS`] requests are being handled.
    fn take(handlers: &Arc<AtomicUsize>) -> Option<Slot> {
        if handlers.fetch_add(1, Ordering::SeqCst) >= MOST_HANDLERS {
            handlers.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Slot(Arc::clone(handlers)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Handles `request` on a thread of its own. The request is handed over only once the
/// thread exists, so when none can be made (the system is out of threads or memory)
/// it is still here to be answered 503, with a reason, rather than dropped.
fn dispatch(app: &Arc<App>, slot: Slot, request: Request) {
    let (give, take) = sync_channel::<Request>(1);
    let handler = Arc::clone(app);
    let spawned = std::thread::Builder::new().spawn(move || {
        let _slot = slot;
        if let Ok(request) = take.recv() {
            handle(&handler, request);
        }
    });
    let unhandled = match spawned {
        Ok(_) => give.send(request).err().map(|failed| failed.0),
        Err(_) => Some(request),
    };
    if let Some(request) = unhandled {
        Reply::error(
            503,
            "the server cannot start a thread for this request; try again",
        )
        .send(request);
    }
}

/// The worker: the newest waiting what-if, run and answered; the others superseded.
fn work(app: &App, jobs: &Receiver<Job>) {
    while let Ok(mut job) = jobs.recv() {
        while let Ok(newer) = jobs.try_recv() {
            Reply::superseded(job.seq).send(job.request);
            job = newer;
        }
        let Job {
            request,
            prepared,
            seq,
            cancel,
            received,
        } = job;
        if cancel.load(Ordering::Relaxed) {
            Reply::superseded(seq).send(request);
            continue;
        }
        let answer = match app.served.answer(prepared, &cancel) {
            Ok(answer) => answer,
            Err(_) => {
                Reply::superseded(seq).send(request);
                continue;
            }
        };
        let reply = match answer.live() {
            Ok(live) => Reply::live(seq, &live, received.elapsed().as_secs_f64()),
            Err(e) => Reply::error(500, &e.to_string()),
        };
        *app.latest.lock().unwrap_or_else(PoisonError::into_inner) = Arc::new(answer);
        reply.send(request);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handler_that_panics_gives_its_place_back() {
        let handlers = Arc::new(AtomicUsize::new(0));
        let slots: Vec<Slot> = (0..MOST_HANDLERS)
            .map(|_| Slot::take(&handlers).expect("a place"))
            .collect();
        assert!(Slot::take(&handlers).is_none(), "a place beyond the most");
        drop(slots);
        assert_eq!(handlers.load(Ordering::SeqCst), 0);
        let slot = Slot::take(&handlers).expect("a place");
        let panicked = std::thread::spawn(move || {
            let _slot = slot;
            panic!("a handler fails");
        })
        .join();
        assert!(panicked.is_err());
        assert_eq!(
            handlers.load(Ordering::SeqCst),
            0,
            "the place was not given back"
        );
    }
}
