//! Bounded streaming decompression: gzip, bz2, xz, lzma-alone, zlib, lz4 frame, zstd.
//!
//! Every decoder is wrapped in a [`Guarded`] reader that counts what goes in and what
//! comes out, and fails the stream (with a recorded [`Trip`]) once the output passes
//! `max_decompressed_bytes`, or passes `max_compression_ratio` times the input after
//! `ratio_check_after` bytes. Decoders with a window or dictionary are capped at
//! `max_decoder_memory`. Nothing here buffers a whole stream.
//!
//! Third-party decoders are also contained: a panic inside one (ruzstd indexes out of
//! bounds on some corrupt frames) becomes an I/O error, then a finding. This relies on
//! unwinding; a build with `panic = "abort"` (wasm) aborts instead.
//!
//! Must never decompress without a guard, and never trust a size a header declares.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use crate::finding::Finding;
use crate::limits::Limits;
use crate::rules::container::{archive_malformed, decompression_bomb};

/// A compression format brine decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// gzip (RFC 1952), all members.
    Gzip,
    /// bzip2, all streams.
    Bzip2,
    /// xz container.
    Xz,
    /// The legacy `.lzma` ("lzma-alone") container, as Python's `lzma.FORMAT_ALONE` writes.
    LzmaAlone,
    /// zlib (RFC 1950).
    Zlib,
    /// raw deflate (zip members).
    Deflate,
    /// LZ4 frame format.
    Lz4,
    /// Zstandard.
    Zstd,
}

impl Codec {
    /// Lowercase name for messages.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Bzip2 => "bzip2",
            Codec::Xz => "xz",
            Codec::LzmaAlone => "lzma",
            Codec::Zlib => "zlib",
            Codec::Deflate => "deflate",
            Codec::Lz4 => "lz4",
            Codec::Zstd => "zstd",
        }
    }
}

/// Why a guarded stream was stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trip {
    /// Output passed `max_decompressed_bytes`.
    Size {
        /// Bytes produced when stopped.
        produced: u64,
    },
    /// Output passed `max_compression_ratio` × input after `ratio_check_after`.
    Ratio {
        /// Bytes produced when stopped.
        produced: u64,
        /// Compressed bytes consumed by then.
        consumed: u64,
    },
}

impl Trip {
    /// The finding that reports this trip.
    #[must_use]
    pub fn finding(self, codec: Codec) -> Finding {
        match self {
            Trip::Size { produced } => decompression_bomb::finding(format!(
                "{} stream stopped after {produced} decompressed bytes (max_decompressed_bytes)",
                codec.name()
            )),
            Trip::Ratio { produced, consumed } => decompression_bomb::finding(format!(
                "{} stream expands {produced} bytes from {consumed} (ratio over max_compression_ratio)",
                codec.name()
            )),
        }
    }
}

/// Counts bytes read through it into a shared cell (the compressed side of a guard).
pub struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get().saturating_add(n as u64));
        Ok(n)
    }
}

/// A third-party decoder whose panics become I/O errors (and stay errors after).
pub struct Contained<R> {
    inner: R,
    failed: bool,
}

impl<R: Read> Contained<R> {
    /// Contain `inner`.
    pub fn new(inner: R) -> Self {
        Contained {
            inner,
            failed: false,
        }
    }
}

impl<R: Read> Read for Contained<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.failed {
            return Err(decoder_failed());
        }
        let inner = &mut self.inner;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.read(buf))) {
            Ok(result) => result,
            Err(_) => {
                self.failed = true;
                Err(decoder_failed())
            }
        }
    }
}

fn decoder_failed() -> io::Error {
    io::Error::other("the decoder failed on malformed input")
}

/// A decoder's output, metered against the limits.
pub struct Guarded<'a> {
    inner: Box<dyn Read + 'a>,
    consumed: Rc<Cell<u64>>,
    produced: u64,
    max_bytes: u64,
    max_ratio: u64,
    check_after: u64,
    tripped: Option<Trip>,
}

impl Guarded<'_> {
    /// Why the stream was stopped, if it was.
    #[must_use]
    pub fn trip(&self) -> Option<Trip> {
        self.tripped
    }

    fn check(&mut self) -> Option<Trip> {
        if self.produced > self.max_bytes {
            return Some(Trip::Size {
                produced: self.produced,
            });
        }
        let consumed = self.consumed.get().max(1);
        if self.produced > self.check_after && self.produced / consumed > self.max_ratio {
            return Some(Trip::Ratio {
                produced: self.produced,
                consumed,
            });
        }
        None
    }
}

impl Read for Guarded<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.tripped.is_some() {
            return Err(io::Error::other("decompression budget exceeded"));
        }
        let n = self.inner.read(buf)?;
        self.produced = self.produced.saturating_add(n as u64);
        if let Some(trip) = self.check() {
            self.tripped = Some(trip);
            return Err(io::Error::other("decompression budget exceeded"));
        }
        Ok(n)
    }
}

/// Wrap `input` (compressed bytes) in the decoder for `codec` and a guard.
///
/// # Errors
/// A finding when the decoder refuses the stream header (corrupt, or a window or
/// dictionary larger than `max_decoder_memory`).
pub fn open<'a>(
    codec: Codec,
    input: Box<dyn Read + 'a>,
    limits: &Limits,
) -> Result<Guarded<'a>, Box<Finding>> {
    let consumed = Rc::new(Cell::new(0));
    let counted = Counting {
        inner: input,
        count: Rc::clone(&consumed),
    };
    let memory_kb = u32::try_from(limits.max_decoder_memory / 1024).unwrap_or(u32::MAX);
    let refused = |e: &dyn std::fmt::Display| {
        Box::new(archive_malformed::finding(format!(
            "{} stream refused: {e}",
            codec.name()
        )))
    };
    let construct =
        std::panic::AssertUnwindSafe(move || -> Result<Box<dyn Read + 'a>, Box<Finding>> {
            Ok(match codec {
                Codec::Gzip => Box::new(flate2::read::MultiGzDecoder::new(counted)),
                Codec::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(counted)),
                Codec::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(
                    counted, true, memory_kb,
                )),
                Codec::LzmaAlone => Box::new(
                    lzma_rust2::LzmaReader::new_mem_limit(counted, memory_kb, None)
                        .map_err(|e| refused(&e))?,
                ),
                Codec::Zlib => Box::new(flate2::read::ZlibDecoder::new(counted)),
                Codec::Deflate => Box::new(flate2::read::DeflateDecoder::new(counted)),
                Codec::Lz4 => Box::new(lz4_flex::frame::FrameDecoder::new(counted)),
                Codec::Zstd => Box::new(
                    ruzstd::decoding::StreamingDecoder::new_with_max_window_size(
                        counted,
                        limits.max_decoder_memory,
                    )
                    .map_err(|e| refused(&e))?,
                ),
            })
        });
    let inner = match std::panic::catch_unwind(construct) {
        Ok(decoder) => Box::new(Contained::new(decoder?)),
        Err(_) => return Err(refused(&decoder_failed())),
    };
    Ok(Guarded {
        inner,
        consumed,
        produced: 0,
        max_bytes: limits.max_decompressed_bytes,
        max_ratio: limits.max_compression_ratio,
        check_after: limits.ratio_check_after,
        tripped: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn small_stream_round_trips_without_trip() {
        let packed = gzip(b"hello world");
        let mut guarded = open(Codec::Gzip, Box::new(&packed[..]), &Limits::default()).unwrap();
        let mut out = Vec::new();
        guarded.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"hello world");
        assert_eq!(guarded.trip(), None);
    }

    #[test]
    fn zeros_trip_the_ratio_check() {
        let packed = gzip(&vec![0u8; 4 << 20]);
        let limits = Limits {
            ratio_check_after: 1 << 20,
            ..Limits::default()
        };
        let mut guarded = open(Codec::Gzip, Box::new(&packed[..]), &limits).unwrap();
        assert!(io::copy(&mut guarded, &mut io::sink()).is_err());
        assert!(matches!(guarded.trip(), Some(Trip::Ratio { .. })));
    }

    #[test]
    fn size_budget_trips() {
        let packed = gzip(&[7u8; 10_000]);
        let limits = Limits {
            max_decompressed_bytes: 1000,
            ..Limits::default()
        };
        let mut guarded = open(Codec::Gzip, Box::new(&packed[..]), &limits).unwrap();
        assert!(io::copy(&mut guarded, &mut io::sink()).is_err());
        assert!(matches!(guarded.trip(), Some(Trip::Size { .. })));
    }

    struct Exploding;

    impl Read for Exploding {
        fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
            panic!("decoder bug");
        }
    }

    #[test]
    fn a_panicking_decoder_becomes_an_error() {
        let mut contained = Contained::new(Exploding);
        let mut buf = [0u8; 4];
        assert!(contained.read(&mut buf).is_err());
        assert!(contained.read(&mut buf).is_err());
        let mut fine = Contained::new(&b"ok"[..]);
        assert_eq!(fine.read(&mut buf).unwrap(), 2);
    }

    #[test]
    fn oversized_lzma_dictionary_is_refused() {
        // props 0x5d, dictionary 1 GiB, unknown size.
        let mut header = vec![0x5d];
        header.extend_from_slice(&(1u32 << 30).to_le_bytes());
        header.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(open(Codec::LzmaAlone, Box::new(&header[..]), &Limits::default()).is_err());
    }
}
