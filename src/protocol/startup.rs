//! The start of a connection: SSL negotiation, cancel requests, the startup packet, password
//! authentication, admission, and the parameters PostgreSQL reports to a new session.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;

use pgwire_proto::messages::startup::{Authentication, BackendKeyData, ParameterStatus, SecretKey};
use pgwire_proto::messages::{PgWireBackendMessage, PgWireFrontendMessage, SslNegotiationMetaMessage};
use tokio::io::{AsyncRead, AsyncWrite};

use super::codec::{MessageReader, MessageWriter};
use crate::error::{sqlstate, PgError};
use crate::metadata::workspaces::WorkspaceRecord;
use crate::metadata::{login_failed, UserRecord};
use crate::server::registry::Stats;
use crate::server::ServerContext;
use crate::session::settings::Settings;

/// Who logged in, and what they asked for in the startup packet.
pub struct Login {
    pub user: String,
    pub workspace: Option<String>,
    /// The catalog the session starts in (`USE`d on its connection).
    pub catalog: String,
    /// The connection is TLS.
    pub tls: bool,
    /// The workspace's per-session memory cap, if it has one.
    pub memory_limit: Option<String>,
    /// PostgreSQL parameters from the startup packet (application_name, DateStyle, ...).
    pub settings: Settings,
}

/// How the connection's first exchange ended.
pub enum Opening {
    /// An authenticated client that wants a session (boxed: a login is large, `Done` is not).
    Session(Box<Login>),
    /// A cancel request (handled) or a client that left: close without a session.
    Done,
}

/// Negotiate, read the startup packet and authenticate. Errors are FATAL: the caller sends them
/// and closes the connection.
pub async fn open<R, W>(
    reader: &mut MessageReader<R>,
    writer: &mut MessageWriter<W>,
    addr: SocketAddr,
    tls: bool,
    ctx: &ServerContext,
) -> Result<Opening, PgError>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let startup = loop {
        let Some(msg) = reader.next().await? else {
            return Ok(Opening::Done);
        };
        match msg {
            PgWireFrontendMessage::SslNegotiation(SslNegotiationMetaMessage::PostgresSsl(_))
            | PgWireFrontendMessage::SslNegotiation(SslNegotiationMetaMessage::PostgresGss(_)) => {
                // No TLS on this listener: 'N', and the client goes on in plain text (or leaves).
                if reader.has_buffered() {
                    return Err(PgError::fatal(
                        sqlstate::PROTOCOL_VIOLATION,
                        "unexpected data after SSL request",
                    ));
                }
                writer.write_byte(b'N').await.map_err(|_| closed())?;
            }
            PgWireFrontendMessage::SslNegotiation(SslNegotiationMetaMessage::None) => {
                reader.context.awaiting_frontend_ssl = false;
            }
            PgWireFrontendMessage::CancelRequest(cancel) => {
                // Protocol 3.0 keys are four bytes; the decoder may hand them over as bytes.
                if let Some(secret) = cancel.secret_key.as_i32() {
                    if let Some(session) = ctx.registry.get(cancel.pid) {
                        if session.secret == secret {
                            session.interrupt();
                        }
                    }
                }
                return Ok(Opening::Done);
            }
            PgWireFrontendMessage::Startup(startup) => break startup,
            _ => {
                return Err(PgError::fatal(
                    sqlstate::PROTOCOL_VIOLATION,
                    "expected a startup packet",
                ))
            }
        }
    };
    reader.context.awaiting_frontend_ssl = false;
    reader.context.awaiting_frontend_startup = false;

    let params = startup.parameters;
    let user = params.get("user").cloned().unwrap_or_default();
    let mut settings = Settings::default();
    for (name, value) in &params {
        settings.apply_startup(name, value).map_err(|mut e| {
            e.severity = crate::error::Severity::Fatal;
            e
        })?;
    }
    if user.is_empty() {
        return Err(PgError::fatal(
            sqlstate::INVALID_AUTHORIZATION,
            "no PostgreSQL user name specified in startup packet",
        ));
    }

    if ctx.open_connections.load(Ordering::SeqCst) > ctx.config.max_connections {
        Stats::add(&ctx.stats.refused, 1);
        return Err(PgError::fatal(
            sqlstate::TOO_MANY_CONNECTIONS,
            "sorry, too many clients already",
        ));
    }

    if ctx.config.require_tls && !tls {
        Stats::add(&ctx.stats.refused, 1);
        return Err(PgError::fatal(
            sqlstate::INVALID_AUTHORIZATION,
            "this server accepts TLS connections only",
        )
        .with_hint("Connect with sslmode=require (or verify-full)."));
    }
    // Cleartext passwords travel only where nobody can read them: over TLS, or on loopback.
    if !tls && !addr.ip().is_loopback() && !ctx.config.allow_plain_password_remote {
        Stats::add(&ctx.stats.refused, 1);
        return Err(PgError::fatal(
            sqlstate::INVALID_AUTHORIZATION,
            format!(
                "password authentication over a plain connection from {} is not allowed",
                addr.ip()
            ),
        )
        .with_hint("Connect over TLS, or start the server with allow_plain_password_remote := true."));
    }

    ctx.throttle.admit(addr.ip())?;
    writer.message(PgWireBackendMessage::Authentication(
        Authentication::CleartextPassword,
    ));
    writer.flush().await.map_err(|_| closed())?;
    let given = match reader.next().await? {
        Some(PgWireFrontendMessage::PasswordMessageFamily(p)) => {
            p.into_password()
                .map_err(|_| PgError::fatal(sqlstate::PROTOCOL_VIOLATION, "expected a password message"))?
                .password
        }
        Some(_) => {
            return Err(PgError::fatal(
                sqlstate::PROTOCOL_VIOLATION,
                "expected a password message",
            ))
        }
        None => return Ok(Opening::Done),
    };

    let requested = params.get("database").cloned().unwrap_or_default();
    let permit = ctx
        .password_checks
        .acquire()
        .await
        .map_err(|_| PgError::fatal(sqlstate::CONNECTION_FAILURE, "the server is stopping"))?;
    let record = {
        let metadata = ctx.metadata.clone();
        let name = user.clone();
        let host_catalog = ctx.database_name.clone();
        // Lookup and argon2 are slow on purpose: keep them off the I/O threads. The database
        // asked for is looked at only once the password is right: nobody learns what exists.
        crate::exit::run_blocking(
            move || -> Result<Option<(String, UserRecord, Option<WorkspaceRecord>)>, PgError> {
                let Some(record) = metadata.authenticate(&name, &given)? else {
                    return Ok(None);
                };
                let catalog = metadata.session_catalog(&record, &requested, &host_catalog)?;
                let workspace = match &record.workspace {
                    Some(w) => metadata.find_workspace(w)?,
                    None => None,
                };
                Ok(Some((catalog, record, workspace)))
            },
        )
        .await
        .ok_or_else(|| PgError::fatal(sqlstate::INTERNAL_ERROR, "authentication failed unexpectedly"))??
    };
    drop(permit);
    let Some((catalog, record, workspace_record)) = record else {
        Stats::add(&ctx.stats.refused, 1);
        tokio::time::sleep(ctx.throttle.failed(addr.ip())).await;
        return Err(login_failed(&user));
    };
    ctx.throttle.succeeded(addr.ip());
    let from_address = ctx.registry.count(|s| s.client_addr.ip() == addr.ip());
    if from_address >= ctx.config.max_connections_per_address {
        Stats::add(&ctx.stats.refused, 1);
        return Err(PgError::fatal(
            sqlstate::TOO_MANY_CONNECTIONS,
            format!("too many connections from {}", addr.ip()),
        ));
    }
    if let Some(workspace) = &record.workspace {
        let limit = workspace_record
            .as_ref()
            .and_then(|w| w.max_connections)
            .map_or(ctx.config.max_connections_per_workspace, |n| n as usize);
        let open = ctx.registry.count(|s| s.workspace.as_deref() == Some(workspace));
        if open >= limit {
            Stats::add(&ctx.stats.refused, 1);
            return Err(PgError::fatal(
                sqlstate::TOO_MANY_CONNECTIONS,
                format!("too many connections for workspace \"{workspace}\""),
            ));
        }
    }

    Ok(Opening::Session(Box::new(Login {
        user: record.name,
        workspace: record.workspace,
        catalog,
        tls,
        memory_limit: workspace_record.and_then(|w| w.memory_limit),
        settings,
    })))
}

fn closed() -> PgError {
    PgError::fatal(sqlstate::CONNECTION_FAILURE, "connection closed")
}

/// AuthenticationOk, the ParameterStatus set PostgreSQL sends, and BackendKeyData.
pub fn welcome<W: AsyncWrite + Unpin>(writer: &mut MessageWriter<W>, login: &Login, pid: i32, secret: i32) {
    writer.message(PgWireBackendMessage::Authentication(Authentication::Ok));
    let server_version = crate::catalog::server_version();
    let (application_name, client_encoding, date_style, time_zone) = (
        login.settings.get("application_name"),
        login.settings.get("client_encoding"),
        login.settings.get("DateStyle"),
        login.settings.get("TimeZone"),
    );
    let params: [(&str, &str); 13] = [
        ("application_name", &application_name),
        ("client_encoding", &client_encoding),
        ("DateStyle", &date_style),
        ("default_transaction_read_only", "off"),
        ("in_hot_standby", "off"),
        ("integer_datetimes", "on"),
        ("IntervalStyle", "postgres"),
        (
            "is_superuser",
            if login.workspace.is_none() { "on" } else { "off" },
        ),
        ("server_encoding", "UTF8"),
        ("server_version", &server_version),
        ("session_authorization", &login.user),
        ("standard_conforming_strings", "on"),
        ("TimeZone", &time_zone),
    ];
    for (name, value) in params {
        writer.message(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
            name.into(),
            value.into(),
        )));
    }
    writer.message(PgWireBackendMessage::BackendKeyData(BackendKeyData::new(
        pid,
        SecretKey::I32(secret),
    )));
}
