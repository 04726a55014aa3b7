//! spin.toml, read the way Spin reads it: application variables (from `SPIN_VARIABLE_<NAME>` or
//! their defaults), HTTP routes, and per component its source, stores, databases, outbound
//! allow-list, variables and files. Templates (`{{ name }}`) are resolved once, at load.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct App {
    pub components: BTreeMap<String, ComponentSpec>,
    pub routes: Vec<Route>,
    /// Application variables after resolution (used by the host itself for the drain token).
    pub variables: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct ComponentSpec {
    pub name: String,
    pub source: PathBuf,
    pub sqlite_databases: Vec<String>,
    pub key_value_stores: Vec<String>,
    pub allowed_outbound_hosts: Vec<HostPattern>,
    /// The component's variables, templates resolved.
    pub variables: BTreeMap<String, String>,
    /// Host directory -> guest path, mounted read-only.
    pub files: Vec<(PathBuf, String)>,
}

/// One `[[trigger.http]]` route. Private routes are only reachable by service chaining.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub matcher: RouteMatch,
    pub component: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteMatch {
    /// `/healthz`: this path only.
    Exact(String),
    /// `/api/...`: the base itself and everything under it (`""` for `/...`).
    Wildcard(String),
    Private,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    #[allow(dead_code)]
    spin_manifest_version: u32,
    #[allow(dead_code)]
    application: toml::Table,
    #[serde(default)]
    variables: BTreeMap<String, RawVariable>,
    trigger: RawTriggers,
    component: BTreeMap<String, RawComponent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariable {
    default: Option<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    #[allow(dead_code)]
    secret: bool,
}

#[derive(Deserialize)]
struct RawTriggers {
    http: Vec<RawHttpTrigger>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttpTrigger {
    route: RawRoute,
    component: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawRoute {
    Path(String),
    Private { private: bool },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    source: String,
    #[serde(default)]
    sqlite_databases: Vec<String>,
    #[serde(default)]
    key_value_stores: Vec<String>,
    #[serde(default)]
    allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    #[serde(default)]
    files: Vec<RawFile>,
    #[allow(dead_code)]
    build: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    source: String,
    destination: String,
}

impl App {
    /// Reads `path`; variables come from `lookup` (the process environment in the binary).
    pub fn load(path: &Path, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let root = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, root, lookup)
    }

    pub fn parse(text: &str, root: &Path, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let raw: RawManifest = toml::from_str(text).map_err(|e| format!("spin.toml: {e}"))?;
        let mut variables = BTreeMap::new();
        for (name, var) in &raw.variables {
            let value = lookup(&format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase())).or_else(|| var.default.clone());
            match value {
                Some(v) => {
                    variables.insert(name.clone(), v);
                }
                None if var.required => {
                    return Err(format!(
                        "variable {name} is required: set SPIN_VARIABLE_{}",
                        name.to_ascii_uppercase()
                    ));
                }
                None => {}
            }
        }
        let render = |template: &str| render(template, &variables);
        let mut components = BTreeMap::new();
        for (name, c) in raw.component {
            let mut vars = BTreeMap::new();
            for (k, v) in &c.variables {
                vars.insert(k.clone(), render(v).map_err(|e| format!("component {name}, variable {k}: {e}"))?);
            }
            let mut hosts = Vec::new();
            for h in &c.allowed_outbound_hosts {
                let h = render(h).map_err(|e| format!("component {name}: {e}"))?;
                hosts.push(HostPattern::parse(&h).map_err(|e| format!("component {name}: {e}"))?);
            }
            let spec = ComponentSpec {
                name: name.clone(),
                source: root.join(&c.source),
                sqlite_databases: c.sqlite_databases,
                key_value_stores: c.key_value_stores,
                allowed_outbound_hosts: hosts,
                variables: vars,
                files: c.files.into_iter().map(|f| (root.join(f.source), f.destination)).collect(),
            };
            components.insert(name, spec);
        }
        let mut routes = Vec::new();
        for t in raw.trigger.http {
            if !components.contains_key(&t.component) {
                return Err(format!("route to unknown component {}", t.component));
            }
            let matcher = match t.route {
                RawRoute::Private { private: true } => RouteMatch::Private,
                RawRoute::Private { private: false } => return Err("route = { private = false } is not a route".into()),
                RawRoute::Path(p) => RouteMatch::parse(&p)?,
            };
            routes.push(Route { matcher, component: t.component });
        }
        Ok(Self { components, routes, variables })
    }

    /// The route serving `path`: an exact route first, then the longest wildcard base (Spin's rule).
    pub fn route(&self, path: &str) -> Option<&Route> {
        let exact = self.routes.iter().find(|r| matches!(&r.matcher, RouteMatch::Exact(p) if p == path));
        exact.or_else(|| {
            self.routes
                .iter()
                .filter(|r| match &r.matcher {
                    RouteMatch::Wildcard(base) => {
                        path == base || (path.starts_with(base.as_str()) && path[base.len()..].starts_with('/'))
                    }
                    _ => false,
                })
                .max_by_key(|r| match &r.matcher {
                    RouteMatch::Wildcard(base) => base.len(),
                    _ => 0,
                })
        })
    }
}

impl RouteMatch {
    fn parse(route: &str) -> Result<Self, String> {
        if !route.starts_with('/') {
            return Err(format!("route {route:?} must start with /"));
        }
        Ok(match route.strip_suffix("/...") {
            Some(base) => RouteMatch::Wildcard(base.to_owned()),
            None => RouteMatch::Exact(route.trim_end_matches('/').to_owned()).normalise(),
        })
    }

    fn normalise(self) -> Self {
        match self {
            RouteMatch::Exact(p) if p.is_empty() => RouteMatch::Exact("/".into()),
            other => other,
        }
    }

    /// The part of the route before `...`, as Spin reports it in `spin-matched-route`.
    pub fn display(&self) -> String {
        match self {
            RouteMatch::Exact(p) => p.clone(),
            RouteMatch::Wildcard(base) => format!("{base}/..."),
            RouteMatch::Private => String::new(),
        }
    }

    pub fn base(&self) -> &str {
        match self {
            RouteMatch::Exact(p) | RouteMatch::Wildcard(p) => p,
            RouteMatch::Private => "",
        }
    }
}

/// Replaces each `{{ name }}` with the application variable's value.
fn render(template: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").ok_or_else(|| format!("unclosed template in {template:?}"))? + start;
        let name = rest[start + 2..end].trim();
        let value = vars.get(name).ok_or_else(|| format!("template names undefined variable {name:?}"))?;
        out.push_str(value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// One `allowed_outbound_hosts` entry: `scheme://host[:port]`, where scheme, host and port may be
/// `*` and the host may be `*.domain` (any subdomain). Without a port, the scheme's default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    scheme: Option<String>,
    host: HostMatch,
    port: PortMatch,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostMatch {
    Any,
    Exact(String),
    SubdomainOf(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortMatch {
    Any,
    Default,
    Exact(u16),
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

impl HostPattern {
    pub fn parse(entry: &str) -> Result<Self, String> {
        let (scheme, rest) = entry
            .split_once("://")
            .ok_or_else(|| format!("allowed_outbound_hosts entry {entry:?} has no scheme (like https://host)"))?;
        if rest.contains('/') {
            return Err(format!("allowed_outbound_hosts entry {entry:?} must not have a path"));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        };
        let port = match port {
            None => PortMatch::Default,
            Some("*") => PortMatch::Any,
            Some(p) => PortMatch::Exact(p.parse().map_err(|_| format!("bad port in {entry:?}"))?),
        };
        let host = match host {
            "*" => HostMatch::Any,
            h if h.starts_with("*.") => HostMatch::SubdomainOf(h[1..].to_ascii_lowercase()),
            "" => return Err(format!("allowed_outbound_hosts entry {entry:?} has no host")),
            h if h.contains('*') => return Err(format!("unsupported wildcard in {entry:?}")),
            h => HostMatch::Exact(h.to_ascii_lowercase()),
        };
        let scheme = (scheme != "*").then(|| scheme.to_ascii_lowercase());
        Ok(Self { scheme, host, port })
    }

    pub fn allows(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        let host = host.to_ascii_lowercase();
        let scheme_ok = self.scheme.as_deref().is_none_or(|s| s == scheme);
        let host_ok = match &self.host {
            HostMatch::Any => true,
            HostMatch::Exact(h) => *h == host,
            HostMatch::SubdomainOf(suffix) => host.ends_with(suffix.as_str()) && host.len() > suffix.len(),
        };
        let port = port.or_else(|| default_port(scheme));
        let port_ok = match self.port {
            PortMatch::Any => true,
            PortMatch::Exact(p) => port == Some(p),
            PortMatch::Default => {
                port.is_some() && port == self.scheme.as_deref().and_then(default_port).or_else(|| default_port(scheme))
            }
        };
        scheme_ok && host_ok && port_ok
    }
}

impl ComponentSpec {
    /// Whether this component may call `uri` (Spin denies anything not in its allow-list).
    pub fn may_call(&self, uri: &http::Uri) -> bool {
        let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else { return false };
        self.allowed_outbound_hosts.iter().any(|p| p.allows(scheme, host, uri.port_u16()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const MANIFEST: &str = r#"
spin_manifest_version = 2
[application]
name = "t"
[variables]
secret = { required = true, secret = true }
origin = { default = "http://127.0.0.1:8799" }
[[trigger.http]]
route = "/api/..."
component = "api"
[[trigger.http]]
route = "/healthz"
component = "health"
[[trigger.http]]
route = "/..."
component = "site"
[[trigger.http]]
route = { private = true }
component = "worker"
[component.api]
source = "api.wasm"
allowed_outbound_hosts = ["http://worker.spin.internal", "https://*.tiktokcdn.com", "{{ origin }}"]
[component.api.variables]
token = "t-{{ secret }}"
[component.health]
source = "h.wasm"
[component.site]
source = "s.wasm"
files = [{ source = "dist", destination = "/" }]
[component.worker]
source = "w.wasm"
"#;

    fn app(env: &[(&str, &str)]) -> Result<App, String> {
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        App::parse(MANIFEST, Path::new("/app"), |k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn required_variables_must_be_set_and_templates_resolve() {
        assert!(app(&[]).unwrap_err().contains("SPIN_VARIABLE_SECRET"));
        let a = app(&[("SPIN_VARIABLE_SECRET", "s3")]).unwrap();
        assert_eq!(a.components["api"].variables["token"], "t-s3");
        assert_eq!(a.components["api"].source, Path::new("/app/api.wasm"));
        assert_eq!(a.components["site"].files, vec![(PathBuf::from("/app/dist"), "/".to_owned())]);
    }

    #[test]
    fn routes_prefer_exact_then_the_longest_base_and_never_private() {
        let a = app(&[("SPIN_VARIABLE_SECRET", "s")]).unwrap();
        let at = |p: &str| a.route(p).map(|r| r.component.as_str());
        assert_eq!(at("/healthz"), Some("health"));
        assert_eq!(at("/healthz/x"), Some("site"));
        assert_eq!(at("/api"), Some("api"));
        assert_eq!(at("/api/v1/x"), Some("api"));
        assert_eq!(at("/apis"), Some("site"));
        assert_eq!(at("/"), Some("site"));
        assert!(a.routes.iter().any(|r| r.component == "worker" && r.matcher == RouteMatch::Private));
        assert_ne!(at("/worker"), Some("worker"));
    }

    #[test]
    fn outbound_allow_list_matches_scheme_host_and_port() {
        let a = app(&[("SPIN_VARIABLE_SECRET", "s"), ("SPIN_VARIABLE_ORIGIN", "http://127.0.0.1:9000")]).unwrap();
        let api = &a.components["api"];
        let ok = |u: &str| api.may_call(&u.parse().unwrap());
        assert!(ok("http://worker.spin.internal/internal/stage"));
        assert!(!ok("http://other.spin.internal/"));
        assert!(ok("https://p16.tiktokcdn.com/cover.jpg"));
        assert!(!ok("https://tiktokcdn.com/cover.jpg"), "the bare domain is not a subdomain");
        assert!(!ok("http://p16.tiktokcdn.com/cover.jpg"), "scheme must match");
        assert!(!ok("https://p16.tiktokcdn.com:8443/cover.jpg"), "only the default port");
        assert!(ok("http://127.0.0.1:9000/oembed"));
        assert!(!ok("http://127.0.0.1:9001/oembed"));
        assert!(!ok("http://127.0.0.1/oembed"));
        assert!(!ok("https://evil.example/"));
        assert!(!a.components["health"].may_call(&"http://worker.spin.internal/".parse().unwrap()));
    }

    #[test]
    fn bad_entries_are_refused() {
        assert!(HostPattern::parse("example.com").is_err());
        assert!(HostPattern::parse("https://example.com/path").is_err());
        assert!(HostPattern::parse("https://ex*mple.com").is_err());
        assert!(HostPattern::parse("https://example.com:http").is_err());
        let any = HostPattern::parse("*://*:*").unwrap();
        assert!(any.allows("https", "x.y", Some(1)));
    }
}
