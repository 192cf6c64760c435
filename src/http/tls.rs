//! HTTPS without a proxy (`ServiceSettings.ConnectionSecurity: "TLS"`): the certificate and key
//! files read and checked at startup, each problem naming its file, and the plain listener of
//! `Forward80To443`, which answers every request with a redirect to the same URL over HTTPS.

use super::Listener;
use crate::config::Config;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// The PEM certificate chain and private key to serve HTTPS with.
pub struct TlsFiles {
    pub certificate: Vec<u8>,
    pub private_key: Vec<u8>,
}

impl TlsFiles {
    /// Reads `TLSCertFile` and `TLSKeyFile` when TLS is on (`None` when it is off). An
    /// unreadable file, or one without a PEM certificate or private key, is an error that
    /// names the setting and the file.
    pub fn load(config: &Config) -> Result<Option<TlsFiles>, String> {
        if !config.tls() {
            return Ok(None);
        }
        let s = &config.service;
        let read = |key: &str, path: &str| {
            std::fs::read(path).map_err(|e| format!("ServiceSettings.{key} {path:?}: {e}"))
        };
        let certificate = read("TLSCertFile", &s.tls_cert_file)?;
        let private_key = read("TLSKeyFile", &s.tls_key_file)?;
        let certs = CertificateDer::pem_slice_iter(&certificate)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string());
        if !matches!(&certs, Ok(c) if !c.is_empty()) {
            let why = certs.err().unwrap_or_else(|| "no certificate".into());
            return Err(format!(
                "ServiceSettings.TLSCertFile {:?} holds no PEM certificate ({why})",
                s.tls_cert_file
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(&private_key).map_err(|e| {
            format!(
                "ServiceSettings.TLSKeyFile {:?} holds no PEM private key (PKCS#8, RSA or EC, \
                 not encrypted): {e}",
                s.tls_key_file
            )
        })?;
        let provider = rustls::crypto::ring::default_provider();
        let chain = certs.unwrap_or_default();
        if let Err(e) = rustls::sign::CertifiedKey::from_der(chain, key, &provider) {
            return Err(format!(
                "ServiceSettings.TLSKeyFile {:?} does not fit TLSCertFile {:?}: {e}",
                s.tls_key_file, s.tls_cert_file
            ));
        }
        Ok(Some(TlsFiles {
            certificate,
            private_key,
        }))
    }
}

/// The `Forward80To443` listener and its one thread (`http-redirect`). Answers are written by
/// each connection's own thread, so a slow client never holds the redirecting thread.
pub struct Redirect {
    listener: Listener,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Redirect {
    /// Listens on `addr` and redirects every request to `https://<its Host>[:https_port]<its
    /// path>` (the port only when it is not 443), with Mattermost's `301`.
    pub fn start(addr: SocketAddr, https_port: u16, config: &Config) -> Result<Redirect, String> {
        let listener = Listener::bind(addr, config, None, None)?;
        let stop = Arc::new(AtomicBool::new(false));
        let (server, stopping) = (listener.server.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("http-redirect".into())
            .spawn(move || {
                while !stopping.load(Ordering::SeqCst) {
                    if let Ok(rq) = server.recv() {
                        redirect(rq, https_port);
                    }
                }
            })
            .map_err(|e| format!("cannot start the redirect thread: {e}"))?;
        Ok(Redirect {
            listener,
            stop,
            thread: Some(thread),
        })
    }

    /// The real address (also when bound to port 0).
    pub fn addr(&self) -> Option<SocketAddr> {
        self.listener.addr()
    }

    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.listener.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Redirect {
    fn drop(&mut self) {
        self.stop();
    }
}

fn redirect(rq: tiny_http::Request, https_port: u16) {
    let host = rq
        .headers()
        .iter()
        .find(|h| h.field.equiv("Host"))
        .map(|h| h.value.as_str().to_string());
    let location = host.as_deref().and_then(host_only).map(|host| {
        let port = if https_port == 443 {
            String::new()
        } else {
            format!(":{https_port}")
        };
        let path = Some(rq.url()).filter(|u| u.starts_with('/')).unwrap_or("/");
        format!("https://{host}{port}{path}")
    });
    let header = location
        .as_deref()
        .and_then(|l| tiny_http::Header::from_bytes("Location", l).ok());
    let answer = match header {
        Some(h) => tiny_http::Response::empty(301).with_header(h),
        None => tiny_http::Response::empty(400),
    };
    let _ = rq.respond(answer);
}

/// The host of a `Host` header, without its port; `None` unless it is a plain host name or
/// address (nothing that could change the redirect's target).
fn host_only(host: &str) -> Option<&str> {
    let host = host.trim();
    let name = if host.starts_with('[') {
        &host[..host.find(']')? + 1]
    } else {
        host.split(':').next().unwrap_or("")
    };
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-[]:".contains(&b));
    ok.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::host_only;

    #[test]
    fn hosts_lose_their_port_and_nothing_else_passes() {
        assert_eq!(host_only("chat.example.com:80"), Some("chat.example.com"));
        assert_eq!(host_only("10.0.0.7"), Some("10.0.0.7"));
        assert_eq!(host_only("[::1]:80"), Some("[::1]"));
        assert_eq!(host_only("evil.com/x"), None);
        assert_eq!(host_only("a@b"), None);
        assert_eq!(host_only(""), None);
    }
}
