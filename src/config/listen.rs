//! Where the server listens: `ServiceSettings.ListenAddress`, HTTPS
//! (`ConnectionSecurity`, `TLSCertFile`, `TLSKeyFile`) and `Forward80To443`'s plain listener,
//! checked together at startup and by `perch config set`.

use super::{Config, ConfigError};
use std::net::{SocketAddr, ToSocketAddrs};

impl Config {
    /// The socket address to bind, from `ServiceSettings.ListenAddress`.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        let raw = self.service.listen_address.trim();
        let full = if raw.starts_with(':') {
            format!("0.0.0.0{raw}")
        } else {
            raw.to_string()
        };
        full.to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| {
                ConfigError(format!(
                    "ServiceSettings.ListenAddress {raw:?} is not HOST:PORT or :PORT"
                ))
            })
    }

    /// Whether HTTPS is served (`ServiceSettings.ConnectionSecurity` is `"TLS"`).
    pub fn tls(&self) -> bool {
        self.service.connection_security == "TLS"
    }

    /// With `Forward80To443` (which needs TLS and both files), the address of the redirecting
    /// listener; `None` without it.
    pub fn forward_addr(&self) -> Result<Option<SocketAddr>, ConfigError> {
        let s = &self.service;
        if !["", "TLS"].contains(&s.connection_security.as_str()) {
            return Err(ConfigError(
                "ServiceSettings.ConnectionSecurity must be \"\" or \"TLS\"".into(),
            ));
        }
        if self.tls() && (s.tls_cert_file.trim().is_empty() || s.tls_key_file.trim().is_empty()) {
            return Err(ConfigError(
                "ServiceSettings.ConnectionSecurity \"TLS\" needs TLSCertFile and TLSKeyFile"
                    .into(),
            ));
        }
        if s.tls_strict_transport_max_age < 0 {
            return Err(ConfigError(
                "ServiceSettings.TLSStrictTransportMaxAge must be ≥ 0 (seconds)".into(),
            ));
        }
        if !s.forward_80_to_443 {
            return Ok(None);
        }
        if !self.tls() {
            return Err(ConfigError(
                "ServiceSettings.Forward80To443 needs ConnectionSecurity \"TLS\"".into(),
            ));
        }
        let raw = self.perch.forward_80_listen_address.trim();
        let full = match raw {
            "" => return Ok(Some(SocketAddr::new(self.listen_addr()?.ip(), 80))),
            r if r.starts_with(':') => format!("0.0.0.0{r}"),
            r => r.to_string(),
        };
        let addr = full.to_socket_addrs().ok().and_then(|mut a| a.next());
        addr.map(Some).ok_or_else(|| {
            ConfigError(format!(
                "PerchSettings.Forward80ListenAddress {raw:?} is not HOST:PORT or :PORT"
            ))
        })
    }
}
