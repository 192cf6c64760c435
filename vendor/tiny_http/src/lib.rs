//! # Simple usage
//!
//! ## Creating the server
//!
//! The easiest way to create a server is to call `Server::http()`.
//!
//! The `http()` function returns an `IoResult<Server>` which will return an error
//! in the case where the server creation fails (for example if the listening port is already
//! occupied).
//!
//! ```no_run
//! let server = tiny_http::Server::http("0.0.0.0:0").unwrap();
//! ```
//!
//! A newly-created `Server` will immediately start listening for incoming connections and HTTP
//! requests.
//!
//! ## Receiving requests
//!
//! Calling `server.recv()` will block until the next request is available.
//! This function returns an `IoResult<Request>`, so you need to handle the possible errors.
//!
//! ```no_run
//! # let server = tiny_http::Server::http("0.0.0.0:0").unwrap();
//!
//! loop {
//!     // blocks until the next request is received
//!     let request = match server.recv() {
//!         Ok(rq) => rq,
//!         Err(e) => { println!("error: {}", e); break }
//!     };
//!
//!     // do something with the request
//!     // ...
//! }
//! ```
//!
//! In a real-case scenario, you will probably want to spawn multiple worker tasks and call
//! `server.recv()` on all of them. Like this:
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use std::thread;
//! # let server = tiny_http::Server::http("0.0.0.0:0").unwrap();
//! let server = Arc::new(server);
//! let mut guards = Vec::with_capacity(4);
//!
//! for _ in (0 .. 4) {
//!     let server = server.clone();
//!
//!     let guard = thread::spawn(move || {
//!         loop {
//!             let rq = server.recv().unwrap();
//!
//!             // ...
//!         }
//!     });
//!
//!     guards.push(guard);
//! }
//! ```
//!
//! If you don't want to block, you can call `server.try_recv()` instead.
//!
//! ## Handling requests
//!
//! The `Request` object returned by `server.recv()` contains informations about the client's request.
//! The most useful methods are probably `request.method()` and `request.url()` which return
//! the requested method (`GET`, `POST`, etc.) and url.
//!
//! To handle a request, you need to create a `Response` object. See the docs of this object for
//! more infos. Here is an example of creating a `Response` from a file:
//!
//! ```no_run
//! # use std::fs::File;
//! # use std::path::Path;
//! let response = tiny_http::Response::from_file(File::open(&Path::new("image.png")).unwrap());
//! ```
//!
//! All that remains to do is call `request.respond()`:
//!
//! ```no_run
//! # use std::fs::File;
//! # use std::path::Path;
//! # let server = tiny_http::Server::http("0.0.0.0:0").unwrap();
//! # let request = server.recv().unwrap();
//! # let response = tiny_http::Response::from_file(File::open(&Path::new("image.png")).unwrap());
//! let _ = request.respond(response);
//! ```
#![forbid(unsafe_code)]
#![deny(rust_2018_idioms)]
#![allow(clippy::match_like_matches_macro)]

#[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
use zeroize::Zeroizing;

use std::error::Error;
use std::io::Error as IoError;
use std::io::ErrorKind as IoErrorKind;
use std::io::Result as IoResult;
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use client::ClientConnection;
use connection::Connection;
use util::MessagesQueue;

pub use common::{HTTPVersion, Header, HeaderField, Method, StatusCode};
pub use connection::{ConfigListenAddr, ListenAddr, Listener};
pub use request::{BodyPlan, ReadWrite, Request, Upgraded};
pub use response::{Response, ResponseBox};
pub use test::TestRequest;

mod client;
mod common;
mod connection;
mod request;
mod response;
mod ssl;
mod test;
mod util;

/// The main class of this library.
///
/// Destroying this object will immediately close the listening socket and the reading
///  part of all the client's connections. Requests that have already been returned by
///  the `recv()` function will not close and the responses will be transferred to the client.
pub struct Server {
    // should be false as long as the server exists
    // when set to true, all the subtasks will close within a few hundreds ms
    close: Arc<AtomicBool>,

    // queue for messages received by child threads
    messages: Arc<MessagesQueue<Message>>,

    // result of TcpListener::local_addr()
    listening_addr: ListenAddr,

    // Perch patch: the connection limits of `ServerOptions`.
    limits: Option<Arc<ConnectionLimits>>,
}

enum Message {
    Error(IoError),
    NewRequest(Request),
}

impl From<IoError> for Message {
    fn from(e: IoError) -> Message {
        Message::Error(e)
    }
}

impl From<Request> for Message {
    fn from(rq: Request) -> Message {
        Message::NewRequest(rq)
    }
}

// this trait is to make sure that Server implements Share and Send
#[doc(hidden)]
trait MustBeShareDummy: Sync + Send {}
#[doc(hidden)]
impl MustBeShareDummy for Server {}

pub struct IncomingRequests<'a> {
    server: &'a Server,
}

/// Represents the parameters required to create a server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The addresses to try to listen to.
    pub addr: ConfigListenAddr,

    /// If `Some`, then the server will use SSL to encode the communications.
    pub ssl: Option<SslConfig>,
}

/// Configuration of the server for SSL.
/// Perch patch: how each plain-HTTP connection's own thread serves it (`Server::http_with`).
/// The thread reads each request's body before the request is handed over, and writes each
/// answer, so the threads that call `recv` and `respond` never wait on a client: a slow or
/// silent client holds only its own connection's thread.
pub struct ServerOptions {
    /// Timeout of each read from a client (also while a connection waits for its next request).
    pub read_timeout: Option<std::time::Duration>,
    /// Timeout of each write to a client.
    pub write_timeout: Option<std::time::Duration>,
    /// What to do with a request's body, decided from its method, URL and headers.
    pub body: Box<dyn Fn(&Request) -> BodyPlan + Send + Sync>,
    /// Perch patch: the most connections open at once (0: no limit); beyond it a new
    /// connection is closed as soon as it is accepted.
    pub max_connections: usize,
    /// Perch patch: the most connections open at once from one IP address (0: no limit).
    pub max_connections_per_ip: usize,
}

/// Perch patch: counts open connections, in total and per address.
struct ConnectionLimits {
    max: usize,
    per_ip: usize,
    open: std::sync::Mutex<(usize, std::collections::HashMap<std::net::IpAddr, usize>)>,
    refused: std::sync::atomic::AtomicU64,
}

/// One admitted connection; uncounted when dropped (when its thread ends).
struct Admitted(Arc<ConnectionLimits>, Option<std::net::IpAddr>);

impl ConnectionLimits {
    fn admit(self: &Arc<Self>, ip: Option<std::net::IpAddr>) -> Option<Admitted> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let from_ip = ip.map_or(0, |ip| open.1.get(&ip).copied().unwrap_or(0));
        if (self.max > 0 && open.0 >= self.max) || (self.per_ip > 0 && from_ip >= self.per_ip) {
            self.refused.fetch_add(1, Relaxed);
            return None;
        }
        open.0 += 1;
        if let Some(ip) = ip {
            *open.1.entry(ip).or_insert(0) += 1;
        }
        Some(Admitted(self.clone(), ip))
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.0.open.lock().unwrap_or_else(|e| e.into_inner());
        open.0 = open.0.saturating_sub(1);
        if let Some(ip) = self.1 {
            if let Some(n) = open.1.get_mut(&ip) {
                *n -= 1;
                if *n == 0 {
                    open.1.remove(&ip);
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct SslConfig {
    /// Contains the public certificate to send to clients.
    pub certificate: Vec<u8>,
    /// Contains the ultra-secret private key used to decode communications.
    pub private_key: Vec<u8>,
}

/// Perch patch: the TLS session of a connection, kept to hand it over after an upgrade.
#[cfg(feature = "ssl-rustls")]
type TlsHandle = Option<ssl::SslStream>;
#[cfg(not(feature = "ssl-rustls"))]
type TlsHandle = Option<()>;

/// Perch patch: serves one connection (plain HTTP or TLS) on its own thread: reads a request
/// and its body, hands the request over, waits for the answer and writes it, then reads the
/// next one. An upgrade's answer is written, then the socket (and over TLS its session) goes to
/// the upgrade's owner.
fn serve_connection(
    mut client: ClientConnection,
    raw_socket: Option<std::net::TcpStream>,
    tls: TlsHandle,
    options: &ServerOptions,
    messages: &MessagesQueue<Message>,
) {
    use request::Answer;
    use std::io::Write;
    let handed_over = client.handed_over_flag();
    // The rest of a body too large to read: read (and dropped) after the answer.
    let mut unread: Option<Unread> = None;
    while let Some(mut rq) = client.next() {
        let plan = (options.body)(&rq);
        match rq.read_body(&plan) {
            Ok(true) => {}
            // The rest of the body is not read: the connection closes after the answer, and
            // nothing more is read from it (stock tiny_http would read the rest first).
            Ok(false) => {
                client.no_more_requests = true;
                unread = rq.take_body_reader().map(|body| Unread {
                    socket: raw_socket.as_ref().and_then(|s| s.try_clone().ok()),
                    body,
                });
            }
            Err(e) => {
                let timed_out = matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                );
                let _ = rq.respond(Response::empty(if timed_out { 408 } else { 400 }));
                return;
            }
        }
        let (sender, receiver) = mpsc::channel();
        messages.push(rq.with_answer_sender(sender).into());
        match receiver.recv() {
            Ok(Answer::Response(mut writer, bytes)) => {
                if writer.write_all(&bytes).and_then(|_| writer.flush()).is_err() {
                    return;
                }
                if let Some(unread) = unread.take() {
                    drop(writer);
                    unread.linger();
                }
            }
            Ok(Answer::Streamed(mut writer, bytes, body)) => {
                let sent = writer.write_all(&bytes).and_then(|_| match body {
                    Some((mut body, len)) => std::io::copy(&mut body, &mut writer).and_then(|n| {
                        if n == len {
                            Ok(())
                        } else {
                            Err(IoError::new(IoErrorKind::UnexpectedEof, "the body ended early"))
                        }
                    }),
                    None => Ok(()),
                });
                // A failed or short body: the answer is broken, the connection ends.
                if sent.and_then(|_| writer.flush()).is_err() {
                    return;
                }
            }
            Ok(Answer::Upgrade(mut writer, bytes, then)) => {
                if writer.write_all(&bytes).and_then(|_| writer.flush()).is_err() {
                    return;
                }
                let Some(socket) = raw_socket else { return };
                handed_over.store(true, Relaxed);
                drop(writer);
                drop(client);
                // Over TLS the session goes along: it holds the keys (and maybe bytes already
                // received). Every other handle on the stream is gone by now; if one is not,
                // the connection closes rather than being handed over half.
                #[cfg(feature = "ssl-rustls")]
                let tls = match tls.map(ssl::SslStream::into_session) {
                    Some(None) => return,
                    Some(session) => session,
                    None => None,
                };
                #[cfg(not(feature = "ssl-rustls"))]
                let _ = tls;
                let _ = socket.set_read_timeout(None);
                let _ = socket.set_write_timeout(None);
                then(Upgraded {
                    socket,
                    #[cfg(feature = "ssl-rustls")]
                    tls,
                });
                return;
            }
            // Dropped unanswered (the request was turned into a writer and dropped).
            Err(_) => return,
        }
    }
}

/// Perch patch: the unread rest of a body that was too large. After the answer, the client may
/// still be sending it; closing at once would reset the connection and could destroy the answer
/// before the client reads it, so the answer is followed by a lingering close: our side is shut
/// for writing and what arrives is read and dropped, bounded in bytes and time. The reading
/// side is shut before the reader is dropped (stock code would read the whole announced body).
struct Unread {
    socket: Option<std::net::TcpStream>,
    body: Box<dyn std::io::Read + Send + 'static>,
}

impl Unread {
    const MAX_BYTES: usize = 4 << 20;
    const MAX_TIME: Duration = Duration::from_secs(2);

    fn linger(mut self) {
        let Some(socket) = &self.socket else { return };
        let _ = socket.shutdown(Shutdown::Write);
        let _ = socket.set_read_timeout(Some(Duration::from_millis(500)));
        let started = std::time::Instant::now();
        let mut buf = [0u8; 8192];
        let mut total = 0;
        while total < Self::MAX_BYTES && started.elapsed() < Self::MAX_TIME {
            match self.body.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    }
}

impl Drop for Unread {
    fn drop(&mut self) {
        if let Some(socket) = &self.socket {
            let _ = socket.shutdown(Shutdown::Read);
        }
    }
}

impl Server {
    /// Shortcut for a simple server on a specific address.
    #[inline]
    pub fn http<A>(addr: A) -> Result<Server, Box<dyn Error + Send + Sync + 'static>>
    where
        A: ToSocketAddrs,
    {
        Server::new(ServerConfig {
            addr: ConfigListenAddr::from_socket_addrs(addr)?,
            ssl: None,
        })
    }

    /// Shortcut for an HTTPS server on a specific address.
    #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
    #[inline]
    pub fn https<A>(
        addr: A,
        config: SslConfig,
    ) -> Result<Server, Box<dyn Error + Send + Sync + 'static>>
    where
        A: ToSocketAddrs,
    {
        Server::new(ServerConfig {
            addr: ConfigListenAddr::from_socket_addrs(addr)?,
            ssl: Some(config),
        })
    }

    #[cfg(unix)]
    #[inline]
    /// Shortcut for a UNIX socket server at a specific path
    pub fn http_unix(
        path: &std::path::Path,
    ) -> Result<Server, Box<dyn Error + Send + Sync + 'static>> {
        Server::new(ServerConfig {
            addr: ConfigListenAddr::unix_from_path(path),
            ssl: None,
        })
    }

    /// Builds a new server that listens on the specified address.
    pub fn new(config: ServerConfig) -> Result<Server, Box<dyn Error + Send + Sync + 'static>> {
        let listener = config.addr.bind()?;
        Self::from_listener(listener, config.ssl)
    }

    /// Perch patch: a plain-HTTP server whose connections are served as `options` says.
    pub fn http_with<A>(
        addr: A,
        options: ServerOptions,
    ) -> Result<Server, Box<dyn Error + Send + Sync + 'static>>
    where
        A: ToSocketAddrs,
    {
        let listener = ConfigListenAddr::from_socket_addrs(addr)?.bind()?;
        Self::from_listener_impl(listener, None, Some(Arc::new(options)))
    }

    /// Perch patch: an HTTPS server whose connections are served as `options` says, as
    /// `http_with`'s are (the TLS handshake happens on the connection's own thread, under its
    /// read timeout).
    #[cfg(feature = "ssl-rustls")]
    pub fn https_with<A>(
        addr: A,
        config: SslConfig,
        options: ServerOptions,
    ) -> Result<Server, Box<dyn Error + Send + Sync + 'static>>
    where
        A: ToSocketAddrs,
    {
        let listener = ConfigListenAddr::from_socket_addrs(addr)?.bind()?;
        Self::from_listener_impl(listener, Some(config), Some(Arc::new(options)))
    }

    /// Builds a new server using the specified TCP listener.
    ///
    /// This is useful if you've constructed TcpListener using some less usual method
    /// such as from systemd. For other cases, you probably want the `new()` function.
    pub fn from_listener<L: Into<Listener>>(
        listener: L,
        ssl_config: Option<SslConfig>,
    ) -> Result<Server, Box<dyn Error + Send + Sync + 'static>> {
        Self::from_listener_impl(listener.into(), ssl_config, None)
    }

    fn from_listener_impl(
        listener: Listener,
        ssl_config: Option<SslConfig>,
        options: Option<Arc<ServerOptions>>,
    ) -> Result<Server, Box<dyn Error + Send + Sync + 'static>> {
        // building the "close" variable
        let close_trigger = Arc::new(AtomicBool::new(false));

        // building the TcpListener
        let (server, local_addr) = {
            let local_addr = listener.local_addr()?;
            log::debug!("Server listening on {}", local_addr);
            (listener, local_addr)
        };

        // building the SSL capabilities
        #[cfg(all(feature = "ssl-openssl", feature = "ssl-rustls"))]
        compile_error!(
            "Features 'ssl-openssl' and 'ssl-rustls' must not be enabled at the same time"
        );
        #[cfg(not(any(feature = "ssl-openssl", feature = "ssl-rustls")))]
        type SslContext = ();
        #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
        type SslContext = crate::ssl::SslContextImpl;
        let ssl: Option<SslContext> = {
            match ssl_config {
                #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
                Some(config) => Some(SslContext::from_pem(
                    config.certificate,
                    Zeroizing::new(config.private_key),
                )?),
                #[cfg(not(any(feature = "ssl-openssl", feature = "ssl-rustls")))]
                Some(_) => return Err(
                    "Building a server with SSL requires enabling the `ssl` feature in tiny-http"
                        .into(),
                ),
                None => None,
            }
        };

        // creating a task where server.accept() is continuously called
        // and ClientConnection objects are pushed in the messages queue
        let messages = MessagesQueue::with_capacity(8);

        let inside_close_trigger = close_trigger.clone();
        let inside_messages = messages.clone();
        let limits = options.as_ref().map(|o| {
            Arc::new(ConnectionLimits {
                max: o.max_connections,
                per_ip: o.max_connections_per_ip,
                open: std::sync::Mutex::new((0, std::collections::HashMap::new())),
                refused: std::sync::atomic::AtomicU64::new(0),
            })
        });
        let inside_limits = limits.clone();
        thread::spawn(move || {
            // a tasks pool is used to dispatch the connections into threads
            let tasks_pool = util::TaskPool::new();

            log::debug!("Running accept thread");
            while !inside_close_trigger.load(Relaxed) {
                // Perch patch: with options, the socket's timeouts are set and a handle on it is
                // kept for an upgrade's hand-over.
                let mut raw_socket = None;
                let mut tls: TlsHandle = None;
                let mut admitted = None;
                let new_client = match server.accept() {
                    Ok((sock, peer)) => {
                        use util::RefinedTcpStream;
                        // Perch patch: over a limit, the connection is closed at once.
                        if let Some(limits) = &inside_limits {
                            match limits.admit(peer.map(|a| a.ip())) {
                                Some(a) => admitted = Some(a),
                                None => continue,
                            }
                        }
                        if let Some(options) = &options {
                            sock.set_timeouts(options.read_timeout, options.write_timeout);
                            raw_socket = sock.tcp_clone();
                        }
                        let (read_closable, write_closable) = match ssl {
                            None => RefinedTcpStream::new(sock),
                            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
                            Some(ref ssl) => {
                                // trying to apply SSL over the connection
                                // if an error occurs, we just close the socket and resume listening
                                let sock = match ssl.accept(sock) {
                                    Ok(s) => s,
                                    Err(_) => continue,
                                };
                                #[cfg(feature = "ssl-rustls")]
                                if options.is_some() {
                                    tls = Some(sock.clone());
                                }

                                RefinedTcpStream::new(sock)
                            }
                            #[cfg(not(any(feature = "ssl-openssl", feature = "ssl-rustls")))]
                            Some(ref _ssl) => unreachable!(),
                        };

                        Ok(ClientConnection::new(write_closable, read_closable))
                    }
                    Err(e) => Err(e),
                };

                match new_client {
                    Ok(client) => {
                        let messages = inside_messages.clone();
                        let mut client = Some(client);
                        let options = options.clone();
                        let mut admitted = admitted.take();
                        let mut tls = tls.take();
                        tasks_pool.spawn(Box::new(move || {
                            let _admitted = admitted.take();
                            if let Some(client) = client.take() {
                                // Synchronization is needed for HTTPS requests to avoid a deadlock
                                if let Some(options) = &options {
                                    serve_connection(
                                        client,
                                        raw_socket.take(),
                                        tls.take(),
                                        options,
                                        &messages,
                                    );
                                } else if client.secure() {
                                    let (sender, receiver) = mpsc::channel();
                                    for rq in client {
                                        messages.push(rq.with_notify_sender(sender.clone()).into());
                                        receiver.recv().unwrap();
                                    }
                                } else {
                                    // Perch patch: a connection's next request goes to the
                                    // workers only once the previous one is answered (it is
                                    // read meanwhile, so a client that waits for each answer
                                    // never waits here). A client that pipelines requests and
                                    // never reads the answers then holds one worker at most.
                                    let (sender, receiver) = mpsc::channel();
                                    let mut previous_pending = false;
                                    for rq in client {
                                        if previous_pending && receiver.recv().is_err() {
                                            break;
                                        }
                                        messages.push(rq.with_notify_sender(sender.clone()).into());
                                        previous_pending = true;
                                    }
                                }
                            }
                        }));
                    }

                    Err(e) => {
                        log::error!("Error accepting new client: {}", e);
                        inside_messages.push(e.into());
                        break;
                    }
                }
            }
            log::debug!("Terminating accept thread");
        });

        // result
        Ok(Server {
            messages,
            close: close_trigger,
            listening_addr: local_addr,
            limits,
        })
    }

    /// Perch patch: connections closed at accept because a limit was reached, since start.
    pub fn refused_connections(&self) -> u64 {
        self.limits
            .as_ref()
            .map_or(0, |l| l.refused.load(Relaxed))
    }

    /// Returns an iterator for all the incoming requests.
    ///
    /// The iterator will return `None` if the server socket is shutdown.
    #[inline]
    pub fn incoming_requests(&self) -> IncomingRequests<'_> {
        IncomingRequests { server: self }
    }

    /// Returns the address the server is listening to.
    #[inline]
    pub fn server_addr(&self) -> ListenAddr {
        self.listening_addr.clone()
    }

    /// Returns the number of clients currently connected to the server.
    pub fn num_connections(&self) -> usize {
        unimplemented!()
        //self.requests_receiver.lock().len()
    }

    /// Blocks until an HTTP request has been submitted and returns it.
    pub fn recv(&self) -> IoResult<Request> {
        match self.messages.pop() {
            Some(Message::Error(err)) => Err(err),
            Some(Message::NewRequest(rq)) => Ok(rq),
            None => Err(IoError::new(IoErrorKind::Other, "thread unblocked")),
        }
    }

    /// Same as `recv()` but doesn't block longer than timeout
    pub fn recv_timeout(&self, timeout: Duration) -> IoResult<Option<Request>> {
        match self.messages.pop_timeout(timeout) {
            Some(Message::Error(err)) => Err(err),
            Some(Message::NewRequest(rq)) => Ok(Some(rq)),
            None => Ok(None),
        }
    }

    /// Same as `recv()` but doesn't block.
    pub fn try_recv(&self) -> IoResult<Option<Request>> {
        match self.messages.try_pop() {
            Some(Message::Error(err)) => Err(err),
            Some(Message::NewRequest(rq)) => Ok(Some(rq)),
            None => Ok(None),
        }
    }

    /// Unblock thread stuck in recv() or incoming_requests().
    /// If there are several such threads, only one is unblocked.
    /// This method allows graceful shutdown of server.
    pub fn unblock(&self) {
        self.messages.unblock();
    }
}

impl Iterator for IncomingRequests<'_> {
    type Item = Request;
    fn next(&mut self) -> Option<Request> {
        self.server.recv().ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.close.store(true, Relaxed);
        // Connect briefly to ourselves to unblock the accept thread
        let maybe_stream = match &self.listening_addr {
            ListenAddr::IP(addr) => TcpStream::connect(addr).map(Connection::from),
            #[cfg(unix)]
            ListenAddr::Unix(addr) => {
                // TODO: use connect_addr when its stabilized.
                let path = addr.as_pathname().unwrap();
                std::os::unix::net::UnixStream::connect(path).map(Connection::from)
            }
        };
        if let Ok(stream) = maybe_stream {
            let _ = stream.shutdown(Shutdown::Both);
        }

        #[cfg(unix)]
        if let ListenAddr::Unix(addr) = &self.listening_addr {
            if let Some(path) = addr.as_pathname() {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}
