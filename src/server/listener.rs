//! Accepting connections until the server drains.

use std::sync::Arc;

use tokio::net::TcpListener;

use super::{Phase, ServerContext};
use crate::protocol;

pub async fn accept_loop(listener: TcpListener, context: Arc<ServerContext>) {
    let mut phase = context.phase.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, addr)) => {
                    let _ = socket.set_nodelay(true);
                    tokio::spawn(protocol::serve(socket, addr, Arc::clone(&context)));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            },
            changed = phase.changed() => {
                if changed.is_err() || *phase.borrow() != Phase::Running {
                    break;
                }
            }
        }
    }
}
