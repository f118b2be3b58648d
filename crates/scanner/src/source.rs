//! Random-access reading of what is scanned.
//!
//! Openers read through [`ReadAt`] so that a 2 GiB checkpoint costs what its zip
//! directory and pickle members cost: nothing here reads a whole file. [`Cursor`] turns a
//! `ReadAt` range into a streaming `std::io::Read` for the pickle machine.
//! This module never interprets bytes.

use std::io;

/// Positional reads over an immutable byte source.
pub trait ReadAt: Sync {
    /// Total size in bytes.
    fn size(&self) -> u64;
    /// Read up to `buf.len()` bytes at `offset`; returns how many were read (0 at the end).
    ///
    /// # Errors
    /// Any I/O error of the underlying source.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize>;

    /// Fill `buf` completely from `offset`.
    ///
    /// # Errors
    /// `UnexpectedEof` when the source ends first, or an I/O error.
    fn read_exact_at(&self, mut offset: u64, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            let n = self.read_at(offset, buf)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            buf = &mut buf[n..];
            offset += n as u64;
        }
        Ok(())
    }
}

impl ReadAt for &[u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        let Some(rest) = self.get(start..) else {
            return Ok(0);
        };
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }
}

impl ReadAt for Vec<u8> {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.as_slice().read_at(offset, buf)
    }
}

#[cfg(unix)]
impl ReadAt for std::fs::File {
    fn size(&self) -> u64 {
        self.metadata().map(|m| m.len()).unwrap_or(0)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
}

#[cfg(windows)]
impl ReadAt for std::fs::File {
    fn size(&self) -> u64 {
        self.metadata().map(|m| m.len()).unwrap_or(0)
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        std::os::windows::fs::FileExt::seek_read(self, buf, offset)
    }
}

/// A window `[start, start + len)` of a [`ReadAt`], itself a `ReadAt`.
pub struct Window<'a> {
    inner: &'a dyn ReadAt,
    start: u64,
    len: u64,
}

impl<'a> Window<'a> {
    /// A window clamped to the source's size.
    #[must_use]
    pub fn new(inner: &'a dyn ReadAt, start: u64, len: u64) -> Self {
        let size = inner.size();
        let start = start.min(size);
        let len = len.min(size - start);
        Window { inner, start, len }
    }
}

impl ReadAt for Window<'_> {
    fn size(&self) -> u64 {
        self.len
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset >= self.len {
            return Ok(0);
        }
        let max = usize::try_from(self.len - offset)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        self.inner.read_at(self.start + offset, &mut buf[..max])
    }
}

/// A streaming reader over a [`ReadAt`], starting at an offset.
pub struct Cursor<'a> {
    inner: &'a dyn ReadAt,
    pos: u64,
}

impl<'a> Cursor<'a> {
    /// Start reading at `pos`.
    #[must_use]
    pub fn new(inner: &'a dyn ReadAt, pos: u64) -> Self {
        Cursor { inner, pos }
    }
    /// The next offset to be read.
    #[must_use]
    pub fn position(&self) -> u64 {
        self.pos
    }
}

impl io::Read for Cursor<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read_at(self.pos, buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn window_clamps_and_cursor_streams() {
        let data: Vec<u8> = (0u8..10).collect();
        let w = Window::new(&data, 3, 100);
        assert_eq!(w.size(), 7);
        let mut out = Vec::new();
        Cursor::new(&w, 2).read_to_end(&mut out).unwrap();
        assert_eq!(out, vec![5, 6, 7, 8, 9]);
        let mut buf = [0u8; 4];
        assert!(w.read_exact_at(5, &mut buf).is_err());
    }
}
