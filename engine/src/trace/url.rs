//! What the user typed after `curl` or `lab trace`: a URL or an address, split into the
//! parts a connection needs.
//!
//! Part of [`crate::trace`]. Accepts `http://host[:port][/path]`, `https://…` (port 443) and a
//! bare `host[:port][/path]`, as curl does (it assumes `http://` when no scheme is given).

use std::fmt;
use std::net::Ipv4Addr;

/// A parsed URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    /// The host as written: an IPv4 address or a name.
    pub host: String,
    pub port: u16,
    /// Whether the port was written (curl's `Host` header then carries it).
    pub explicit_port: bool,
    pub path: String,
}

/// Why a URL could not be used (curl's error 3, "URL rejected: Malformed input").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlError {
    pub input: String,
    pub why: String,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "URL rejected: {} ({})", self.input, self.why)
    }
}

impl Url {
    /// Parses a URL or address.
    pub fn parse(input: &str) -> Result<Url, UrlError> {
        let error = |why: &str| UrlError {
            input: input.to_string(),
            why: why.to_string(),
        };
        let trimmed = input.trim();
        let (scheme, rest) = match trimmed.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => ("http".to_string(), trimmed),
        };
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return Err(error("unsupported scheme")),
        };
        let (authority, path) = match rest.find('/') {
            Some(index) => (rest.get(..index).unwrap_or(""), rest.get(index..).unwrap_or("/")),
            None => (rest, "/"),
        };
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let (host, port, explicit_port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, port.parse::<u16>().map_err(|_| error("bad port"))?, true),
            None => (authority, default_port, false),
        };
        if host.is_empty() {
            return Err(error("no host"));
        }
        if port == 0 {
            return Err(error("port 0"));
        }
        Ok(Url {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
            explicit_port,
            path: path.to_string(),
        })
    }

    /// The host as an address, when it is one.
    pub fn address(&self) -> Option<Ipv4Addr> {
        self.host.parse().ok()
    }

    /// The `Host` header curl sends: the host, plus the port when it was written.
    pub fn host_header(&self) -> String {
        if self.explicit_port {
            format!("{}:{}", self.host, self.port)
        } else {
            self.host.clone()
        }
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}{}", self.scheme, self.host, self.port, self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_like_urls() {
        let url = Url::parse("http://172.16.120.63:31000/").unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.path.as_str()),
            ("172.16.120.63", 31000, "/")
        );
        assert_eq!(url.host_header(), "172.16.120.63:31000");
        let bare = Url::parse("web:8080/api?x=1").unwrap();
        assert_eq!(
            (bare.host.as_str(), bare.port, bare.path.as_str()),
            ("web", 8080, "/api?x=1")
        );
        let plain = Url::parse("web").unwrap();
        assert_eq!((plain.port, plain.host_header().as_str()), (80, "web"));
        assert!(Url::parse("http://:80/").is_err());
        assert!(Url::parse("ftp://x/").is_err());
        assert!(Url::parse("http://x:99999/").is_err());
    }
}
