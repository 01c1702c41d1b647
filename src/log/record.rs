//! One record of a batch, read within its bounds: zig-zag varint fields,
//! key, value and headers, as Kafka's `DefaultRecord.readFrom` reads them.

use super::LogError;

/// Reads a zig-zag varint at `*at`, moving `*at` past it. Most fields of
/// a record (attributes, small deltas, short lengths) take one byte.
#[inline(always)]
pub(super) fn get_varint(buf: &[u8], at: &mut usize) -> Result<i64, LogError> {
    let z = match (buf.get(*at), buf.get(*at + 1)) {
        (Some(&b), _) if b < 0x80 => {
            *at += 1;
            u64::from(b)
        }
        (Some(&b), Some(&c)) if c < 0x80 => {
            *at += 2;
            u64::from(b & 0x7f) | u64::from(c) << 7
        }
        _ => return get_long_varint(buf, at),
    };
    Ok((z >> 1) as i64 ^ -((z & 1) as i64))
}

fn get_long_varint(buf: &[u8], at: &mut usize) -> Result<i64, LogError> {
    let mut z: u64 = 0;
    for shift in (0..70).step_by(7) {
        let b = *buf
            .get(*at)
            .ok_or(LogError::CorruptMessage("truncated varint"))?;
        *at += 1;
        z |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(((z >> 1) as i64) ^ -((z & 1) as i64));
        }
    }
    Err(LogError::CorruptMessage("varint longer than 10 bytes"))
}

#[inline(always)]
fn get_bytes<'a>(buf: &'a [u8], at: &mut usize) -> Result<Option<&'a [u8]>, LogError> {
    let len = get_varint(buf, at)?;
    if len < 0 {
        return Ok(None);
    }
    let end = at
        .checked_add(len as usize)
        .filter(|e| *e <= buf.len())
        .ok_or(LogError::CorruptMessage("field runs past its record"))?;
    let b = &buf[*at..end];
    *at = end;
    Ok(Some(b))
}

/// One record's fields, borrowed from its batch.
pub(super) struct RecordView<'a> {
    pub timestamp_delta: i64,
    pub offset_delta: i64,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    /// The header fields, already checked: read them with `headers`.
    header_bytes: &'a [u8],
    header_count: i64,
}

impl<'a> RecordView<'a> {
    pub fn headers(&self) -> Headers<'a> {
        Headers {
            bytes: self.header_bytes,
            left: self.header_count,
            at: 0,
        }
    }
}

/// The headers (key, value) of one record, each read within bounds; a null
/// key is an error, as in Kafka. `at` is how far the reading got.
pub(super) struct Headers<'a> {
    bytes: &'a [u8],
    left: i64,
    at: usize,
}

impl<'a> Iterator for Headers<'a> {
    type Item = Result<(&'a [u8], Option<&'a [u8]>), LogError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left <= 0 {
            return None;
        }
        self.left -= 1;
        let key = match get_bytes(self.bytes, &mut self.at) {
            Ok(Some(k)) => k,
            Ok(None) => return Some(Err(LogError::CorruptMessage("null header key"))),
            Err(e) => return Some(Err(e)),
        };
        Some(get_bytes(self.bytes, &mut self.at).map(|v| (key, v)))
    }
}

/// Parses the record that starts at `*at` (its length varint), checking that
/// every field stays inside the record and the record inside the batch, as
/// Kafka's `DefaultRecord.readFrom` does; moves `*at` past it.
#[inline(always)]
pub(super) fn parse_record<'a>(buf: &'a [u8], at: &mut usize) -> Result<RecordView<'a>, LogError> {
    let len = get_varint(buf, at)?;
    let end = usize::try_from(len)
        .ok()
        .and_then(|l| at.checked_add(l))
        .filter(|e| *e <= buf.len() && *e > *at)
        .ok_or(LogError::CorruptMessage("record runs past its batch"))?;
    let rec = &buf[..end];
    let mut p = *at + 1; // record attributes
    let timestamp_delta = get_varint(rec, &mut p)?;
    let offset_delta = get_varint(rec, &mut p)?;
    let key = get_bytes(rec, &mut p)?;
    let value = get_bytes(rec, &mut p)?;
    let header_count = get_varint(rec, &mut p)?;
    if header_count < 0 {
        return Err(LogError::CorruptMessage("negative header count"));
    }
    let view = RecordView {
        timestamp_delta,
        offset_delta,
        key,
        value,
        header_bytes: &rec[p..],
        header_count,
    };
    let mut headers = view.headers();
    for h in &mut headers {
        h?;
    }
    if p + headers.at != end {
        return Err(LogError::CorruptMessage(
            "record size does not match its fields",
        ));
    }
    *at = end;
    Ok(view)
}
