//! A running statement's way to its client: it encodes protocol messages into a buffer and
//! hands the buffer to the session's [`ClientLink`] whenever it fills (so that a slow client
//! holds back the query instead of making the server buffer the whole result); a COPY FROM
//! STDIN reads the client's data through the same link.

use bytes::{BufMut, BytesMut};
use pgwire_proto::messages::data::{FieldDescription, NoData, ParameterDescription, RowDescription};
use pgwire_proto::messages::extendedquery::{BindComplete, CloseComplete, ParseComplete, PortalSuspended};
use pgwire_proto::messages::response::{
    CommandComplete, EmptyQueryResponse, ReadyForQuery, TransactionStatus,
};
use pgwire_proto::messages::startup::ParameterStatus;
use pgwire_proto::messages::PgWireBackendMessage;

use super::copy::{CopyFormat, CopyOut};
use super::copy_in::CopyMessage;
use crate::db::{DataChunk, DuckType, Vector};
use crate::error::PgError;
use crate::protocol::codec::{error_response, warning_response};
use crate::types::{Encoder, Format, PgType, TextStyle};

/// Bytes gathered before they are handed to the I/O task.
const FLUSH_AT: usize = 64 * 1024;

/// The client went away (or the session is being torn down): stop producing.
#[derive(Debug)]
pub struct ClientGone;

/// The client connection as a running statement sees it. The session lends its connection to
/// the statement, which runs on the session's own thread and blocks while the client is slow:
/// no other thread, no queue of result pieces in between.
pub trait ClientLink {
    /// Write encoded messages to the client; returns once the socket took them all.
    fn send(&mut self, bytes: &[u8]) -> Result<(), ClientGone>;

    /// The client's next message during COPY FROM STDIN; `None` when the client went away.
    fn copy_message(&mut self) -> Option<CopyMessage>;
}

pub struct Output<'a> {
    link: &'a mut dyn ClientLink,
    buf: BytesMut,
    /// How text values are written (the session's TimeZone, extra_float_digits).
    style: TextStyle,
    /// A COPY FROM STDIN has taken the client's data (one may per job).
    copied_in: bool,
    /// What each statement came to, in order, for the query log.
    outcomes: Vec<Outcome>,
}

/// A statement's end as the client saw it: its command tag, or its error's SQLSTATE.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub at: std::time::Instant,
    pub tag: Option<String>,
    pub sqlstate: &'static str,
}

impl<'a> Output<'a> {
    /// `buf`: an empty buffer to encode into (the session keeps one between statements).
    pub fn new(link: &'a mut dyn ClientLink, buf: BytesMut, style: TextStyle) -> Output<'a> {
        Output {
            link,
            buf,
            style,
            copied_in: false,
            outcomes: Vec::new(),
        }
    }

    /// The statements' outcomes so far (see [`Outcome`]).
    pub fn take_outcomes(&mut self) -> Vec<Outcome> {
        std::mem::take(&mut self.outcomes)
    }

    /// The buffer back, emptied, for the next statement.
    pub fn into_buffer(mut self) -> BytesMut {
        self.buf.clear();
        self.buf
    }

    /// Write text values the session's way from now on (after a SET).
    pub fn set_style(&mut self, style: TextStyle) {
        self.style = style;
    }

    fn message(&mut self, msg: PgWireBackendMessage) {
        let _ = msg.encode(&mut self.buf);
    }

    /// Write out what is buffered. Blocks while the client is slow to read.
    pub fn flush(&mut self) -> Result<(), ClientGone> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let sent = self.link.send(&self.buf);
        self.buf.clear();
        sent
    }

    /// Has a COPY FROM STDIN of this job taken the client's data?
    pub fn copied_in(&self) -> bool {
        self.copied_in
    }

    /// The client's COPY data from now on (after CopyInResponse went out): until then, what
    /// the client sends is its next statement, not data.
    pub fn begin_copy_in(&mut self) {
        self.copied_in = true;
    }

    /// The client's next message during COPY FROM STDIN.
    pub fn copy_message(&mut self) -> Option<CopyMessage> {
        self.link.copy_message()
    }

    fn flush_if_full(&mut self) -> Result<(), ClientGone> {
        if self.buf.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }

    /// RowDescription; `formats` as Bind gave them (none: all text, one: for every column).
    pub fn row_description(&mut self, columns: &[(String, DuckType)], formats: &[i16]) {
        let fields = columns
            .iter()
            .enumerate()
            .map(|(i, (name, ty))| {
                let pg = PgType::from_duck(ty);
                let format = match Format::for_column(formats, i) {
                    Format::Text => 0,
                    Format::Binary => 1,
                };
                FieldDescription::new(name.clone(), 0, 0, pg.oid, pg.size, pg.modifier, format)
            })
            .collect();
        self.message(PgWireBackendMessage::RowDescription(RowDescription::new(fields)));
    }

    /// Encode rows `start..end` of a chunk as DataRows in text format.
    pub fn data_rows(
        &mut self,
        chunk: &DataChunk,
        start: usize,
        end: usize,
        encoders: &[Encoder],
    ) -> Result<(), ClientGone> {
        let vectors: Vec<_> = (0..encoders.len()).map(|c| chunk.vector(c)).collect();
        for row in start..end {
            let message = self.begin_message(b'D');
            self.put_fields(&vectors, encoders, row);
            self.end_message(message);
            self.flush_if_full()?;
        }
        Ok(())
    }

    pub fn parse_complete(&mut self) {
        self.message(PgWireBackendMessage::ParseComplete(ParseComplete::new()));
    }

    pub fn bind_complete(&mut self) {
        self.message(PgWireBackendMessage::BindComplete(BindComplete::new()));
    }

    pub fn close_complete(&mut self) {
        self.message(PgWireBackendMessage::CloseComplete(CloseComplete::new()));
    }

    pub fn no_data(&mut self) {
        self.message(PgWireBackendMessage::NoData(NoData::new()));
    }

    pub fn portal_suspended(&mut self) {
        self.message(PgWireBackendMessage::PortalSuspended(PortalSuspended::new()));
    }

    pub fn parameter_description(&mut self, oids: &[u32]) {
        self.message(PgWireBackendMessage::ParameterDescription(
            ParameterDescription::new(oids.to_vec()),
        ));
    }

    pub fn parameter_status(&mut self, name: &str, value: &str) {
        self.message(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
            name.to_string(),
            value.to_string(),
        )));
    }

    /// One DataRow of text values (text's binary form is the same bytes).
    pub fn text_row(&mut self, values: &[&str]) {
        let message = self.begin_message(b'D');
        self.buf.put_i16(values.len() as i16);
        for v in values {
            self.buf.put_i32(v.len() as i32);
            self.buf.put_slice(v.as_bytes());
        }
        self.end_message(message);
    }

    pub fn ready_for_query(&mut self, status: TransactionStatus) {
        self.message(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(status)));
    }

    /// CopyOutResponse: `columns` columns, all text or all binary.
    pub fn copy_out_response(&mut self, binary: bool, columns: usize) {
        self.copy_response(b'H', binary, columns);
    }

    /// CopyInResponse: `columns` columns, all text or all binary.
    pub fn copy_in_response(&mut self, binary: bool, columns: usize) {
        self.copy_response(b'G', binary, columns);
    }

    fn copy_response(&mut self, tag: u8, binary: bool, columns: usize) {
        self.buf.put_u8(tag);
        self.buf.put_i32((4 + 1 + 2 + 2 * columns) as i32);
        self.buf.put_i8(binary as i8);
        self.buf.put_i16(columns as i16);
        for _ in 0..columns {
            self.buf.put_i16(binary as i16);
        }
    }

    pub fn copy_data(&mut self, data: &[u8]) -> Result<(), ClientGone> {
        self.buf.put_u8(b'd');
        self.buf.put_i32((4 + data.len()) as i32);
        self.buf.put_slice(data);
        self.flush_if_full()
    }

    /// Every row of a chunk as one CopyData message each, in the COPY's format. A `prefix`
    /// (binary COPY's file header) goes at the start of the first row's message, as PostgreSQL
    /// sends it and as clients parse it.
    pub fn copy_rows(
        &mut self,
        chunk: &DataChunk,
        encoders: &[Encoder],
        copy: &CopyOut,
        prefix: &mut Option<&[u8]>,
    ) -> Result<(), ClientGone> {
        let vectors: Vec<_> = (0..encoders.len()).map(|c| chunk.vector(c)).collect();
        // Numbers, times and the like need no escaping: written straight into the line.
        let direct: Vec<bool> = encoders
            .iter()
            .map(|e| e.is_plain_text() && copy.plain_text_is_safe())
            .collect();
        let mut scratch = BytesMut::new();
        for row in 0..chunk.len() {
            let message = self.begin_message(b'd');
            if let Some(prefix) = prefix.take() {
                self.buf.put_slice(prefix);
            }
            if copy.format == CopyFormat::Binary {
                self.put_fields(&vectors, encoders, row);
            } else {
                for (i, (vector, encoder)) in vectors.iter().zip(encoders).enumerate() {
                    if i > 0 {
                        self.buf.put_u8(copy.delimiter);
                    }
                    if vector.is_valid(row) && direct[i] {
                        encoder.write(vector, row, &mut self.buf, &self.style);
                    } else if vector.is_valid(row) && encoder.is_stored_text() {
                        copy.put_field(&mut self.buf, Some(vector.bytes_at(row)));
                    } else if vector.is_valid(row) {
                        scratch.clear();
                        encoder.write(vector, row, &mut scratch, &self.style);
                        copy.put_field(&mut self.buf, Some(&scratch));
                    } else {
                        copy.put_field(&mut self.buf, None);
                    }
                }
                self.buf.put_u8(b'\n');
            }
            self.end_message(message);
            self.flush_if_full()?;
        }
        Ok(())
    }

    pub fn copy_done(&mut self) {
        self.buf.put_u8(b'c');
        self.buf.put_i32(4);
    }

    /// Start a message whose length is filled in by [`Output::end_message`].
    fn begin_message(&mut self, kind: u8) -> usize {
        let start = self.buf.len();
        self.buf.put_u8(kind);
        self.buf.put_i32(0);
        start
    }

    fn end_message(&mut self, start: usize) {
        let len = (self.buf.len() - start - 1) as i32;
        self.buf[start + 1..start + 5].copy_from_slice(&len.to_be_bytes());
    }

    /// A row's fields as DataRow and binary COPY carry them: a count, then each value
    /// length-prefixed (-1 for NULL).
    fn put_fields(&mut self, vectors: &[Vector<'_>], encoders: &[Encoder], row: usize) {
        self.buf.put_i16(encoders.len() as i16);
        for (vector, encoder) in vectors.iter().zip(encoders) {
            if !vector.is_valid(row) {
                self.buf.put_i32(-1);
                continue;
            }
            let len_at = self.buf.len();
            self.buf.put_i32(0);
            encoder.write(vector, row, &mut self.buf, &self.style);
            let len = (self.buf.len() - len_at - 4) as i32;
            self.buf[len_at..len_at + 4].copy_from_slice(&len.to_be_bytes());
        }
    }

    pub fn command_complete(&mut self, tag: String) {
        self.outcomes.push(Outcome {
            at: std::time::Instant::now(),
            tag: Some(tag.clone()),
            sqlstate: crate::error::sqlstate::SUCCESSFUL_COMPLETION,
        });
        self.message(PgWireBackendMessage::CommandComplete(CommandComplete::new(tag)));
    }

    pub fn empty_query(&mut self) {
        self.message(PgWireBackendMessage::EmptyQueryResponse(EmptyQueryResponse::new()));
    }

    pub fn error(&mut self, e: &PgError) {
        self.outcomes.push(Outcome {
            at: std::time::Instant::now(),
            tag: None,
            sqlstate: e.code,
        });
        self.message(PgWireBackendMessage::ErrorResponse(error_response(e)));
    }

    pub fn warning(&mut self, code: &str, message: &str) {
        self.message(PgWireBackendMessage::NoticeResponse(warning_response(
            code, message,
        )));
    }
}
