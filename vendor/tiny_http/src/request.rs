use std::io::Error as IoError;
use std::io::{self, Cursor, ErrorKind, Read, Write};

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

use std::sync::mpsc::Sender;

use crate::util::{EqualReader, FusedReader};
use crate::{HTTPVersion, Header, Method, Response, StatusCode};
use chunked_transfer::Decoder;

/// Represents an HTTP request made by a client.
///
/// A `Request` object is what is produced by the server, and is your what
/// your code must analyse and answer.
///
/// This object implements the `Send` trait, therefore you can dispatch your requests to
/// worker threads.
///
/// # Pipelining
///
/// If a client sends multiple requests in a row (without waiting for the response), then you will
/// get multiple `Request` objects simultaneously. This is called *requests pipelining*.
/// Tiny-http automatically reorders the responses so that you don't need to worry about the order
/// in which you call `respond` or `into_writer`.
///
/// This mechanic is disabled if:
///
///  - The body of a request is large enough (handling requires pipelining requires storing the
///    body of the request in a buffer ; if the body is too big, tiny-http will avoid doing that)
///  - A request sends a `Expect: 100-continue` header (which means that the client waits to
///    know whether its body will be processed before sending it)
///  - A request sends a `Connection: close` header or `Connection: upgrade` header (used for
///    websockets), which indicates that this is the last request that will be received on this
///    connection
///
/// # Automatic cleanup
///
/// If a `Request` object is destroyed without `into_writer` or `respond` being called,
/// an empty response with a 500 status code (internal server error) will automatically be
/// sent back to the client.
/// This means that if your code fails during the handling of a request, this "internal server
/// error" response will automatically be sent during the stack unwinding.
///
/// # Testing
///
/// If you want to build fake requests to test your server, use [`TestRequest`](crate::test::TestRequest).
pub struct Request {
    // where to read the body from
    data_reader: Option<Box<dyn Read + Send + 'static>>,

    // if this writer is empty, then the request has been answered
    response_writer: Option<Box<dyn Write + Send + 'static>>,

    remote_addr: Option<SocketAddr>,

    // true if HTTPS, false if HTTP
    secure: bool,

    method: Method,

    path: String,

    http_version: HTTPVersion,

    headers: Vec<Header>,

    body_length: Option<usize>,

    // true if a `100 Continue` response must be sent when `as_reader()` is called
    must_send_continue: bool,

    // If Some, a message must be sent after responding
    notify_when_responded: Option<Sender<()>>,

    // Perch patch: if Some, the answer is serialized and sent to the connection's own thread,
    // which writes it (the thread that responds never waits on the client).
    answer_to: Option<Sender<Answer>>,

    // Perch patch: the body was longer than its plan's limit and was not read whole.
    body_truncated: bool,

    // Perch patch: the body, spooled to an unlinked temporary file, and its length.
    spooled: Option<(std::fs::File, u64)>,
}

/// Perch patch: what the connection's thread does with a request's body before the request is
/// handed to the server's threads (see `ServerOptions`).
#[derive(Debug, Clone)]
pub enum BodyPlan {
    /// Read into memory, up to `limit` bytes.
    Memory { limit: u64 },
    /// Copy into an unlinked temporary file created in `dir`, up to `limit` bytes.
    Spool { dir: std::path::PathBuf, limit: u64 },
}

/// Perch patch: an answer on its way to the connection's thread.
pub(crate) enum Answer {
    /// The serialized response, and the writer to write it to.
    Response(Box<dyn Write + Send + 'static>, Vec<u8>),
    /// The serialized head of a response whose body, of the length the head announces, is
    /// copied from the reader (Perch patch: files are streamed, not loaded into memory). A
    /// body that ends early closes the connection.
    Streamed(
        Box<dyn Write + Send + 'static>,
        Vec<u8>,
        Option<(Box<dyn Read + Send + 'static>, u64)>,
    ),
    /// The serialized `101` response; then the socket goes to `then`.
    Upgrade(
        Box<dyn Write + Send + 'static>,
        Vec<u8>,
        Box<dyn FnOnce(Upgraded) + Send + 'static>,
    ),
}

/// Perch patch: a connection handed over after a `101` (`Request::upgrade_socket`): the socket,
/// blocking and without timeouts, and over TLS the session that encrypts it (any bytes it has
/// already received and not yet handed out stay in it).
pub struct Upgraded {
    pub socket: std::net::TcpStream,
    #[cfg(feature = "ssl-rustls")]
    pub tls: Option<rustls::ServerConnection>,
}

struct NotifyOnDrop<R> {
    sender: Sender<()>,
    inner: R,
}

impl<R: Read> Read for NotifyOnDrop<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}
impl<R: Write> Write for NotifyOnDrop<R> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
impl<R> Drop for NotifyOnDrop<R> {
    fn drop(&mut self) {
        self.sender.send(()).unwrap();
    }
}

/// Error that can happen when building a `Request` object.
#[derive(Debug)]
pub enum RequestCreationError {
    /// The client sent an `Expect` header that was not recognized by tiny-http.
    ExpectationFailed,

    /// Error while reading data from the socket during the creation of the `Request`.
    CreationIoError(IoError),
}

impl From<IoError> for RequestCreationError {
    fn from(err: IoError) -> RequestCreationError {
        RequestCreationError::CreationIoError(err)
    }
}

/// Builds a new request.
///
/// After the request line and headers have been read from the socket, a new `Request` object
/// is built.
///
/// You must pass a `Read` that will allow the `Request` object to read from the incoming data.
/// It is the responsibility of the `Request` to read only the data of the request and not further.
///
/// The `Write` object will be used by the `Request` to write the response.
#[allow(clippy::too_many_arguments)]
pub fn new_request<R, W>(
    secure: bool,
    method: Method,
    path: String,
    version: HTTPVersion,
    headers: Vec<Header>,
    remote_addr: Option<SocketAddr>,
    mut source_data: R,
    writer: W,
) -> Result<Request, RequestCreationError>
where
    R: Read + Send + 'static,
    W: Write + Send + 'static,
{
    // finding the transfer-encoding header
    let transfer_encoding = headers
        .iter()
        .find(|h: &&Header| h.field.equiv("Transfer-Encoding"))
        .map(|h| h.value.clone());

    // finding the content-length header
    let content_length = if transfer_encoding.is_some() {
        // if transfer-encoding is specified, the Content-Length
        // header must be ignored (RFC2616 #4.4)
        None
    } else {
        headers
            .iter()
            .find(|h: &&Header| h.field.equiv("Content-Length"))
            .and_then(|h| FromStr::from_str(h.value.as_str()).ok())
    };

    // true if the client sent a `Expect: 100-continue` header
    let expects_continue = {
        match headers
            .iter()
            .find(|h: &&Header| h.field.equiv("Expect"))
            .map(|h| h.value.as_str())
        {
            None => false,
            Some(v) if v.eq_ignore_ascii_case("100-continue") => true,
            _ => return Err(RequestCreationError::ExpectationFailed),
        }
    };

    // Perch patch: with `Connection: upgrade` the body is still what Content-Length or
    // Transfer-Encoding says (stock code handed the whole connection over as the body, so a
    // server that read the body waited for the client to close). The socket itself is handed
    // over by `upgrade_socket`.
    let reader = if let Some(content_length) = content_length {
        if content_length == 0 {
            Box::new(io::empty()) as Box<dyn Read + Send + 'static>
        } else if content_length <= 1024 && !expects_continue {
            // if the content-length is small enough, we just read everything into a buffer

            let mut buffer = vec![0; content_length];
            let mut offset = 0;

            while offset != content_length {
                let read = source_data.read(&mut buffer[offset..])?;
                if read == 0 {
                    // the socket returned EOF, but we were before the expected content-length
                    // aborting
                    let info = "Connection has been closed before we received enough data";
                    let err = IoError::new(ErrorKind::ConnectionAborted, info);
                    return Err(RequestCreationError::CreationIoError(err));
                }

                offset += read;
            }

            Box::new(Cursor::new(buffer)) as Box<dyn Read + Send + 'static>
        } else {
            let (data_reader, _) = EqualReader::new(source_data, content_length); // TODO:
            Box::new(FusedReader::new(data_reader)) as Box<dyn Read + Send + 'static>
        }
    } else if transfer_encoding.is_some() {
        // if a transfer-encoding was specified, then "chunked" is ALWAYS applied
        // over the message (RFC2616 #3.6)
        Box::new(FusedReader::new(Decoder::new(source_data))) as Box<dyn Read + Send + 'static>
    } else {
        // if we have neither a Content-Length nor a Transfer-Encoding,
        // assuming that we have no data
        // TODO: could also be multipart/byteranges
        Box::new(io::empty()) as Box<dyn Read + Send + 'static>
    };

    Ok(Request {
        data_reader: Some(reader),
        response_writer: Some(Box::new(writer) as Box<dyn Write + Send + 'static>),
        remote_addr,
        secure,
        method,
        path,
        http_version: version,
        headers,
        body_length: content_length,
        must_send_continue: expects_continue,
        notify_when_responded: None,
        answer_to: None,
        body_truncated: false,
        spooled: None,
    })
}

impl Request {
    /// Returns true if the request was made through HTTPS.
    #[inline]
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// Returns the method requested by the client (eg. `GET`, `POST`, etc.).
    #[inline]
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Returns the resource requested by the client.
    #[inline]
    pub fn url(&self) -> &str {
        &self.path
    }

    /// Returns a list of all headers sent by the client.
    #[inline]
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// Returns the HTTP version of the request.
    #[inline]
    pub fn http_version(&self) -> &HTTPVersion {
        &self.http_version
    }

    /// Returns the length of the body in bytes.
    ///
    /// Returns `None` if the length is unknown.
    #[inline]
    pub fn body_length(&self) -> Option<usize> {
        self.body_length
    }

    /// Returns the address of the client that sent this request.
    ///
    /// The address is always `Some` for TCP listeners, but always `None` for UNIX listeners
    /// (as the remote address of a UNIX client is almost always unnamed).
    ///
    /// Note that this is gathered from the socket. If you receive the request from a proxy,
    /// this function will return the address of the proxy and not the address of the actual
    /// user.
    #[inline]
    pub fn remote_addr(&self) -> Option<&SocketAddr> {
        self.remote_addr.as_ref()
    }

    /// Sends a response with a `Connection: upgrade` header, then turns the `Request` into a `Stream`.
    ///
    /// The main purpose of this function is to support websockets.
    /// If you detect that the request wants to use some kind of protocol upgrade, you can
    ///  call this function to obtain full control of the socket stream.
    ///
    /// If you call this on a non-websocket request, tiny-http will wait until this `Stream` object
    ///  is destroyed before continuing to read or write on the socket. Therefore you should always
    ///  destroy it as soon as possible.
    pub fn upgrade<R: Read>(
        mut self,
        protocol: &str,
        response: Response<R>,
    ) -> Box<dyn ReadWrite + Send> {
        use crate::util::CustomStream;

        response
            .raw_print(
                self.response_writer.as_mut().unwrap().by_ref(),
                self.http_version.clone(),
                &self.headers,
                false,
                Some(protocol),
            )
            .ok(); // TODO: unused result

        self.response_writer.as_mut().unwrap().flush().ok(); // TODO: unused result

        let stream = CustomStream::new(self.extract_reader_impl(), self.extract_writer_impl());
        if let Some(sender) = self.notify_when_responded.take() {
            let stream = NotifyOnDrop {
                sender,
                inner: stream,
            };
            Box::new(stream) as Box<dyn ReadWrite + Send>
        } else {
            Box::new(stream) as Box<dyn ReadWrite + Send>
        }
    }

    /// Allows to read the body of the request.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # extern crate rustc_serialize;
    /// # extern crate tiny_http;
    /// # use rustc_serialize::json::Json;
    /// # use std::io::Read;
    /// # fn get_content_type(_: &tiny_http::Request) -> &'static str { "" }
    /// # fn main() {
    /// # let server = tiny_http::Server::http("0.0.0.0:0").unwrap();
    /// let mut request = server.recv().unwrap();
    ///
    /// if get_content_type(&request) == "application/json" {
    ///     let mut content = String::new();
    ///     request.as_reader().read_to_string(&mut content).unwrap();
    ///     let json: Json = content.parse().unwrap();
    /// }
    /// # }
    /// ```
    ///
    /// If the client sent a `Expect: 100-continue` header with the request, calling this
    ///  function will send back a `100 Continue` response.
    #[inline]
    pub fn as_reader(&mut self) -> &mut dyn Read {
        if self.must_send_continue {
            let msg = Response::new_empty(StatusCode(100));
            msg.raw_print(
                self.response_writer.as_mut().unwrap().by_ref(),
                self.http_version.clone(),
                &self.headers,
                true,
                None,
            )
            .ok();
            self.response_writer.as_mut().unwrap().flush().ok();
            self.must_send_continue = false;
        }

        self.data_reader.as_mut().unwrap()
    }

    /// Turns the `Request` into a writer.
    ///
    /// The writer has a raw access to the stream to the user.
    /// This function is useful for things like CGI.
    ///
    /// Note that the destruction of the `Writer` object may trigger
    /// some events. For exemple if a client has sent multiple requests and the requests
    /// have been processed in parallel, the destruction of a writer will trigger
    /// the writing of the next response.
    /// Therefore you should always destroy the `Writer` as soon as possible.
    #[inline]
    pub fn into_writer(mut self) -> Box<dyn Write + Send + 'static> {
        let writer = self.extract_writer_impl();
        if let Some(sender) = self.notify_when_responded.take() {
            let writer = NotifyOnDrop {
                sender,
                inner: writer,
            };
            Box::new(writer) as Box<dyn Write + Send + 'static>
        } else {
            writer
        }
    }

    /// Extract the response `Writer` object from the Request, dropping this `Writer` has the same side effects
    /// as the object returned by `into_writer` above.
    ///
    /// This may only be called once on a single request.
    pub(crate) fn extract_writer_impl(&mut self) -> Box<dyn Write + Send + 'static> {
        use std::mem;

        assert!(self.response_writer.is_some());

        let mut writer = None;
        mem::swap(&mut self.response_writer, &mut writer);
        writer.unwrap()
    }

    /// Extract the body `Reader` object from the Request.
    ///
    /// This may only be called once on a single request.
    fn extract_reader_impl(&mut self) -> Box<dyn Read + Send + 'static> {
        use std::mem;

        assert!(self.data_reader.is_some());

        let mut reader = None;
        mem::swap(&mut self.data_reader, &mut reader);
        reader.unwrap()
    }

    /// Sends a response to this request.
    #[inline]
    pub fn respond<R>(mut self, response: Response<R>) -> Result<(), IoError>
    where
        R: Read,
    {
        let res = self.respond_impl(response);
        if let Some(sender) = self.notify_when_responded.take() {
            // Perch patch: the connection may be gone (its thread ended); not a reason to panic.
            let _ = sender.send(());
        }
        res
    }

    fn respond_impl<R>(&mut self, response: Response<R>) -> Result<(), IoError>
    where
        R: Read,
    {
        let mut writer = self.extract_writer_impl();

        let do_not_send_body = self.method == Method::Head;

        // Perch patch: serialized here, written by the connection's thread.
        if let Some(to) = self.answer_to.take() {
            let mut bytes = Vec::new();
            response.raw_print(
                &mut bytes,
                self.http_version.clone(),
                &self.headers,
                do_not_send_body,
                None,
            )?;
            return to
                .send(Answer::Response(writer, bytes))
                .map_err(|_| IoError::new(ErrorKind::BrokenPipe, "connection closed"));
        }

        Self::ignore_client_closing_errors(response.raw_print(
            writer.by_ref(),
            self.http_version.clone(),
            &self.headers,
            do_not_send_body,
            None,
        ))?;

        Self::ignore_client_closing_errors(writer.flush())
    }

    /// Perch patch: answers with `response`'s status and headers and a body of exactly `len`
    /// bytes read from `body` as it is sent (`Content-Length`, never chunked), by the
    /// connection's thread when there is one. A `HEAD` request gets the head only.
    pub fn respond_streamed(
        mut self,
        response: Response<io::Empty>,
        body: Box<dyn Read + Send + 'static>,
        len: u64,
    ) -> Result<(), IoError> {
        let res = self.respond_streamed_impl(response, body, len);
        if let Some(sender) = self.notify_when_responded.take() {
            let _ = sender.send(());
        }
        res
    }

    fn respond_streamed_impl(
        &mut self,
        response: Response<io::Empty>,
        body: Box<dyn Read + Send + 'static>,
        len: u64,
    ) -> Result<(), IoError> {
        let mut writer = self.extract_writer_impl();
        let head_only = self.method == Method::Head;
        let head = Response::new(
            response.status_code(),
            response.headers().to_vec(),
            io::empty(),
            Some(len as usize),
            None,
        )
        .with_chunked_threshold(usize::MAX);
        let mut bytes = Vec::new();
        // No request headers: a `TE` header must not turn the body into chunks here.
        head.raw_print(&mut bytes, self.http_version.clone(), &[], head_only, None)?;
        let body: Option<(Box<dyn Read + Send>, u64)> = if head_only {
            None
        } else {
            Some((Box::new(body.take(len)), len))
        };
        if let Some(to) = self.answer_to.take() {
            return to
                .send(Answer::Streamed(writer, bytes, body))
                .map_err(|_| IoError::new(ErrorKind::BrokenPipe, "connection closed"));
        }
        Self::ignore_client_closing_errors(writer.write_all(&bytes))?;
        if let Some((mut body, _)) = body {
            Self::ignore_client_closing_errors(io::copy(&mut body, &mut writer).map(|_| ()))?;
        }
        Self::ignore_client_closing_errors(writer.flush())
    }

    fn ignore_client_closing_errors(result: io::Result<()>) -> io::Result<()> {
        result.or_else(|err| match err.kind() {
            ErrorKind::BrokenPipe => Ok(()),
            ErrorKind::ConnectionAborted => Ok(()),
            ErrorKind::ConnectionRefused => Ok(()),
            ErrorKind::ConnectionReset => Ok(()),
            _ => Err(err),
        })
    }

    /// Perch patch: whether the body was longer than the limit of its plan (then it was not
    /// read whole, and the connection closes after the answer).
    pub fn body_truncated(&self) -> bool {
        self.body_truncated
    }

    /// Perch patch: the body, if it was spooled to a temporary file (positioned at its start),
    /// and its length.
    pub fn take_spooled(&mut self) -> Option<(std::fs::File, u64)> {
        self.spooled.take()
    }

    /// Perch patch: answers with `response` (a `101 Switching Protocols`, with the headers the
    /// protocol needs), then hands the socket, blocking and without timeouts, to `then` on the
    /// connection's own thread. Only for servers built with `ServerOptions` (`http_with`,
    /// `https_with`); other requests get an `Unsupported` error and are answered with a 500
    /// when dropped.
    pub fn upgrade_socket<R: Read>(
        mut self,
        protocol: &str,
        response: Response<R>,
        then: Box<dyn FnOnce(Upgraded) + Send + 'static>,
    ) -> Result<(), IoError> {
        let Some(to) = self.answer_to.take() else {
            return Err(IoError::new(ErrorKind::Unsupported, "no socket to hand over"));
        };
        let mut bytes = Vec::new();
        response.raw_print(
            &mut bytes,
            self.http_version.clone(),
            &self.headers,
            false,
            Some(protocol),
        )?;
        let writer = self.extract_writer_impl();
        // The body's reader holds a handle on the stream: gone before the connection's thread
        // takes the stream apart (a TLS session is handed over only from its last handle).
        self.data_reader = None;
        to.send(Answer::Upgrade(writer, bytes, then))
            .map_err(|_| IoError::new(ErrorKind::BrokenPipe, "connection closed"))
    }

    /// Perch patch: reads the body now (on the connection's thread) as `plan` says. Returns
    /// false if it was longer than the plan's limit (then it was not read whole).
    pub(crate) fn read_body(&mut self, plan: &BodyPlan) -> io::Result<bool> {
        let limit = match plan {
            BodyPlan::Memory { limit } | BodyPlan::Spool { limit, .. } => *limit,
        };
        if self.body_length.is_some_and(|n| n as u64 > limit) {
            // Not read at all (nor `100 Continue` sent): the answer says it is too large. The
            // caller takes the reader (`take_body_reader`) and reads what it will after the
            // answer (a lingering close).
            self.must_send_continue = false;
            self.body_truncated = true;
            return Ok(false);
        }
        let expected = self.body_length.unwrap_or(0) as u64;
        let reader = self.as_reader();
        let mut bounded = reader.take(limit + 1);
        let read = match plan {
            BodyPlan::Memory { .. } => {
                let mut buf = Vec::with_capacity(expected as usize);
                bounded.read_to_end(&mut buf)?;
                let n = buf.len() as u64;
                self.data_reader = Some(Box::new(Cursor::new(buf)));
                n
            }
            BodyPlan::Spool { dir, .. } => {
                use std::io::Seek;
                let mut file = spool_file(dir)?;
                let n = io::copy(&mut bounded, &mut file)?;
                file.rewind()?;
                self.data_reader = Some(Box::new(file.try_clone()?));
                self.spooled = Some((file, n));
                n
            }
        };
        if read > limit {
            self.body_truncated = true;
        }
        Ok(read <= limit)
    }

    /// Perch patch: drops the body's reader (which reads what is left of the body, so the
    /// socket's reading side must be shut first).
    pub(crate) fn take_body_reader(&mut self) -> Option<Box<dyn Read + Send + 'static>> {
        self.data_reader.replace(Box::new(io::empty()))
    }

    pub(crate) fn with_answer_sender(mut self, sender: Sender<Answer>) -> Self {
        self.answer_to = Some(sender);
        self
    }

    pub(crate) fn with_notify_sender(mut self, sender: Sender<()>) -> Self {
        self.notify_when_responded = Some(sender);
        self
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> Result<(), fmt::Error> {
        write!(
            formatter,
            "Request({} {} from {:?})",
            self.method, self.path, self.remote_addr
        )
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        if self.response_writer.is_some() {
            let response = Response::empty(500);
            let _ = self.respond_impl(response); // ignoring any potential error
            if let Some(sender) = self.notify_when_responded.take() {
                // Perch patch: as in `respond`.
                let _ = sender.send(());
            }
        }
    }
}

/// Dummy trait that regroups the `Read` and `Write` traits.
///
/// Automatically implemented on all types that implement both `Read` and `Write`.
/// Perch patch: a new file in `dir`, unlinked at once (it disappears when its last handle is
/// closed, also after a crash).
fn spool_file(dir: &std::path::Path) -> io::Result<std::fs::File> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    loop {
        let path = dir.join(format!(
            ".body-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => {
                std::fs::remove_file(&path)?;
                return Ok(file);
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

pub trait ReadWrite: Read + Write {}
impl<T> ReadWrite for T where T: Read + Write {}

#[cfg(test)]
mod tests {
    use super::Request;

    #[test]
    fn must_be_send() {
        #![allow(dead_code)]
        fn f<T: Send>(_: &T) {}
        fn bar(rq: &Request) {
            f(rq);
        }
    }
}
